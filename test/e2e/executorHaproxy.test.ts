// HAProxy registration end to end: the real `berth executor` on our local agent simulator, a real HAProxy 2.6 in
// front of the task (the health-server fixture). Registered only once ready; on KILL the server drains (a request in
// flight finishes) before the task gets its stop signal, then leaves the backend.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { fixture } from "../helpers/fixtures.js";
import { startHaproxy, type TestHaproxy } from "../helpers/haproxy.js";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";

let haproxy: TestHaproxy;
before(async () => {
  haproxy = await startHaproxy([{ name: "web" }]);
});
after(async () => {
  await haproxy.stop();
});

/** One request through HAProxy (no keep-alive); the status, or the error's message. */
function get(path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port: haproxy.port, path, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", (error) => resolve(error.message));
    });
    req.on("error", (error) => resolve(error.message));
    req.end();
  });
}

/** Current sessions (scur) of the one server in backend "web" (show stat CSV: pxname, svname, qcur, qmax, scur, …). */
async function serverSessions(): Promise<number | undefined> {
  const rows = (await haproxy.command("show stat web 4 -1")).split("\n").map((line) => line.split(","));
  const server = rows.find((row) => row[0] === "web" && row[1] !== undefined && !["BACKEND", "FRONTEND", "svname"].includes(row[1]));
  return server ? Number(server[4]) : undefined;
}

describe("berth executor registers its task in a real HAProxy (local agent simulator)", () => {
  test("ready → registered; KILL → TASK_KILLING, drain (the request in flight finishes), removed, then SIGTERM", () =>
    withBerth({ agent: { frameworkCapabilities: ["TASK_KILLING_STATE"] }, launch: { env: { BERTH_HAPROXY_SOCKET: haproxy.socketPath } } }, async ({ executor, markers }) => {
      const port = await freePort();
      assert.equal(await get("/health"), 503, "no server before the task is ready");
      executor.launch(
        shellTask("web", `exec node ${fixture("health-server.mjs")}`, {
          command: { environment: { variables: [{ name: "PORT", value: String(port) }, { name: "READY_FILE", value: markers.file("ready") }] } },
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
          labels: {
            labels: [
              { key: "berth.haproxy.backend", value: "web" },
              { key: "berth.haproxy.port-name", value: "http" },
              { key: "berth.readiness.protocol", value: "http" },
              { key: "berth.readiness.path", value: "/health" },
            ],
          },
          kill_policy: { grace_period: { nanoseconds: 20e9 } },
        }),
      );
      await waitFor(async () => (await get("/health")) === 200, { what: "HAProxy to route to the task once it is ready", timeoutMs: 30_000 });
      // A request that is still running when the KILL arrives: the drain must let it finish before SIGTERM.
      const inFlight = get("/slow?ms=1500");
      await waitFor(async () => (await serverSessions()) === 1, { what: "the slow request to be a session of the task's server" });
      executor.kill("web");
      assert.equal(await inFlight, 200, "the request in flight finished: the stop signal came after the drain");
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      assert.ok(killed);
      assert.deepEqual(statesOf(executor, "web").slice(-2), ["TASK_KILLING", "TASK_KILLED"]);
      assert.doesNotMatch(await haproxy.command("show servers state web"), /web/, "the task's server is gone from the backend");
      assert.equal(await get("/health"), 503);
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));

  test("a task asking for a backend on an agent without BERTH_HAPROXY_SOCKET: TASK_ERROR naming both", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("web", "exec sleep 60", { labels: { labels: [{ key: "berth.haproxy.backend", value: "web" }] }, discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 31000 }] } } }));
      const error = await executor.waitForUpdate((s) => s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.match(error.message ?? "", /berth\.haproxy\.backend .*BERTH_HAPROXY_SOCKET is not set/);
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));
});
