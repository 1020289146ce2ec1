// Metrics through the real `berth executor` on our local Mesos agent simulator: the Prometheus endpoint a platform
// scrapes, with status updates, hook latencies, probe results and the kill path's duration of a real task.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { fixture } from "../helpers/fixtures.js";
import { shellTask, withBerth } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";

const label = (key: string, value: string): { key: string; value: string } => ({ key, value });

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

describe("berth executor metrics on the local agent simulator", () => {
  test("BERTH_METRICS_PUSH: SIGTERM to the executor still ends with a last Graphite push that carries TASK_KILLED (a real TCP listener)", async () => {
    const pushes: string[] = [];
    const carbon = createNetServer((connection) => {
      let text = "";
      connection.on("data", (chunk: Buffer) => (text += chunk.toString()));
      connection.on("end", () => pushes.push(text));
    });
    carbon.listen(0, "127.0.0.1");
    await once(carbon, "listening");
    try {
      const port = (carbon.address() as AddressInfo).port;
      const env = { BERTH_METRICS_PUSH: `graphite://127.0.0.1:${port}`, BERTH_METRICS_PUSH_INTERVAL: "600secs", BERTH_METRICS_PREFIX: "ci.berth" };
      await withBerth({ launch: { env } }, async ({ executor }) => {
        executor.launch(shellTask("sleeper", "exec sleep 600"));
        await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
        process.kill(executor.pid!, "SIGTERM");
        assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
        const killed = /^ci\.berth\.berth_status_updates_total\.reason\.[a-z_]+\.state\.task_killed 1 \d+$/im;
        await waitFor(() => pushes.some((text) => killed.test(text)), { timeoutMs: 10_000, what: `a push with TASK_KILLED (got: ${JSON.stringify(pushes)})` });
      });
    } finally {
      carbon.close();
    }
  });


  test("BERTH_METRICS_LISTEN: status updates, hook latencies, probe results and the kill duration, scraped while the executor runs", async () => {
    const metricsPort = await freePort();
    await withBerth({ launch: { env: { BERTH_METRICS_LISTEN: `127.0.0.1:${metricsPort}` } } }, async ({ executor }) => {
      const port = await freePort();
      executor.launch(
        shellTask("web", `exec node ${fixture("health-server.mjs")}`, {
          command: { environment: { variables: [{ name: "PORT", value: String(port) }] } },
          health_check: { type: "HTTP", http: { port, path: "/health" }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 2, grace_period_seconds: 10 },
          labels: { labels: [label("berth.hook.pause.sleep-seconds", "0.2"), label("berth.hook.pause.phases", "healthy,preKill")] },
        }),
      );
      // A second task keeps the executor (and its endpoint) up after the first one is killed.
      executor.launch(shellTask("keeper", "exec sleep 600"));
      await executor.waitForUpdate((s) => s.healthy === true, { timeoutMs: 30_000 });
      const running = await scrape(metricsPort);
      assert.match(running, /^berth_status_updates_total\{state="TASK_RUNNING",reason=""\} 2$/m, "web and keeper");
      assert.match(running, /^berth_status_updates_total\{state="TASK_RUNNING",reason="REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"\} 1$/m);
      assert.match(running, /^berth_probe_results_total\{check="liveness",result="ok"\} [1-9]\d*$/m);
      assert.match(running, /^berth_process_resident_memory_bytes [1-9]/m);

      executor.kill("web");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      const killed = await scrape(metricsPort);
      assert.match(killed, /^berth_status_updates_total\{state="TASK_KILLED",reason=""\} 1$/m);
      // The sleep hook ran in both of its phases, each at least its 0.2 s.
      for (const phase of ["healthy", "preKill"]) {
        assert.match(killed, new RegExp(`^berth_hook_duration_seconds_count\\{hook="pause",phase="${phase}",result="ok"\\} 1$`, "m"));
        assert.match(killed, new RegExp(`^berth_hook_duration_seconds_bucket\\{le="0.1",hook="pause",phase="${phase}",result="ok"\\} 0$`, "m"));
      }
      assert.match(killed, /^berth_kill_duration_seconds_count 1$/m);
      executor.kill("keeper");
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
      await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), "the endpoint closes with the executor");
    });
  });

  test("a bad metrics variable: the executor exits 2 naming it, with the other configuration problems", () =>
    withBerth({ launch: { env: { BERTH_METRICS_PUSH: "carbon:2003" } } }, async ({ executor }) => {
      const exit = await executor.waitForExit({ timeoutMs: 20_000 });
      assert.equal(exit.code, 2);
      assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /BERTH_METRICS_PUSH: expected statsd:\/\/HOST:PORT or graphite:\/\/HOST:PORT \(got "carbon:2003"\)/);
    }));
});
