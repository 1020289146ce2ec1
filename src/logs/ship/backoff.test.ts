import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("doubles from the minimum, stays within half and all of the ceiling, and never passes the cap", () => {
    const options = { minMs: 100, maxMs: 30_000 };
    assert.equal(backoffDelay(0, { ...options, random: () => 0 }), 50);
    assert.equal(backoffDelay(0, { ...options, random: () => 0.999999 }), 100);
    assert.equal(backoffDelay(3, { ...options, random: () => 0 }), 400);
    assert.equal(backoffDelay(10, { ...options, random: () => 0.999999 }), 30_000);
    assert.equal(backoffDelay(1e9, { ...options, random: () => 0.5 }), 22_500);
    for (let attempt = 0; attempt < 60; attempt++) {
      const delay = backoffDelay(attempt, options);
      assert.ok(delay >= 50 && delay <= 30_000, `attempt ${attempt}: ${delay}`);
    }
  });
});
