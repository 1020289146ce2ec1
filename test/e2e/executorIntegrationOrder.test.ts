// The order of the whole lifecycle with every registration at once, through the real `berth executor` on our local
// agent simulator, a real HAProxy 2.6 and a Consul agent double (Consul cannot be installed here). Read from the
// executor's log, one process writing in order:
//   start: readiness → warm-up → Consul registration → HAProxy registration
//   kill:  Consul deregistration → left ?passing → HAProxy drain → removed → berth.drain-seconds → stop signal
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { ConsulServerDouble } from "../doubles/consulServer.js";
import { fixture } from "../helpers/fixtures.js";
import { startHaproxy, type TestHaproxy } from "../helpers/haproxy.js";
import { shellTask, withBerth } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";

let haproxy: TestHaproxy;
let consul: ConsulServerDouble;
before(async () => {
  haproxy = await startHaproxy([{ name: "web" }]);
  consul = await ConsulServerDouble.start();
});
after(async () => {
  await haproxy.stop();
  await consul.close();
});

/** Index of the first log line matching `pattern` at or after `from`; fails naming the pattern. */
function lineIndex(lines: readonly string[], pattern: RegExp, from = 0): number {
  const index = lines.findIndex((line, i) => i >= from && pattern.test(line));
  assert.ok(index >= 0, `no log line matches ${pattern} after line ${from}:\n${lines.slice(from).join("\n")}`);
  return index;
}

describe("the order of warm-up, registrations, deregistrations, drain and stop signal (real HAProxy, Consul double)", () => {
  test("start: readiness → warm-up → Consul → HAProxy; kill: Consul leave → HAProxy drain → drain delay → SIGTERM", () =>
    withBerth({ launch: { env: { CONSUL_HTTP_ADDR: consul.address, BERTH_HAPROXY_SOCKET: haproxy.socketPath } } }, async ({ executor, markers }) => {
      const port = await freePort();
      executor.launch(
        shellTask("web_shop.1", `exec node ${fixture("health-server.mjs")}`, {
          command: { environment: { variables: [{ name: "PORT", value: String(port) }, { name: "READY_FILE", value: markers.file("ready") }, { name: "START_DELAY_MS", value: "300" }] } },
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
          labels: {
            labels: [
              { key: "consul", value: "web" },
              { key: "berth.haproxy.backend", value: "web" },
              { key: "berth.readiness.protocol", value: "http" },
              { key: "berth.readiness.path", value: "/health" },
              { key: "berth.warmup.paths", value: "/health" },
              { key: "berth.warmup.requests", value: "3" },
              { key: "berth.drain-seconds", value: "0.3" },
            ],
          },
          kill_policy: { grace_period: { nanoseconds: 20e9 } },
        }),
      );
      await consul.waitForRequest((r) => r.path === "/v1/agent/service/register", 30_000);
      const log = (): string[] => readFileSync(join(executor.sandbox, "stderr"), "utf8").split("\n");
      await waitFor(() => log().some((line) => /registered web\/web_shop\.1_\d+ at .*hook=haproxy/.test(line)), { what: "the HAProxy registration" }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; the executor's log:\n${log().join("\n")}`);
      });
      executor.kill("web_shop.1");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      await executor.waitForExit({ timeoutMs: 20_000 });

      const lines = log();
      const ready = lineIndex(lines, /task is ready|warm-up: 3 request/);
      const warmed = lineIndex(lines, /warm-up: 3 request\(s\) to \/health, 0 failed/, ready);
      const inConsul = lineIndex(lines, /registered web_shop\.1_web_\d+ .*hook=consul/, warmed);
      const inHaproxy = lineIndex(lines, /registered web\/web_shop\.1_\d+ at .*hook=haproxy/, inConsul);
      const deregistered = lineIndex(lines, /deregistered web_shop\.1_web_\d+/, inHaproxy);
      const left = lineIndex(lines, /left the passing instances of \\"web\\"/, deregistered);
      const draining = lineIndex(lines, /draining web\/web_shop\.1_\d+/, left);
      const drained = lineIndex(lines, /drained .*web_shop\.1/, draining);
      const removed = lineIndex(lines, /removed .*web_shop\.1/, drained);
      const delay = lineIndex(lines, /draining before the stop signal/, removed);
      lineIndex(lines, /msg="sending the stop signal" .*signal=SIGTERM/, delay);
    }));
});
