// Health checks and readiness labels at their limits, through the real `berth executor` on our local Mesos agent
// simulator: invalid readiness/graceful labels, 30-day check times, and a task that redirects its check elsewhere.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import type { TaskInput } from "../../src/agent/index.js";
import { freePort } from "../../src/dev/freePort.js";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";
import { fixture } from "../helpers/fixtures.js";

const THIRTY_DAYS_S = 30 * 24 * 3600;

/** The health-server fixture as a task on `port`. */
function serverTask(id: string, port: number, extra: Partial<TaskInput> = {}): TaskInput {
  return shellTask(id, `exec node ${fixture("health-server.mjs")}`, {
    ...extra,
    command: { environment: { variables: [{ name: "PORT", value: String(port) }] } },
  });
}

describe("berth executor: checks at their limits", () => {
  test("a readiness or graceful port of 70000 gives TASK_ERROR naming the label, and nothing runs", () =>
    withBerth({}, async ({ executor, markers }) => {
      const ran = markers.file("ran");
      executor.launch(
        shellTask("bad-port", `touch ${ran}; exec sleep 60`, {
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 70000, name: "http" }] } },
          labels: {
            labels: [
              { key: "berth.readiness.protocol", value: "http" },
              { key: "berth.graceful.path", value: "/quitquitquit" },
              { key: "berth.graceful.port-name", value: "http" },
            ],
          },
        }),
      );
      // Before validation, the task ran (TASK_RUNNING) with no readiness check and no word of it.
      const first = await executor.waitForUpdate((s) => s.state === "TASK_ERROR" || s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      assert.equal(first.state, "TASK_ERROR", first.message);
      assert.equal(first.reason, "REASON_TASK_INVALID");
      assert.match(first.message ?? "", /label berth\.readiness\.port-index: the task's port at index 0 is 70000, not a port \(1-65535\)/);
      assert.match(first.message ?? "", /label berth\.graceful\.port-name: the task's port named "http" is 70000, not a port \(1-65535\)/);
      assert.deepEqual(statesOf(executor, "bad-port"), ["TASK_ERROR"]);
      assert.equal(markers.exists("ran"), false, "nothing ran");
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));

  test("an HTTP health check with a 30-day timeout reports a healthy server healthy (the timeout used to fire at once)", () =>
    withBerth({}, async ({ executor }) => {
      const port = await freePort();
      executor.launch(
        serverTask("slow-ok", port, {
          // /slow answers after 200 ms: a timeout that fires at once fails every run, and the first verdict after the
          // grace period (which covers the server's start) is then healthy=false.
          health_check: { type: "HTTP", http: { port, path: "/slow?ms=200" }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: THIRTY_DAYS_S, consecutive_failures: 3, grace_period_seconds: 10 },
        }),
      );
      const verdict = await executor.waitForUpdate((s) => s.healthy !== undefined, { timeoutMs: 30_000 });
      assert.equal(verdict.healthy, true, `the first health verdict: ${verdict.message ?? ""}`);
      executor.kill("slow-ok");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
    }));

  test("a health check the task redirects to another service: that service gets no request, the 302 counts (200-399)", () =>
    withBerth({}, async ({ executor }) => {
      const requests: string[] = [];
      const other = createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.end("other\n");
      });
      await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
      try {
        const elsewhere = `http://127.0.0.1:${(other.address() as { port: number }).port}/admin`;
        const port = await freePort();
        executor.launch(
          serverTask("redirects", port, {
            health_check: { type: "HTTP", http: { port, path: `/redirect?to=${encodeURIComponent(elsewhere)}` }, delay_seconds: 0, interval_seconds: 0.2, grace_period_seconds: 10 },
            check: { type: "HTTP", http: { port, path: `/redirect?to=${encodeURIComponent(elsewhere)}` }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 5 },
          }),
        );
        const healthy = await executor.waitForUpdate((s) => s.healthy === true, { timeoutMs: 30_000 });
        assert.equal(healthy.state, "TASK_RUNNING");
        const checked = await executor.waitForUpdate((s) => s.check_status?.http?.status_code !== undefined, { timeoutMs: 30_000 });
        assert.equal(checked.check_status?.http?.status_code, 302, "the generalized check reports the redirect itself");
        executor.kill("redirects");
        await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
        assert.deepEqual(requests, [], "the executor must not request another address for the task");
      } finally {
        await new Promise((resolve) => other.close(resolve));
      }
    }));
});
