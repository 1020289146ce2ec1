// Protocol details of the real `berth executor` against our local Mesos agent simulator: authentication, the
// C++ library's endpoint, task groups, heartbeats, and what the task's environment must not contain.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";

describe("berth executor protocol on the local agent simulator", () => {
  test("authenticates with the agent's bearer token and never passes it to the task", () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" } }, async ({ executor, markers }) => {
      const envFile = markers.file("env");
      executor.launch(shellTask("t", `env > ${envFile}`));
      await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
      assert.ok(executor.authToken, "the agent issued a token");
      assert.ok(executor.calls.every((c) => c.status !== 401 && c.status !== 403), "every call was authenticated");
      const env = readFileSync(envFile, "utf8");
      assert.doesNotMatch(env, /MESOS_EXECUTOR_AUTHENTICATION_TOKEN/);
      assert.doesNotMatch(env, /BERTH_/);
      assert.ok(!env.includes(executor.authToken), "the token value is nowhere in the task's environment");
      assert.match(env, /^MESOS_EXECUTOR_ID=/m, "the rest of the executor's environment reaches the task");
    }));

  test("CommandInfo.user: the task runs as that user when Berth runs as root", { skip: process.getuid?.() !== 0 ? "needs root" : false }, () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("as-nobody", 'test "$(id -un)" = nobody', { command: { user: "nobody" } }));
      const done = await executor.waitForUpdate((s) => s.task_id.value === "as-nobody" && (s.state === "TASK_FINISHED" || s.state === "TASK_FAILED"), { timeoutMs: 20_000 });
      assert.equal(done.state, "TASK_FINISHED", done.message);
    }));

  test("finds the agent through MESOS_SLAVE_PID (/slave(1)/api/v1/executor) when MESOS_AGENT_ENDPOINT is absent", () =>
    withBerth({ launch: { env: { MESOS_AGENT_ENDPOINT: undefined } } }, async ({ executor }) => {
      executor.launch(shellTask("t", "exit 0"));
      await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
      assert.ok(executor.calls.length > 0 && executor.calls.every((c) => c.path === "/slave(1)/api/v1/executor"));
    }));

  test("LAUNCH_GROUP starts every task of the group; the executor exits after all are acknowledged", () =>
    withBerth({ encoding: "protobuf" }, async ({ executor }) => {
      executor.launchGroup([shellTask("g1", "exit 0"), shellTask("g2", "exit 4")]);
      await executor.waitForUpdate((s) => s.task_id.value === "g1" && s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
      const failed = await executor.waitForUpdate((s) => s.task_id.value === "g2" && s.state === "TASK_FAILED", { timeoutMs: 20_000 });
      assert.equal(failed.message, "Command exited with status 4");
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
      assert.deepEqual(statesOf(executor, "g1"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    }));

  test("sends HEARTBEAT calls at BERTH_HEARTBEAT_INTERVAL and the agent accepts them", () =>
    withBerth({ launch: { env: { BERTH_HEARTBEAT_INTERVAL: "200ms" } } }, async ({ executor }) => {
      executor.launch(shellTask("t", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      const heartbeat = await executor.waitForCall((c) => c.call?.type === "HEARTBEAT", { timeoutMs: 20_000 });
      assert.equal(heartbeat.status, 202);
      executor.kill("t");
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));
});

describe("berth executor with a heartbeat interval beyond 2^31-1 ms", () => {
  test("BERTH_HEARTBEAT_INTERVAL=30days sends no HEARTBEAT during a short task (setInterval would send one every ms)", () =>
    withBerth({ launch: { env: { BERTH_HEARTBEAT_INTERVAL: "30days" } } }, async ({ executor }) => {
      executor.launch(shellTask("t", "sleep 0.3"));
      await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
      await executor.waitForExit({ timeoutMs: 20_000 });
      assert.deepEqual(executor.calls.filter((c) => c.call?.type === "HEARTBEAT"), []);
    }));
});

describe("berth executor task groups on the local agent simulator", () => {
  test("a task of the group that fails takes the others down (as the Mesos default executor)", () =>
    withBerth({}, async ({ executor }) => {
      executor.launchGroup([shellTask("main", "exec sleep 60"), shellTask("sidecar", "sleep 0.2; exit 5")]);
      const failed = await executor.waitForUpdate((s) => s.task_id.value === "sidecar" && s.state === "TASK_FAILED", { timeoutMs: 20_000 });
      assert.equal(failed.message, "Command exited with status 5");
      const killed = await executor.waitForUpdate((s) => s.task_id.value === "main" && s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.match(killed.message ?? "", /task sidecar of its group failed/);
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));

  test("killing one task of a group kills the whole group", () =>
    withBerth({}, async ({ executor }) => {
      executor.launchGroup([shellTask("a", "exec sleep 60"), shellTask("b", "exec sleep 60")]);
      await executor.waitForUpdate((s) => s.task_id.value === "a" && s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await executor.waitForUpdate((s) => s.task_id.value === "b" && s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.kill("a");
      await executor.waitForUpdate((s) => s.task_id.value === "a" && s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      const b = await executor.waitForUpdate((s) => s.task_id.value === "b" && s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.match(b.message ?? "", /task a of its group was killed/);
    }));

  test("a group with an invalid task starts none of its tasks", () =>
    withBerth({}, async ({ executor, markers }) => {
      executor.launchGroup([shellTask("good", `touch ${markers.file("ran")}`), { task_id: { value: "bad" } }]);
      const bad = await executor.waitForUpdate((s) => s.task_id.value === "bad" && s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.equal(bad.reason, "REASON_TASK_GROUP_INVALID");
      const good = await executor.waitForUpdate((s) => s.task_id.value === "good" && s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.match(good.message ?? "", /invalid tasks \(bad\)/);
      assert.equal(markers.exists("ran"), false);
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));
});
