// Consul registration end to end: the real `berth executor` on our local agent simulator against a Consul agent
// double (Consul cannot be installed here: test/doubles/consulServer.ts implements the documented endpoints). The
// predecessor's `consul` label registers the task at the readiness gate; on KILL the instance is deregistered and
// the stop signal waits until it has left Consul's passing set.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConsulServerDouble } from "../doubles/consulServer.js";
import { fixture } from "../helpers/fixtures.js";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";

let consul: ConsulServerDouble;
before(async () => {
  consul = await ConsulServerDouble.start({ requiredToken: "consul-acl-secret" });
});
after(async () => {
  await consul.close();
});

describe("berth executor registers its task in Consul (Consul agent double, local agent simulator)", () => {
  test("consul label → registered once running; KILL → deregistered, and SIGTERM only once it left ?passing", () =>
    withBerth(
      { agent: { frameworkCapabilities: ["TASK_KILLING_STATE"] }, launch: { env: { CONSUL_HTTP_ADDR: consul.address, CONSUL_HTTP_TOKEN: "consul-acl-secret" } } },
      async ({ executor, markers }) => {
        consul.catalogLag = "manual"; // a deregistered instance stays in ?passing until syncCatalog()
        executor.launch(
          shellTask("web_app.7f3a", `sh ${fixture("exits-later-on-sigterm.sh")} 0`, {
            command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
            discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 31000, name: "http" }] } },
            labels: { labels: [{ key: "consul", value: "web" }, { key: "canary", value: "tag" }] },
          }),
        );
        const registered = await consul.waitForRequest((r) => r.path === "/v1/agent/service/register", 30_000);
        assert.equal(registered.status, 200, registered.answer);
        const body = JSON.parse(registered.body) as { ID: string; Name: string; Tags: string[]; Address: string; Port: number };
        assert.deepEqual([body.ID, body.Name, body.Address, body.Port], ["web_app.7f3a_web_31000", "web", "127.0.0.1", 31000]);
        assert.deepEqual([...body.Tags].sort(), ["canary", "marathon", "marathon-task:web_app.7f3a"]);
        await markers.pids("ready");

        executor.kill("web_app.7f3a");
        const deregistered = await consul.waitForRequest((r) => r.path === "/v1/agent/service/deregister/web_app.7f3a_web_31000");
        assert.equal(deregistered.status, 200);
        // The hook now waits on Consul's health endpoint: a blocking query after the deregistration.
        await consul.waitForRequest((r) => r.path === "/v1/health/service/web" && consul.requests.indexOf(r) > consul.requests.indexOf(deregistered));
        assert.equal(markers.exists("term"), false, "no stop signal while Consul still lists the instance as passing");
        consul.syncCatalog();
        await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
        assert.ok(markers.exists("term"), "the stop signal came once the instance had left");
        assert.deepEqual(statesOf(executor, "web_app.7f3a"), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]);
        assert.ok(consul.requests.every((r) => r.token === "consul-acl-secret"), "every call carried the executor's token");
        await executor.waitForExit({ timeoutMs: 20_000 });
        assert.doesNotMatch(readLog(executor.sandbox), /consul-acl-secret/, "the token is in no log line");
      },
    ));

  test("Consul unreachable at registration: the task fails, naming Consul's address", () =>
    withBerth({ launch: { env: { CONSUL_HTTP_ADDR: "127.0.0.1:1" } } }, async ({ executor }) => {
      executor.launch(
        shellTask("api.1", "exec sleep 60", {
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 31001 }] } },
          labels: { labels: [{ key: "consul", value: "api" }] },
        }),
      );
      const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 30_000 });
      assert.match(failed.message ?? "", /healthy hook "consul" failed: .*127\.0\.0\.1:1/);
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));
});

function readLog(sandbox: string): string {
  return readFileSync(join(sandbox, "stderr"), "utf8");
}
