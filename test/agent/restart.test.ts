// Agent restart: streams cut, port closed, 503 during recovery, SUBSCRIBE accepted while recovering, reregistration
// timeout, recover=cleanup and non-checkpointed frameworks.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, test } from "node:test";
import { launchSilent, task, withAgent } from "./agentHarness.js";
import { executorStatus, rawPost } from "./rawExecutor.js";
import { waitFor } from "./waitFor.js";

function connectResult(endpoint: string): Promise<"connected" | string> {
  const [host, port] = endpoint.split(":") as [string, string];
  return new Promise((resolve) => {
    const socket = connect(Number(port), host);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("agent restart", () => {
  test("refused while down, 503 for everything during container recovery, then SUBSCRIBE-only until recovered", () =>
    withAgent({ reregistrationTimeoutMs: 2000 }, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      const reader = await fake.subscribe();
      const launched = (await reader.find((e) => e.type === "LAUNCH")).launch?.task;
      const port = agent.port;

      const restarted = agent.restart({ downMs: 300, containerRecoveryMs: 300 });
      assert.equal(await reader.ended(), "error", "the stream breaks mid-body");
      assert.equal(agent.phase, "down");
      assert.equal(await connectResult(agent.endpoint), "ECONNREFUSED");
      await restarted;
      assert.equal(agent.port, port, "same port after the restart");

      assert.equal(agent.phase, "recovering-containers");
      const early = await rawPost(agent.endpoint, { method: "GET" });
      assert.deepEqual([early.status, early.text], [503, "Agent has not finished recovery"], "503 comes before 405");
      const earlySubscribe = await fake.subscribe();
      assert.equal(earlySubscribe.status, 503);

      await ex.waitForState("REGISTERING");
      assert.equal(agent.phase, "recovering");
      assert.equal((await fake.update(executorStatus("t1", "TASK_RUNNING"))).status, 503);
      assert.equal((await fake.heartbeat()).status, 202);
      const running = executorStatus("t1", "TASK_RUNNING");
      const again = await fake.subscribe({ unacknowledged_tasks: launched ? [launched] : [], unacknowledged_updates: [running] });
      assert.equal(again.status, 200);
      assert.equal((await again.next()).type, "SUBSCRIBED");
      assert.equal((await again.next()).type, "ACKNOWLEDGED");
      assert.equal((await fake.update(executorStatus("t1", "TASK_RUNNING"))).status, 503, "still recovering");

      // Recovery ends only when the reregistration timeout elapses; a reregistered executor is left alone.
      await agent.waitForRecovery();
      assert.equal(ex.state, "RUNNING");
      assert.equal((await fake.update(executorStatus("t1", "TASK_RUNNING"))).status, 202);
      assert.equal(again.end, undefined, "the new stream is still open");
      again.close();
    }));

  test("executors that do not resubscribe in time are killed; tasks TASK_LOST, or TASK_GONE when partition-aware", async () => {
    for (const [capabilities, expected] of [[[], "TASK_LOST"], [["PARTITION_AWARE"], "TASK_GONE"]] as const) {
      await withAgent({ frameworkCapabilities: capabilities }, async (agent) => {
        const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        await fake.update(executorStatus("t1", "TASK_RUNNING"));
        const started = agent.now();
        await agent.restart({ reregistrationTimeoutMs: 400 });
        await agent.waitForRecovery();
        assert.ok(agent.now() - started >= 390, "recovery lasts the whole reregistration timeout");
        const exit = await ex.waitForExit();
        assert.equal(exit.signal, "SIGKILL");
        const lost = ex.updates("t1").at(-1)?.status;
        assert.deepEqual([lost?.state, lost?.reason, lost?.message], [expected, "REASON_EXECUTOR_REREGISTRATION_TIMEOUT", "Executor did not reregister within 400ms"]);
      });
    }
  });

  test("a task delivered but unknown to the resubscribing executor is TASK_LOST REASON_AGENT_RESTARTED", () =>
    withAgent({}, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1"), task("t2")] });
      const reader = await fake.subscribe();
      await reader.find((e) => e.launch?.task.task_id.value === "t2");
      await fake.update(executorStatus("t1", "TASK_RUNNING"));
      await ex.waitForEvent((e) => e.type === "ACKNOWLEDGED");
      await agent.restart();
      const again = await fake.subscribe({ unacknowledged_tasks: [] });
      assert.equal((await again.next()).type, "SUBSCRIBED");
      const lost = await ex.waitForUpdate((s) => s.state === "TASK_LOST");
      assert.deepEqual([lost.task_id.value, lost.reason, lost.message, lost.source], ["t2", "REASON_AGENT_RESTARTED", "Task launched during agent restart", "SOURCE_AGENT"]);
      assert.equal(ex.taskState("t1"), "TASK_RUNNING");
      await agent.waitForRecovery();
      assert.equal(ex.state, "RUNNING");
      again.close();
    }));

  test("when its only task is lost that way, the executor gets SHUTDOWN instead of SUBSCRIBED (MESOS-8411)", () =>
    withAgent({}, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      const reader = await fake.subscribe();
      await reader.find((e) => e.type === "LAUNCH");
      await agent.restart();
      const again = await fake.subscribe({ unacknowledged_tasks: [] });
      assert.equal((await again.next()).type, "SHUTDOWN");
      assert.equal(ex.updates("t1")[0]?.status.state, "TASK_LOST");
      assert.equal(ex.state, "TERMINATING");
      again.close();
    }));

  test("recover=cleanup: SUBSCRIBE gets SHUTDOWN and EOF, and the executor is killed after the grace period", () =>
    withAgent({ shutdownGracePeriodMs: 300 }, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      const reader = await fake.subscribe();
      await reader.find((e) => e.type === "LAUNCH");
      await agent.restart({ recover: "cleanup" });
      assert.equal(agent.phase, "running");
      const again = await fake.subscribe();
      assert.equal(await again.ended(), "eof");
      assert.deepEqual(again.events.map((e) => e.type), ["SHUTDOWN"]);
      const exit = await ex.waitForExit();
      assert.equal(exit.signal, "SIGKILL");
      assert.equal(ex.updates("t1").at(-1)?.status.reason, "REASON_EXECUTOR_TERMINATED");
    }));

  test("executors of a non-checkpointing framework are not recovered: destroyed, unknown, no updates", () =>
    withAgent({ checkpoint: false }, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      assert.equal(ex.env["MESOS_CHECKPOINT"], "0");
      const reader = await fake.subscribe();
      await reader.find((e) => e.type === "LAUNCH");
      await agent.restart({ downMs: 100 });
      assert.equal(await reader.ended(), "error");
      const exit = await ex.waitForExit();
      assert.equal(exit.signal, "SIGKILL");
      assert.deepEqual(ex.updates(), []);
      const again = await fake.subscribe();
      assert.deepEqual([again.status, (await again.ended(), again.body)], [400, "Framework cannot be found"]);
      await agent.waitForRecovery();
    }));

  test("an executor that exits while the agent is down is handled at recovery", () =>
    withAgent({}, async (agent) => {
      const { ex, fake } = launchSilent(agent, { command: { shell: "trap 'exit 7' TERM; touch ready; sleep 60 & wait" }, tasks: [task("t1")] });
      const reader = await fake.subscribe();
      await reader.find((e) => e.type === "LAUNCH");
      await waitFor(() => existsSync(join(ex.sandbox, "ready")), { what: "the trap to be set" });
      const restarted = agent.restart({ downMs: 500 });
      await new Promise((resolve) => setImmediate(resolve));
      process.kill(ex.pid as number, "SIGTERM");
      await restarted;
      const exit = await ex.waitForExit();
      assert.equal(exit.code, 7);
      const failed = ex.updates("t1").at(-1)?.status;
      assert.deepEqual([failed?.state, failed?.reason], ["TASK_FAILED", "REASON_EXECUTOR_TERMINATED"]);
    }));
});
