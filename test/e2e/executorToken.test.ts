// The agent's executor token must be out of reach of the task: a task running as the executor's user tries every
// place an attacker would look (the executor's /proc entries, every process's environ and cmdline, its own and the
// executor's descriptors, the sandbox) while the executor, started through bin/berth-executor as a framework starts
// it, keeps authenticating with that token.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { BERTH_EXECUTOR, BERTH_MAIN, shellTask, withBerth } from "../helpers/berthHarness.js";
import { assertNowhere, attack } from "../helpers/tokenAttack.js";
import { waitFor } from "../helpers/waitFor.js";

describe("the agent's token is out of the task's reach", () => {
  test("through bin/berth-executor: in no environ, cmdline, descriptor or sandbox file the task can read; the executor still authenticates", () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" }, launch: { command: { argv: [BERTH_EXECUTOR] } } }, async ({ executor, markers }) => {
      const token = executor.authToken;
      assert.ok(token, "the agent issued a token");
      const read = await attack(executor, markers.file("dump"));

      // The attack really read the executor's side (else "no token" would prove nothing).
      const parent = [...read.keys()].find((source) => source.startsWith("parent "))?.slice("parent ".length);
      assert.equal(parent, String(executor.pid), "the task is the executor's child");
      assert.match(read.get(`/proc/${parent}/environ`) ?? "", /MESOS_EXECUTOR_ID=/, "read the executor's environ");
      assert.match(read.get(`/proc/${parent}/cmdline`) ?? "", /main\.js\0executor/, "read the executor's cmdline");
      assert.ok([...read.keys()].some((source) => source.startsWith(`/proc/${parent}/fd/1 -> `)), "listed the executor's descriptors");
      assert.ok([...read.keys()].some((source) => source === "sandbox ./stderr"), "read the sandbox");

      assertNowhere(read, token);
      assert.doesNotMatch(read.get(`/proc/${parent}/environ`) ?? "", /MESOS_EXECUTOR_AUTHENTICATION_TOKEN/);
      assert.ok(executor.calls.length > 0 && executor.calls.every((c) => c.status !== 401 && c.status !== 403), "every call was authenticated");
      assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
    }));

  test("`berth executor` started directly with the token in its environment warns once, naming the risk and the fix", () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" }, launch: { command: { argv: [process.execPath, BERTH_MAIN, "executor"] } } }, async ({ executor }) => {
      executor.launch(shellTask("t", "exec sleep 600"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 30_000 });
      // While the task runs: where Node can re-exec, the executor's image must no longer carry the token.
      const environ = readFileSync(`/proc/${executor.pid}/environ`, "latin1");
      assert.match(environ, /MESOS_EXECUTOR_ID=/, "read the executor's environ");
      if (typeof (process as { execve?: unknown }).execve === "function") assert.doesNotMatch(environ, /MESOS_EXECUTOR_AUTHENTICATION_TOKEN/);
      executor.kill("t");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
      assert.ok(executor.calls.every((c) => c.status !== 401 && c.status !== 403), "every call was authenticated");
      const stderr = await waitFor(() => readFileSync(`${executor.sandbox}/stderr`, "utf8"), { what: "the executor's stderr" });
      assert.ok(executor.authToken && !stderr.includes(executor.authToken), "the token is not logged");
      const warnings = stderr.split("\n").filter((line) => line.includes("/proc/<pid>/environ"));
      if (typeof (process as { execve?: unknown }).execve === "function") {
        // Node ≥ 22.15 re-execs through the hand-over: nothing to warn about.
        assert.deepEqual(warnings, []);
      } else {
        assert.equal(warnings.length, 1, stderr);
        assert.match(warnings[0] ?? "", /level=warn .*MESOS_EXECUTOR_AUTHENTICATION_TOKEN.*same user.*bin\/berth-executor/);
      }
    }));
});
