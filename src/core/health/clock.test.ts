import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { test } from "node:test";
import { systemClock } from "./clock.js";

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

// Timers fire in order of expiry: a 30-day delay clamped to 1 ms (Node's overflow rule) would fire before a 20 ms
// timer armed after it. Waiting for that later timer is an event, not a guess.
test("systemClock: a 30-day timer (a check's delay, interval or timeout) does not fire at once", async () => {
  let fired = false;
  const handle = systemClock.setTimeout(() => (fired = true), THIRTY_DAYS_MS);
  await delay(20);
  systemClock.clearTimeout(handle);
  assert.equal(fired, false);
});

test("systemClock: short timers fire and clearTimeout cancels (also with no handle)", async () => {
  let cancelled = false;
  systemClock.clearTimeout(systemClock.setTimeout(() => (cancelled = true), 1));
  systemClock.clearTimeout(undefined);
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
  assert.equal(cancelled, false);
});
