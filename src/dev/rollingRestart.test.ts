import assert from "node:assert/strict";
import { test } from "node:test";
import { restartStrategy, RollingRestart, type RestartAction } from "./rollingRestart.js";

test("restartStrategy follows Marathon: minHealthy rounds up, capacity down, one over capacity when stuck", () => {
  assert.deepEqual(restartStrategy(3, 3, { minimumHealthCapacity: 1, maximumOverCapacity: 1 }), { minHealthy: 3, maxCapacity: 6, killNow: 0 });
  assert.deepEqual(restartStrategy(3, 3, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }), { minHealthy: 2, maxCapacity: 3, killNow: 1 });
  // Nothing may be killed and nothing started: Marathon allows one instance over capacity.
  assert.deepEqual(restartStrategy(2, 2, { minimumHealthCapacity: 1, maximumOverCapacity: 0 }), { minHealthy: 2, maxCapacity: 3, killNow: 0 });
  assert.deepEqual(restartStrategy(4, 4, { minimumHealthCapacity: 0, maximumOverCapacity: 0 }), { minHealthy: 0, maxCapacity: 4, killNow: 4 });
});

const kinds = (actions: RestartAction[]): string[] => actions.map((a) => (a.kind === "kill" ? `kill ${a.instance}` : a.kind === "launch" ? `launch ${a.count}` : a.kind));

test("minimumHealthCapacity 1, maximumOverCapacity 0: one new instance at a time, an old one goes only once a new one is ready", () => {
  const restart = new RollingRestart({ instances: 2, old: [1, 2], upgrade: { minimumHealthCapacity: 1, maximumOverCapacity: 0 }, killSelection: "YOUNGEST_FIRST" });
  assert.deepEqual(kinds(restart.start()), ["launch 1"]);
  assert.deepEqual(kinds(restart.newReady(3)), ["kill 2"], "youngest first");
  assert.deepEqual(kinds(restart.oldGone(2)), ["launch 1"]);
  assert.deepEqual(kinds(restart.newReady(4)), ["kill 1"]);
  assert.equal(restart.finished, false);
  assert.deepEqual(kinds(restart.oldGone(1)), ["done"]);
  assert.equal(restart.finished, true);
});

test("minimumHealthCapacity 0.5: half the old instances go at once (oldest first), their room is refilled", () => {
  const restart = new RollingRestart({ instances: 4, old: [1, 2, 3, 4], upgrade: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }, killSelection: "OLDEST_FIRST" });
  assert.deepEqual(kinds(restart.start()), ["kill 1", "kill 2"]);
  assert.deepEqual(kinds(restart.oldGone(1)), ["launch 1"]);
  assert.deepEqual(kinds(restart.oldGone(2)), ["launch 1"]);
  assert.deepEqual(kinds(restart.newReady(5)), ["kill 3"]);
  assert.deepEqual(kinds(restart.newReady(6)), ["kill 4"]);
  assert.deepEqual(kinds(restart.oldGone(3)), ["launch 1"]);
  assert.deepEqual(kinds(restart.oldGone(4)), ["launch 1"]);
  assert.deepEqual(kinds(restart.newReady(7)), []);
  assert.deepEqual(kinds(restart.newReady(8)), ["done"]);
});

test("a new instance that fails is replaced, until maxNewFailures; then the restart gives up", () => {
  const restart = new RollingRestart({ instances: 1, old: [1], upgrade: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, killSelection: "YOUNGEST_FIRST", maxNewFailures: 1 });
  assert.deepEqual(kinds(restart.start()), ["launch 1"]);
  assert.deepEqual(kinds(restart.newFailed(2)), ["launch 1"]);
  assert.deepEqual(kinds(restart.newFailed(3)), ["abort"]);
  assert.equal(restart.finished, true);
  assert.deepEqual(restart.newReady(4), [], "nothing after the end");
});

test("an old instance that dies on its own makes room, and is not killed again", () => {
  const restart = new RollingRestart({ instances: 2, old: [1, 2], upgrade: { minimumHealthCapacity: 1, maximumOverCapacity: 0 }, killSelection: "OLDEST_FIRST" });
  assert.deepEqual(kinds(restart.start()), ["launch 1"]);
  assert.deepEqual(kinds(restart.oldGone(1)), ["launch 1"]);
  assert.deepEqual(kinds(restart.newReady(3)), ["kill 2"]);
  assert.deepEqual(kinds(restart.newReady(4)), []);
  assert.deepEqual(kinds(restart.oldGone(2)), ["done"]);
});
