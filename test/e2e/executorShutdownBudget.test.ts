// SHUTDOWN must be over within the agent's shutdown grace: the local agent simulator SIGKILLs the executor at its end,
// as a real agent does, and any terminal update not sent by then is lost. Slow exited/stop hooks and in-flight
// healthy hooks must not push TASK_KILLED past it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { TaskInput } from "../../src/agent/index.js";
import { freePort } from "../../src/dev/freePort.js";
import { shellTask, withBerth } from "../helpers/berthHarness.js";

const hook = (name: string, argv: string[], phases: string, timeoutSeconds: number): { key: string; value: string }[] => [
  { key: `berth.hook.${name}.exec`, value: JSON.stringify(argv) },
  { key: `berth.hook.${name}.phases`, value: phases },
  { key: `berth.hook.${name}.timeout-seconds`, value: String(timeoutSeconds) },
];
const withLabels = (task: TaskInput, labels: { key: string; value: string }[]): TaskInput => ({ ...task, labels: { labels } });

describe("SHUTDOWN within the agent's grace (local agent simulator enforces it with SIGKILL)", () => {
  test("a 12 s stop hook and a 12 s exited hook with the default 5 s grace: TASK_KILLED still reaches the agent", () =>
    withBerth({ agent: { shutdownGracePeriodMs: 5_000 } }, async ({ executor }) => {
      executor.launch(
        withLabels(shellTask("slow-hooks", "exec sleep 60"), [
          ...hook("cleanup", ["sleep", "12"], "stop", 30),
          ...hook("report", ["sleep", "12"], "exited", 30),
        ]),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.shutdown();
      const exit = await executor.waitForExit({ timeoutMs: 30_000 });
      const last = executor.updates("slow-hooks").at(-1);
      assert.equal(last?.status.state, "TASK_KILLED", "the terminal update was sent within the grace");
      assert.equal(last?.status.reason, "REASON_EXECUTOR_TERMINATED");
      assert.equal(last?.ack, "sent", "and acknowledged");
      assert.equal(exit.signal, null, `the executor exited on its own before the agent's SIGKILL:\n${readFileSync(join(executor.sandbox, "stderr"), "utf8")}`);
    }));

  test("a shipping task whose stop hook takes the whole budget: its log flush is skipped, and the executor says so, naming the task, before it exits", async () => {
    const nobody = await freePort(); // the sink is down: the task's lines stay pending
    await withBerth({ agent: { shutdownGracePeriodMs: 4_000 }, launch: { env: { BERTH_LOG_SINKS: `tcp://127.0.0.1:${nobody}` } } }, async ({ executor }) => {
      executor.launch(
        withLabels(shellTask("chatty", 'for i in 1 2 3; do echo "{\\"msg\\":\\"line $i\\"}"; done; exec sleep 60'), [
          { key: "log-scraping", value: "logstash" },
          ...hook("cleanup", ["sleep", "12"], "stop", 30),
        ]),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.shutdown();
      const exit = await executor.waitForExit({ timeoutMs: 30_000 });
      assert.equal(executor.updates("chatty").at(-1)?.status.state, "TASK_KILLED");
      const stderr = readFileSync(join(executor.sandbox, "stderr"), "utf8");
      assert.equal(exit.signal, null, `the executor exited on its own before the agent's SIGKILL:\n${stderr}`);
      assert.match(stderr, /stop hook \\"logs\\" failed: skipped: the kill's time budget ran out/);
      assert.match(stderr, /level=warn msg="the task's log lines were not all delivered: the executor exits before its log flush ran .*" executor=\S+ task=chatty pending_lines=\d+ unparsed_bytes=\d+/);
      assert.ok(stderr.indexOf("log lines were not all delivered") < stderr.indexOf("executor exiting"), "said before the exit");
    });
  });

  test("a healthy hook still in flight at SHUTDOWN does not hold the terminal update", () =>
    withBerth({ agent: { shutdownGracePeriodMs: 4_000 } }, async ({ executor }) => {
      executor.launch(withLabels(shellTask("busy", "exec sleep 60"), hook("register", ["sleep", "30"], "healthy", 60)));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.shutdown();
      const exit = await executor.waitForExit({ timeoutMs: 30_000 });
      assert.equal(executor.updates("busy").at(-1)?.status.state, "TASK_KILLED");
      assert.equal(exit.signal, null, `the executor exited on its own before the agent's SIGKILL:\n${readFileSync(join(executor.sandbox, "stderr"), "utf8")}`);
    }));
});
