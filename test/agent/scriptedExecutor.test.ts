// The agent against a live executor process (scriptedExecutor.ts): the full round trip in both encodings, and an
// agent restart while acknowledgements are withheld, after which the executor must resend its updates.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { LocalAgent } from "../../src/agent/index.js";
import { task, withAgent } from "./agentHarness.js";

const SCRIPT = fileURLToPath(new URL("./scriptedExecutor.js", import.meta.url));

function launchScripted(agent: LocalAgent, encoding: "json" | "protobuf", output: string[]) {
  return agent.launchExecutor({
    command: { argv: [process.execPath, SCRIPT] },
    env: { SCRIPTED_ENCODING: encoding },
    tasks: [task("t1")],
    onOutput: (_stream, chunk) => output.push(chunk.toString()),
  });
}

describe("with a live executor process", () => {
  for (const encoding of ["json", "protobuf"] as const) {
    test(`launch, run, kill, acknowledge, exit (${encoding})`, () =>
      withAgent({ frameworkCapabilities: ["TASK_KILLING_STATE"] }, async (agent) => {
        const output: string[] = [];
        const ex = launchScripted(agent, encoding, output);
        await ex.waitForUpdate((s) => s.state === "TASK_RUNNING");
        ex.kill("t1");
        await ex.waitForUpdate((s) => s.state === "TASK_KILLED");
        const exit = await ex.waitForExit();
        assert.deepEqual([exit.code, exit.signal], [0, null], output.join(""));
        assert.deepEqual(ex.updates().map((u) => [u.status.state, u.ack]), [
          ["TASK_STARTING", "sent"],
          ["TASK_RUNNING", "sent"],
          ["TASK_KILLED", "sent"],
        ]);
        assert.equal(ex.calls.find((c) => c.call?.type === "SUBSCRIBE")?.streamEncoding, encoding);
        const order = [...ex.calls.map((c) => ({ seq: c.seq, what: `${c.call?.type}` })), ...ex.events.map((e) => ({ seq: e.seq, what: e.type }))]
          .sort((a, b) => a.seq - b.seq)
          .map((x) => x.what)
          .filter((w) => w !== "ACKNOWLEDGED");
        assert.deepEqual(order, ["SUBSCRIBE", "SUBSCRIBED", "LAUNCH", "UPDATE", "UPDATE", "KILL", "UPDATE"]);
      }));
  }

  test("acks withheld, agent restarted: the executor resubscribes and resends its unacknowledged updates", () =>
    withAgent({}, async (agent) => {
      const output: string[] = [];
      const ex = launchScripted(agent, "json", output);
      ex.withholdAcks(true);
      await ex.waitForUpdate((s) => s.state === "TASK_RUNNING");
      await agent.restart({ downMs: 200 });
      ex.withholdAcks(false);
      await ex.waitForSubscribed({ count: 2, timeoutMs: 10_000 });
      const replays = await agent.waitForRecovery().then(() => ex.updateLog.filter((u) => u.via === "replay"));
      assert.deepEqual(replays.map((u) => [u.status.state, u.disposition, u.ack]), [
        ["TASK_STARTING", "duplicate", "sent"],
        ["TASK_RUNNING", "duplicate", "sent"],
      ], output.join(""));
      assert.equal(ex.taskState("t1"), "TASK_RUNNING");
      ex.kill("t1");
      const exit = await ex.waitForExit();
      assert.equal(exit.code, 0, output.join(""));
      assert.deepEqual(ex.updates().map((u) => u.status.state), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
    }));
});
