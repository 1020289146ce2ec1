import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { test } from "node:test";
import { MAX_TIMER_MS, setLongTimeout, sleep, timeoutSignal } from "./longTimer.js";

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

// Timers fire in order of expiry: had a long delay been clamped to 1 ms (Node's overflow rule), it would fire before
// a 20 ms timer armed after it. Waiting for that later timer is an event, not a guess.
test("setLongTimeout: a delay beyond 2^31-1 ms does not fire early (plain setTimeout would, at 1 ms)", async () => {
  let fired = false;
  const timer = setLongTimeout(() => (fired = true), THIRTY_DAYS_MS);
  const justAbove = setLongTimeout(() => (fired = true), MAX_TIMER_MS + 1);
  await delay(20);
  assert.equal(fired, false);
  timer.clear();
  justAbove.clear();
});

test("setLongTimeout: short delays fire, in order, and clear() cancels", async () => {
  const order: string[] = [];
  const cancelled = setLongTimeout(() => order.push("cancelled"), 1);
  cancelled.clear();
  await new Promise<void>((resolve) => {
    setLongTimeout(() => order.push("b"), 10);
    setLongTimeout(() => order.push("a"), 0);
    setLongTimeout(() => {
      order.push("c");
      resolve();
    }, 15);
  });
  assert.deepEqual(order, ["a", "b", "c"]);
});

test("setLongTimeout: Infinity never fires; negative and NaN fire at once", async () => {
  let infinite = false;
  setLongTimeout(() => (infinite = true), Infinity);
  await new Promise<void>((resolve) => setLongTimeout(resolve, -5));
  await new Promise<void>((resolve) => setLongTimeout(resolve, Number.NaN));
  await delay(5);
  assert.equal(infinite, false);
});

test("sleep: resolves after the delay, rejects with the signal's reason", async () => {
  await sleep(1);
  const controller = new AbortController();
  const long = sleep(THIRTY_DAYS_MS, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(long, /stop/);
  await assert.rejects(sleep(1, AbortSignal.abort(new Error("already"))), /already/);
});

test("timeoutSignal: a 30-day deadline is not already past; a short one aborts with TimeoutError", async () => {
  const long = timeoutSignal(THIRTY_DAYS_MS);
  const short = timeoutSignal(5);
  // The signal's timer is unref'd (as AbortSignal.timeout's): keep the loop alive while waiting for it.
  const keepAlive = setInterval(() => undefined, 1_000);
  await new Promise((resolve) => short.addEventListener("abort", resolve, { once: true }));
  clearInterval(keepAlive);
  assert.equal((short.reason as DOMException).name, "TimeoutError");
  assert.equal(long.aborted, false);
});
