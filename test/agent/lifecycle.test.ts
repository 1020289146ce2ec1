// Real executor processes: registration timeout, SHUTDOWN grace then SIGKILL of the group, kills before and after
// subscription, executor death, framework messages and heartbeats.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { launchSilent, task, withAgent } from "./agentHarness.js";
import { executorStatus } from "./rawExecutor.js";
import { waitFor } from "./waitFor.js";

/** sh that starts a background grandchild (same group) and writes both pids to the sandbox. */
const FAMILY = 'sleep 60 & echo "$$ $!" > pids; wait';

async function familyPids(sandbox: string): Promise<number[]> {
  const path = join(sandbox, "pids");
  const text = await waitFor(() => existsSync(path) && /^\d+ \d+\n$/.test(readFileSync(path, "utf8")) && readFileSync(path, "utf8"), { what: "the pids file, complete" });
  return text.trim().split(" ").map(Number);
}

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

describe("executor lifecycle", () => {
  test("registration timeout: the process group is SIGKILLed and queued tasks fail", () =>
    withAgent({ registrationTimeoutMs: 300 }, async (agent) => {
      const ex = agent.launchExecutor({ command: { shell: FAMILY }, tasks: [task("t1")], taskGroups: [[task("g1", { command: { value: "true" } })]] });
      const [shell, grandchild] = await familyPids(ex.sandbox);
      assert.equal(shell, ex.pid);
      const exit = await ex.waitForExit();
      assert.deepEqual([exit.code, exit.signal], [null, "SIGKILL"]);
      assert.equal(alive(grandchild as number), false, "the whole group is gone");
      for (const id of ["t1", "g1"]) {
        const [failed] = ex.updates(id);
        assert.equal(failed?.status.state, "TASK_FAILED");
        assert.equal(failed?.status.source, "SOURCE_AGENT");
        assert.equal(failed?.status.reason, "REASON_EXECUTOR_REGISTRATION_TIMEOUT");
        assert.equal(failed?.status.message, "Executor did not register within 300ms");
      }
      assert.equal(ex.state, "TERMINATED");
    }));

  test("SHUTDOWN, then SIGKILL of the whole group after the grace period; live tasks fail as EXECUTOR_TERMINATED", () =>
    withAgent({ shutdownGracePeriodMs: 10_000 }, async (agent) => {
      const { ex, fake } = launchSilent(agent, {
        command: { shell: FAMILY },
        executorInfo: { shutdown_grace_period: { nanoseconds: 400e6 } },
        tasks: [task("t1"), task("t2")],
      });
      const [, grandchild] = await familyPids(ex.sandbox);
      const reader = await fake.subscribe();
      await reader.find((e) => e.launch?.task.task_id.value === "t2");
      await fake.update(executorStatus("t1", "TASK_RUNNING"));
      await fake.update(executorStatus("t2", "TASK_FINISHED"));
      ex.shutdown();
      assert.equal((await reader.find((e) => e.type === "SHUTDOWN")).type, "SHUTDOWN");
      const shutdownAt = agent.now();
      const exit = await ex.waitForExit();
      const elapsed = agent.now() - shutdownAt;
      assert.equal(exit.signal, "SIGKILL");
      assert.ok(elapsed >= 390, `killed after the ExecutorInfo grace period (${elapsed} ms)`);
      assert.ok(elapsed < 5000, `and not after the agent default (${elapsed} ms)`);
      assert.equal(alive(grandchild as number), false);
      assert.deepEqual(
        ex.updates().map((u) => [u.status.task_id.value, u.status.state, u.status.reason, u.status.message, u.origin]),
        [
          ["t1", "TASK_RUNNING", undefined, undefined, "executor"],
          ["t2", "TASK_FINISHED", undefined, undefined, "executor"],
          ["t1", "TASK_FAILED", "REASON_EXECUTOR_TERMINATED", "Executor terminated", "agent"],
        ],
      );
      assert.equal(await reader.ended(), "eof");
    }));

  test("kill before SUBSCRIBE: agent-generated TASK_KILLED, then SHUTDOWN on subscribe", () =>
    withAgent({ shutdownGracePeriodMs: 200 }, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")], taskGroups: [[task("g1", { command: { value: "true" } }), task("g2", { command: { value: "true" } })]] });
      ex.kill("t1");
      ex.kill("g2");
      assert.deepEqual(
        ex.updates().map((u) => [u.status.task_id.value, u.status.state, u.status.reason, u.status.message]),
        [
          ["t1", "TASK_KILLED", "REASON_TASK_KILLED_DURING_LAUNCH", "Killed before delivery to the executor"],
          ["g1", "TASK_KILLED", "REASON_TASK_KILLED_DURING_LAUNCH", "A task within the task group was killed before delivery to the executor"],
          ["g2", "TASK_KILLED", "REASON_TASK_KILLED_DURING_LAUNCH", "A task within the task group was killed before delivery to the executor"],
        ],
      );
      const reader = await fake.subscribe();
      assert.equal((await reader.next()).type, "SHUTDOWN");
      await ex.waitForExit();
      assert.equal(ex.updates().length, 3, "nothing left to fail");
    }));

  test("kill after SUBSCRIBE sends KILL with the optional kill policy; unknown task is TASK_LOST from the agent", () =>
    withAgent({}, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      const reader = await fake.subscribe();
      await reader.find((e) => e.type === "LAUNCH");
      ex.kill("t1");
      ex.kill("t1", { gracePeriodMs: 2500 });
      const kills = [await reader.find((e) => e.type === "KILL"), await reader.find((e) => e.type === "KILL" && e.kill?.kill_policy !== undefined)];
      assert.equal(kills[0]?.kill?.task_id.value, "t1");
      assert.equal(kills[0]?.kill?.kill_policy, undefined);
      assert.equal(kills[1]?.kill?.kill_policy?.grace_period?.nanoseconds, 2.5e9);
      ex.kill("ghost");
      const lost = ex.updates("ghost")[0]?.status;
      assert.deepEqual([lost?.state, lost?.reason, lost?.message], ["TASK_LOST", "REASON_EXECUTOR_TERMINATED", "Cannot find executor"]);
      reader.close();
    }));

  test("an executor that exits leaves its live tasks TASK_FAILED; new tasks for it are TASK_LOST", () =>
    withAgent({}, async (agent) => {
      const { ex, fake } = launchSilent(agent, { command: { shell: "while [ ! -e go ]; do sleep 0.02; done; exit 3" }, tasks: [task("t1")] });
      const reader = await fake.subscribe();
      await reader.find((e) => e.type === "LAUNCH");
      writeFileSync(join(ex.sandbox, "go"), "");
      const exit = await ex.waitForExit();
      assert.deepEqual([exit.code, exit.signal], [3, null]);
      const failed = ex.updates("t1")[0]?.status;
      assert.deepEqual([failed?.state, failed?.reason, failed?.message, failed?.source], ["TASK_FAILED", "REASON_EXECUTOR_TERMINATED", "Executor terminated", "SOURCE_AGENT"]);
      ex.launch(task("late"));
      assert.deepEqual(ex.updates("late").map((u) => [u.status.state, u.status.message]), [["TASK_LOST", "Executor terminated"]]);
      assert.equal(await reader.ended(), "eof");
    }));

  test("framework messages need a RUNNING executor; heartbeats on demand and on an interval", () =>
    withAgent({ heartbeatIntervalMs: 100 }, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      ex.message("too early");
      assert.deepEqual([ex.events.at(-1)?.type, ex.events.at(-1)?.lost], ["MESSAGE", "executor-not-running"]);
      const reader = await fake.subscribe();
      ex.message("hello");
      ex.heartbeat();
      const message = await reader.find((e) => e.type === "MESSAGE");
      assert.equal(Buffer.from(message.message?.data ?? []).toString(), "hello");
      await reader.find(() => reader.events.filter((e) => e.type === "HEARTBEAT").length >= 3, 5000, "interval heartbeats");
      reader.close();
    }));
});
