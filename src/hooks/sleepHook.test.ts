import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withTimeout } from "../../test/helpers/waitFor.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { sleepHook, validateSleepHookOptions } from "./sleepHook.js";

const task = { taskId: "t-1", name: "t" } as TaskSpec;

describe("sleepHook", () => {
  it("waits at least its time, in its phases only, and says so", async () => {
    const hook = sleepHook({ name: "grace", phases: ["preKill"], sleepMs: 150 });
    const lines: string[] = [];
    const started = performance.now();
    await hook.preKill!({ task, signal: AbortSignal.timeout(20_000), output: (line) => lines.push(line), cause: "requested", exited: new Promise(() => undefined) });
    assert.ok(performance.now() - started >= 140, "not before its time");
    assert.deepEqual(lines, ["sleeping 0.15 s (preKill)"]);
    assert.equal(hook.healthy, undefined);
  });

  it("ends when its signal aborts", async () => {
    const hook = sleepHook({ name: "grace", phases: ["stop"], sleepMs: 30 * 24 * 3600 * 1000 });
    const controller = new AbortController();
    const call = hook.stop!({ task, signal: controller.signal, output: () => undefined });
    controller.abort(new Error("deadline"));
    await assert.rejects(withTimeout(call, 10_000, "the sleep to end"), /deadline/);
  });

  it("refuses a sleep that is not shorter than the hook's timeout, or not a finite duration", () => {
    assert.deepEqual(validateSleepHookOptions({ name: "s", phases: ["stop"], sleepMs: 5_000, timeoutMs: 5_000 }), ["the sleep (5 s) must be shorter than the hook's timeout (5 s)"]);
    assert.equal(validateSleepHookOptions({ name: "s", phases: ["stop"], sleepMs: Infinity }).length, 1);
    assert.deepEqual(validateSleepHookOptions({ name: "s", phases: ["stop"], sleepMs: 0 }), []);
  });
});
