// Executor authentication (--authenticate_http_executors): 401 from the authenticator, 403 for claims that do not
// match the call.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeExecutor, executorStatus } from "./rawExecutor.js";
import { launchSilent, task, withAgent } from "./agentHarness.js";

describe("executor authentication", () => {
  test("401 without or with a bad token, 403 for foreign claims, 200 with the executor's token", () =>
    withAgent({ executorSecretKey: "top-secret" }, async (agent) => {
      const { ex, fake } = launchSilent(agent, { tasks: [task("t1")] });
      assert.ok(ex.authToken);
      assert.equal(ex.env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"], ex.authToken);
      const anonymous = new FakeExecutor(agent.endpoint, { executorId: ex.executorId, frameworkId: ex.frameworkId });

      const none = await anonymous.heartbeat();
      assert.equal(none.status, 401);
      assert.equal(none.headers["www-authenticate"], 'Bearer realm="mesos-agent-executor"');
      const basic = await anonymous.heartbeat({ headers: { Authorization: "Basic Zm9vOmJhcg==" } });
      assert.equal(basic.status, 401);
      assert.match(basic.headers["www-authenticate"] ?? "", /error="invalid_token", error_description="Scheme 'Basic' unsupported"/);
      const forged = await anonymous.heartbeat({ headers: { Authorization: `Bearer ${ex.authToken.slice(0, -2)}xx` } });
      assert.equal(forged.status, 401);
      assert.match(forged.headers["www-authenticate"] ?? "", /Invalid JWT/);

      // A genuine token for another container of the same executor id.
      const stale = new FakeExecutor(agent.endpoint, {
        executorId: ex.executorId,
        frameworkId: ex.frameworkId,
        token: agent.mintExecutorToken({ fid: ex.frameworkId, eid: ex.executorId, cid: "old-container" }),
      });
      const wrongContainer = await stale.update(executorStatus("t1", "TASK_RUNNING"));
      assert.equal(wrongContainer.status, 403);
      assert.match(wrongContainer.text, /does not contain a 'cid' claim with the correct active ContainerID$/);

      const reader = await fake.subscribe();
      assert.equal(reader.status, 200);
      assert.equal((await reader.next()).type, "SUBSCRIBED");
      assert.equal((await fake.update(executorStatus("t1", "TASK_RUNNING"))).status, 202);
      reader.close();
    }));
});
