import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoTime } from "./isoTime.js";

describe("isoTime", () => {
  it("ISO-8601 with milliseconds, the same for a repeated time; a time Date cannot hold becomes now", () => {
    assert.equal(isoTime(0), "1970-01-01T00:00:00.000Z");
    assert.equal(isoTime(1), "1970-01-01T00:00:00.001Z");
    assert.equal(isoTime(1), "1970-01-01T00:00:00.001Z");
    const before = Date.now();
    const now = Date.parse(isoTime(9e15));
    assert.ok(now >= before - 1 && now <= Date.now());
  });
});
