// Health checks, generalized checks, max_completion_time and berth.* labels through the real `berth executor`
// on our local Mesos agent simulator, against a real HTTP server task.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { TaskInput } from "../../src/agent/index.js";
import { fixture } from "../helpers/fixtures.js";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";
import { freePort } from "../../src/dev/freePort.js";


const variables = (env: Record<string, string>): { name: string; value: string }[] => Object.entries(env).map(([name, value]) => ({ name, value }));

/** The health-server fixture as a task on `port`; /health fails while `failFile` exists. */
function serverTask(id: string, port: number, failFile: string, extra: Partial<TaskInput> = {}): TaskInput {
  return shellTask(id, `exec node ${fixture("health-server.mjs")}`, {
    ...extra,
    command: { environment: { variables: variables({ PORT: String(port), FAIL_FILE: failFile }) } },
  });
}

describe("berth executor health checks on the local agent simulator", () => {
  test("a Marathon MESOS_HTTP health check: healthy once, unhealthy on failures, then a health kill (TASK_FAILED, healthy=false)", () =>
    withBerth({}, async ({ executor, markers }) => {
      const port = await freePort();
      const failFile = markers.file("fail");
      executor.launch(
        serverTask("web", port, failFile, {
          health_check: { type: "HTTP", http: { port, path: "/health" }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 2, consecutive_failures: 2, grace_period_seconds: 10 },
        }),
      );
      const healthy = await executor.waitForUpdate((s) => s.healthy === true, { timeoutMs: 30_000 });
      assert.equal(healthy.state, "TASK_RUNNING");
      assert.equal(healthy.reason, "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED");
      writeFileSync(failFile, "");
      const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 30_000 });
      assert.equal(failed.healthy, false);
      assert.match(failed.message ?? "", /health check failed 2 times in a row/);
      assert.match(failed.message ?? "", /503/);
      const statuses = executor.updates("web").map((u) => u.status);
      assert.equal(statuses.filter((s) => s.healthy === true && s.reason === "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED").length, 1, "healthy=true only on the first success");
      assert.ok(statuses.some((s) => s.state === "TASK_RUNNING" && s.healthy === false), "a failure is reported before the kill");
      rmSync(failFile, { force: true });
    }));

  test("a TCP health check reports healthy; a generalized TCP check reports check_status on change", () =>
    withBerth({}, async ({ executor, markers }) => {
      const port = await freePort();
      executor.launch(
        serverTask("tcp", port, markers.file("fail"), {
          health_check: { type: "TCP", tcp: { port }, delay_seconds: 0, interval_seconds: 0.2, grace_period_seconds: 10 },
          check: { type: "TCP", tcp: { port }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 2 },
        }),
      );
      await executor.waitForUpdate((s) => s.healthy === true, { timeoutMs: 30_000 });
      const checked = await executor.waitForUpdate((s) => s.check_status?.tcp?.succeeded === true, { timeoutMs: 30_000 });
      assert.equal(checked.reason, "REASON_TASK_CHECK_STATUS_UPDATED");
      const starting = executor.updates("tcp")[0]?.status;
      assert.deepEqual(starting?.check_status, { type: "TCP", tcp: {} }, "every status carries the check's (empty) status");
      executor.kill("tcp");
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.equal(killed.healthy, true, "the terminal status keeps the last health verdict");
    }));

  test("a COMMAND health check runs in the task's environment", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(
        shellTask("cmd", "exec sleep 60", {
          command: { environment: { variables: variables({ CHECK_ME: "yes" }) } },
          health_check: { type: "COMMAND", command: { value: 'test "$CHECK_ME" = yes' }, delay_seconds: 0, interval_seconds: 0.2 },
        }),
      );
      await executor.waitForUpdate((s) => s.healthy === true, { timeoutMs: 30_000 });
      executor.kill("cmd");
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));

  test("an HTTP health check whose path does not start with / is invalid", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("bad-path", "exec sleep 60", { health_check: { type: "HTTP", http: { port: 8080, path: "health" } } }));
      const error = await executor.waitForUpdate((s) => s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.match(error.message ?? "", /health_check.*path.*"\/"/);
    }));

  test("an invalid health check, check and labels give TASK_ERROR listing every problem, before anything runs", () =>
    withBerth({}, async ({ executor, markers }) => {
      const ran = markers.file("ran");
      executor.launch(
        shellTask("bad", `touch ${ran}`, {
          health_check: { type: "HTTP", http: { port: 80, path: "health", scheme: "gopher" }, interval_seconds: -1 },
          check: { type: "UNKNOWN" },
          labels: { labels: [{ key: "berth.stop-signal", value: "SIGNOPE" }, { key: "berth.typo", value: "1" }] },
        }),
      );
      const error = await executor.waitForUpdate((s) => s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.equal(error.reason, "REASON_TASK_INVALID");
      for (const part of ["scheme", "interval_seconds", "TaskInfo.check.type", "berth.stop-signal", "berth.typo"]) assert.match(error.message ?? "", new RegExp(part.replaceAll(".", "\\.")));
      assert.deepEqual(statesOf(executor, "bad"), ["TASK_ERROR"]);
      assert.equal(markers.exists("ran"), false, "nothing ran");
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));
});

describe("berth executor kill variants on the local agent simulator", () => {
  test("max_completion_time: TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED and no TASK_KILLING", () =>
    withBerth({ agent: { frameworkCapabilities: ["TASK_KILLING_STATE"] } }, async ({ executor }) => {
      executor.launch(shellTask("slow", "exec sleep 60", { max_completion_time: { nanoseconds: 300e6 } }));
      const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 20_000 });
      assert.equal(failed.reason, "REASON_MAX_COMPLETION_TIME_REACHED");
      assert.match(failed.message ?? "", /maximum completion time/);
      assert.deepEqual(statesOf(executor, "slow"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"]);
    }));

  test("berth.stop-signal: the task is asked to stop with SIGINT", () =>
    withBerth({}, async ({ executor, markers }) => {
      const got = markers.file("got");
      const ready = markers.file("ready");
      executor.launch(
        // A background job of a non-interactive shell ignores SIGINT, so the traps stop it themselves.
        shellTask("int", `trap 'echo INT > ${got}; kill -9 $child; exit 0' INT; trap 'echo TERM > ${got}; kill -9 $child; exit 0' TERM; sleep 60 & child=$!; echo $$ > ${ready}; wait`, {
          labels: { labels: [{ key: "berth.stop-signal", value: "SIGINT" }] },
          kill_policy: { grace_period: { nanoseconds: 30e9 } },
        }),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.kill("int");
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.equal(readFileSync(got, "utf8").trim(), "INT", "the task was asked to stop with SIGINT, not SIGTERM");
      assert.doesNotMatch(killed.message ?? "", /SIGKILL/);
    }));

  test("berth.graceful.path: the task is asked to quit over HTTP before any signal (Aurora's /quitquitquit)", () =>
    withBerth({}, async ({ executor, markers }) => {
      const port = await freePort();
      executor.launch(
        shellTask("quit", `exec node ${fixture("quit-server.mjs")}`, {
          command: { environment: { variables: variables({ PORT: String(port), QUIT_FILE: markers.file("quit"), TERM_FILE: markers.file("term"), READY_FILE: markers.file("ready") }) } },
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
          labels: { labels: [{ key: "berth.graceful.path", value: "/quitquitquit" }, { key: "berth.graceful.port-name", value: "http" }, { key: "berth.graceful.wait-seconds", value: "20" }] },
          kill_policy: { grace_period: { nanoseconds: 30e9 } },
        }),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.kill("quit");
      // Within the 20 s wait and the 30 s grace: only the graceful request can end it this early.
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 15_000 });
      assert.ok(markers.exists("quit"), "the task got POST /quitquitquit");
      assert.equal(markers.exists("term"), false, "no SIGTERM was needed");
      assert.match(killed.message ?? "", /status 0/);
    }));
});
