// Reconnection and recovery of the real `berth executor` against our local Mesos agent simulator: acknowledgements
// withheld across a cut stream, agent restarts, and an agent that never comes back.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { shellTask, withBerth } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";
import { isLive, readProcStat } from "../../src/process/procStat.js";

describe("berth executor recovery on the local agent simulator", () => {
  test("an update whose ack was withheld is resent in the next SUBSCRIBE after the stream is cut", () =>
    withBerth({ agent: { subscriptionBackoffMaxMs: 200 } }, async ({ executor }) => {
      executor.launch(shellTask("t", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.withholdAcks(true, {});
      executor.kill("t");
      const killed = await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      // The acks are lost with the stream, as if the agent had written them to a dead connection.
      executor.withholdAcks(false, { drop: true });
      const calls = executor.calls.length;
      executor.cutStream();
      const resubscribe = await executor.waitForCall((c) => c.call?.type === "SUBSCRIBE", { from: calls, timeoutMs: 20_000 });
      assert.equal(resubscribe.status, 200);
      const resent = resubscribe.call?.subscribe?.unacknowledged_updates ?? [];
      assert.ok(
        resent.some((u) => Buffer.from(u.status.uuid ?? []).equals(Buffer.from(killed.uuid ?? []))),
        "the unacknowledged TASK_KILLED is carried by SUBSCRIBE",
      );
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0, "exits once the replayed update is acknowledged");
    }));

  test("checkpointing executor survives an agent restart and keeps its task", () =>
    withBerth({ agent: { subscriptionBackoffMaxMs: 200, reregistrationTimeoutMs: 5_000 } }, async ({ agent, executor }) => {
      executor.launch(shellTask("t", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await agent.restart({ downMs: 300 });
      await executor.waitForSubscribed({ count: 2, timeoutMs: 20_000 });
      await agent.waitForRecovery({ timeoutMs: 20_000 });
      assert.equal(executor.state, "RUNNING");
      executor.kill("t");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 0);
    }));

  test("agent gone past the recovery timeout: tasks are killed and the executor exits 1", () =>
    withBerth({ agent: { recoveryTimeoutMs: 1_500, subscriptionBackoffMaxMs: 200 } }, async ({ agent, executor, markers }) => {
      const doneFile = markers.file("killed");
      executor.launch(shellTask("t", `trap 'echo gone > ${doneFile}; exit 0' TERM; sleep 60 & wait`));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      // Down for much longer than the executor's recovery timeout (the agent kills nothing while down).
      const bringBack = new AbortController();
      const restart = agent.restart({ downMs: 60_000, signal: bringBack.signal });
      try {
        // The agent is down and handles the exit only once it is back: watch the process itself first.
        const pid = executor.pid as number;
        await waitFor(() => { const stat = readProcStat(pid); return !stat || !isLive(stat); }, { timeoutMs: 30_000, what: "the executor process to exit" });
        bringBack.abort(); // rejects the restart ("came back up early"); the agent is up again either way
        await restart.catch(() => undefined);
        const exit = await executor.waitForExit({ timeoutMs: 20_000 });
        assert.equal(exit.code, 1);
        assert.ok(markers.exists("killed"), "the task was stopped with SIGTERM, not abandoned");
      } finally {
        bringBack.abort();
        await restart.catch(() => undefined);
      }
    }));

  test("without checkpointing a lost stream shuts the executor down and kills its task", () =>
    withBerth({ agent: { checkpoint: false } }, async ({ executor }) => {
      executor.launch(shellTask("t", "exec sleep 60"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      executor.cutStream();
      const exit = await executor.waitForExit({ timeoutMs: 20_000 });
      assert.equal(exit.code, 1);
    }));
});
