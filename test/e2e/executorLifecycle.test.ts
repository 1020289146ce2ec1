// The first task end to end: the real `berth executor` process, launched by our local Mesos agent simulator,
// running real processes with real signals. Leftover processes are checked in /proc after every test.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isLive, readProcStat } from "../../src/process/procStat.js";
import { fixture } from "../helpers/fixtures.js";
import { killPolicy, shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";

/** Berth's log lines that carry a task's outcome (`state=`), up to the state, without the time stamp. */
function outcomeLines(sandbox: string): string[] {
  const lines = readFileSync(join(sandbox, "stderr"), "utf8").split("\n").filter((l) => / state=/.test(l));
  return lines.map((l) => l.replace(/^berth: ts=\S+ /, "").replace(/ executor=\S+/, "").replace(/( state=\S+).*$/, "$1"));
}

for (const encoding of ["json", "protobuf"] as const) {
  describe(`berth executor on the local agent simulator (${encoding})`, () => {
    test("exit 0: STARTING → RUNNING → FINISHED, then the executor exits 0 once acknowledged", () =>
      withBerth({ encoding }, async ({ executor }) => {
        executor.launch(shellTask("ok", "echo hello; exit 0"));
        const finished = await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
        assert.match(finished.message ?? "", /exited with status 0|finished/i);
        assert.deepEqual(statesOf(executor, "ok"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
        const exit = await executor.waitForExit({ timeoutMs: 20_000 });
        assert.equal(exit.code, 0);
        const subscribe = executor.calls.find((c) => c.call?.type === "SUBSCRIBE");
        assert.equal(subscribe?.contentType, encoding === "json" ? "application/json" : "application/x-protobuf");
        for (const update of executor.updates("ok")) {
          assert.equal(update.status.source, "SOURCE_EXECUTOR");
          assert.equal(update.status.uuid?.byteLength, 16);
          assert.ok((update.status.timestamp ?? 0) > 1.7e9, "timestamp in seconds since the epoch");
          assert.equal(update.ack, "sent");
        }
      }));

    test("exit non-zero: TASK_FAILED naming the exit status, with a reason", () =>
      withBerth({ encoding }, async ({ executor }) => {
        executor.launch(shellTask("bad", "exit 3"));
        const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 20_000 });
        assert.equal(failed.message, "Command exited with status 3");
        assert.equal(failed.reason, "REASON_COMMAND_EXECUTOR_FAILED");
        assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
        assert.deepEqual(outcomeLines(executor.sandbox), [`level=error msg="task ended" task=bad state=TASK_FAILED`]);
      }));

    test("kill: SIGTERM to the group, TASK_KILLED without waiting out the grace", () =>
      withBerth({ encoding }, async ({ executor, markers }) => {
        executor.launch(shellTask("k", `sh ${fixture("exits-later-on-sigterm.sh")} 0`, {
          command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
          kill_policy: killPolicy(60_000),
        }));
        await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
        await markers.pids("ready");
        executor.kill("k");
        // With a 60 s grace, a TASK_KILLED inside this deadline proves Berth did not wait out the grace.
        const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
        assert.ok(markers.exists("term"), "the task saw SIGTERM");
        assert.match(killed.message ?? "", /status 0|SIGTERM/);
        assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
        // A requested kill is not an error, and the outcome is logged once (not also as the process's end).
        assert.deepEqual(outcomeLines(executor.sandbox), [`level=info msg="task ended" task=k state=TASK_KILLED`]);
      }));
  });
}

describe("berth executor kill path on the local agent simulator", () => {
  test("TASK_KILLING is sent only when the framework has TASK_KILLING_STATE", () =>
    withBerth({ agent: { frameworkCapabilities: ["TASK_KILLING_STATE"] } }, async ({ executor }) => {
      executor.launch(shellTask("k", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.kill("k");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.deepEqual(statesOf(executor, "k"), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]);
    }));

  test("without the capability there is no TASK_KILLING", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("k", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.kill("k");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.deepEqual(statesOf(executor, "k"), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
    }));

  test("kill escalation: a task that ignores SIGTERM is SIGKILLed after the grace period", () =>
    withBerth({}, async ({ executor, markers }) => {
      executor.launch(shellTask("stubborn", `sh ${fixture("ignores-sigterm.sh")}`, {
        command: { environment: { variables: [{ name: "READY_FILE", value: markers.file("ready") }] } },
        kill_policy: killPolicy(1_000),
      }));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      const killEvent = executor.events.length;
      executor.kill("stubborn");
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.match(killed.message ?? "", /SIGKILL/);
      const sentAt = executor.events.slice(killEvent).find((e) => e.type === "KILL")?.at ?? Number.NaN;
      const killedAt = executor.updates("stubborn").find((u) => u.status.state === "TASK_KILLED")?.at ?? Number.NaN;
      assert.ok(killedAt - sentAt >= 950, `SIGKILL only after the 1 s grace (took ${killedAt - sentAt} ms)`);
    }));

  test("KILL with a shorter kill_policy shortens the grace of the TaskInfo", () =>
    withBerth({}, async ({ executor, markers }) => {
      executor.launch(shellTask("stubborn", `sh ${fixture("ignores-sigterm.sh")}`, {
        command: { environment: { variables: [{ name: "READY_FILE", value: markers.file("ready") }] } },
        kill_policy: killPolicy(120_000),
      }));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.kill("stubborn", { gracePeriodMs: 200 });
      // The TaskInfo's 120 s grace would blow this deadline: only the KILL's 200 ms can meet it.
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      assert.match(killed.message ?? "", /SIGKILL/);
    }));

  test("MESOS-6933: a shell's child gets SIGTERM and its grace; TASK_KILLED only once the child is gone", () =>
    withBerth({}, async ({ executor, markers }) => {
      executor.launch(shellTask("shell", `sh ${fixture("shell-with-child.sh")} 1`, {
        command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
        kill_policy: killPolicy(30_000),
      }));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.kill("shell");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      assert.ok(markers.exists("term"), "the child saw SIGTERM");
      assert.ok(markers.exists("done"), "the child finished its own shutdown before TASK_KILLED");
    }));

  test("SHUTDOWN kills every task gracefully within the shutdown grace, then the executor exits", () =>
    withBerth({ agent: { shutdownGracePeriodMs: 6_000 } }, async ({ executor, markers }) => {
      executor.launch(shellTask("a", `sh ${fixture("exits-later-on-sigterm.sh")} 0`, {
        command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
      }));
      executor.launch(shellTask("b", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING" && s.task_id.value === "a", { timeoutMs: 20_000 });
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING" && s.task_id.value === "b", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.shutdown();
      const exit = await executor.waitForExit({ timeoutMs: 20_000 });
      assert.equal(exit.signal, null, "the executor exited on its own, before the agent's SIGKILL");
      assert.equal(exit.code, 0);
      for (const id of ["a", "b"]) {
        const last = executor.updates(id).at(-1)?.status;
        assert.equal(last?.state, "TASK_KILLED", `task ${id}`);
        assert.equal(last?.reason, "REASON_EXECUTOR_TERMINATED");
      }
      assert.ok(markers.exists("term"), "task a saw SIGTERM before any SIGKILL");
    }));

  test("a command that cannot be executed: TASK_FAILED naming the errno (argv) or status 127 (shell)", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("argv", "/nonexistent/program", { command: { shell: false, arguments: ["program"] } }));
      executor.launch(shellTask("shell", "nonexistent-program-xyz"));
      const argv = await executor.waitForUpdate((s) => s.task_id.value === "argv" && s.state === "TASK_FAILED", { timeoutMs: 20_000 });
      assert.equal(argv.reason, "REASON_CONTAINER_LAUNCH_FAILED");
      assert.match(argv.message ?? "", /ENOENT/);
      const shell = await executor.waitForUpdate((s) => s.task_id.value === "shell" && s.state === "TASK_FAILED", { timeoutMs: 20_000 });
      assert.equal(shell.message, "Command exited with status 127");
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));

  test("repeated KILLs are safe: one TASK_KILLING, one TASK_KILLED", () =>
    withBerth({ agent: { frameworkCapabilities: ["TASK_KILLING_STATE"] } }, async ({ executor }) => {
      executor.launch(shellTask("k", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.kill("k");
      executor.kill("k");
      executor.kill("k", { gracePeriodMs: 100 });
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.deepEqual(statesOf(executor, "k"), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]);
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));

  test("a kill policy longer than the shutdown grace is compressed: the executor exits before the agent's SIGKILL", () =>
    withBerth({ agent: { shutdownGracePeriodMs: 4_000 } }, async ({ executor, markers }) => {
      executor.launch(shellTask("stubborn", `sh ${fixture("ignores-sigterm.sh")}`, {
        command: { environment: { variables: [{ name: "READY_FILE", value: markers.file("ready") }] } },
        kill_policy: killPolicy(60_000),
      }));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.shutdown();
      const exit = await executor.waitForExit({ timeoutMs: 20_000 });
      assert.equal(exit.signal, null, "the executor exited on its own within the 4 s shutdown grace");
      const killed = executor.updates("stubborn").at(-1)?.status;
      assert.equal(killed?.state, "TASK_KILLED");
      assert.match(killed?.message ?? "", /SIGKILL/);
    }));

  test("a grandchild that escaped the task's session with setsid is found and stopped before TASK_KILLED", () =>
    withBerth({}, async ({ executor, markers }) => {
      executor.launch(
        shellTask("escape", `sh ${fixture("setsid-grandchild.sh")}`, {
          command: { environment: { variables: Object.entries(markers.env({ CHILD_DELAY: "0" })).map(([name, value]) => ({ name, value })) } },
          kill_policy: killPolicy(20_000),
        }),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      const [escapee] = await markers.pids("ready");
      executor.kill("escape");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.ok(markers.exists("term"), "the escaped grandchild got the stop signal too");
      const stat = readProcStat(escapee as number);
      assert.ok(!stat || !isLive(stat), "the escaped grandchild is gone when TASK_KILLED is sent");
    }));
});
