// Agent errors seen by the real `berth executor`: calls answered 4xx/5xx (with a short or an endless body) or not at
// all, by a faulty front (executorBadInputFaultyFront.ts) between the executor and our Mesos agent simulator. The
// executor retries what may clear up, logs what will not, never crashes, reads no more of an error body than its
// bound, and resends anything unacknowledged with the next SUBSCRIBE.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { statesOf } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";
import { ENDLESS_BODY_CAP, type FaultyFront } from "./executorBadInputFaultyFront.js";
import {
  LONG,
  carried,
  injectRaw,
  killAndExitCleanly,
  runningSleeper,
  sleeper,
  stderrOf,
  subscribes,
  unknownTypeRecord,
  waitForLog,
  withFront,
} from "./executorBadInputHelpers.js";

/** The error bodies the executor reads at most (MAX_ERROR_BODY_BYTES in src/mesos/agentConnection.ts). */
const ERROR_BODY_BOUND = 4096;

/** Waits for the front's endless answer with `status` to end; checks that the executor cut it. */
async function endlessCutByExecutor(front: FaultyFront, status: number): Promise<void> {
  const endless = await waitFor(() => front.records.find((r) => r.outcome === status && r.endless)?.endless, {
    ...LONG,
    what: `the endless ${status} answer to end`,
  });
  // The executor stops at its bound; the kernel's socket buffers hold a few MiB more, far below the cap.
  assert.ok(endless.closedByExecutor, `the executor closed the connection before the front's ${ENDLESS_BODY_CAP}-byte cap (wrote ${endless.written})`);
}

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString("hex");

describe("agent errors (from a faulty front of our agent simulator)", () => {
  test("SUBSCRIBE answered 503 three times, then OK: the executor keeps retrying and subscribes", () =>
    withFront({ faults: [["SUBSCRIBE", { status: 503, body: "Agent has not finished recovery" }, 3]] }, async ({ executor }, front) => {
      executor.launch({ task_id: { value: "t1" }, command: { value: "exit 0" } });
      await executor.waitForSubscribed(LONG);
      assert.deepEqual(
        front.records.filter((r) => r.type === "SUBSCRIBE").map((r) => r.outcome),
        [503, 503, 503, "forwarded"],
      );
      await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_FINISHED", LONG);
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
      const lost = stderrOf(executor).split("\n").filter((line) => line.includes("agent connection lost") && line.includes("SUBSCRIBE answered 503"));
      assert.equal(lost.length, 3, "each refusal logged with the agent's answer");
      assert.ok(lost.every((line) => line.includes("Agent has not finished recovery")));
    }));

  test("UPDATE answered 500: retried, the same update arrives, in order", () =>
    withFront({ faults: [["UPDATE", { status: 500, body: "Internal Server Error" }, 1]] }, async ({ executor }, front) => {
      executor.launch({ task_id: { value: "t1" }, command: { value: "exit 0" } });
      await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_FINISHED", LONG);
      assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
      const refused = front.records.find((r) => r.outcome === 500)?.call?.update?.status;
      assert.equal(refused?.state, "TASK_STARTING");
      assert.equal(hex(executor.updates("t1")[0]?.status.uuid), hex(refused?.uuid), "a retry, not a new update");
      await waitForLog(executor, "level=warn", "status update not delivered; retrying", "UPDATE answered 500");
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
    }));

  test("UPDATE not answered at all: given up after the call timeout, retried, the same update arrives", () =>
    withFront({ faults: [["UPDATE", { hang: true }, 1]] }, async ({ executor }, front) => {
      executor.launch({ task_id: { value: "t1" }, command: { value: "exit 0" } });
      // The executor's call timeout is 10 s, then it waits 1 s before the retry.
      await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_FINISHED", { timeoutMs: 60_000 });
      assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
      const hung = front.records.find((r) => r.outcome === "hung");
      assert.equal(hung?.call?.update?.status.state, "TASK_STARTING");
      assert.equal(hex(executor.updates("t1")[0]?.status.uuid), hex(hung?.call?.update?.status.uuid));
      assert.ok((hung?.abandonedAfterMs ?? 0) >= 9_000, `abandoned after ${hung?.abandonedAfterMs} ms, not before the call timeout`);
      await waitForLog(executor, "level=warn", "status update not delivered; retrying", "no answer within");
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
    }));

  test("UPDATE answered 400: logged, no crash, the update is resent with the next SUBSCRIBE", () =>
    withFront({ faults: [["UPDATE", { status: 400, body: "Failed to validate Executor::Call: made up" }, 1]] }, async ({ executor, markers }, front) => {
      executor.launch(sleeper(markers, "t1"));
      await runningSleeper(executor, markers, "t1");
      const rejected = front.records.find((r) => r.outcome === 400)?.call?.update?.status;
      assert.equal(rejected?.state, "TASK_STARTING");
      await waitForLog(executor, "level=error", "agent rejected a status update", "UPDATE answered 400", "made up");
      assert.deepEqual(statesOf(executor, "t1"), ["TASK_RUNNING"], "the rejected update is not retried on its own");
      // TASK_RUNNING's ack must be handled before the cut, so that only the rejected update is pending: events are
      // handled in order, so once an event sent after the ack is logged, the ack was handled.
      await executor.waitForEvent((e) => e.type === "ACKNOWLEDGED" && e.delivered, LONG);
      await injectRaw(front, executor, unknownTypeRecord("json"));
      await waitForLog(executor, "ignoring an event of unknown type");

      executor.cutStream();
      await executor.waitForSubscribed({ count: 2, ...LONG });
      const again = carried(subscribes(executor)[1]);
      assert.deepEqual(again.updates.map((u) => [u.state, u.uuid]), [["TASK_STARTING", hex(rejected?.uuid)]]);
      const replayed = executor.updateLog.find((u) => u.via === "replay");
      assert.deepEqual([replayed?.status.state, replayed?.disposition], ["TASK_STARTING", "accepted"]);
      await killAndExitCleanly(executor, "t1");
    }));

  test("SUBSCRIBE answered 503 with an endless body: cut at the bound, logged, retried, subscribed", () =>
    withFront({ faults: [["SUBSCRIBE", { status: 503, endlessBody: true }, 1]] }, async ({ executor }, front) => {
      executor.launch({ task_id: { value: "t1" }, command: { value: "exit 0" } });
      await executor.waitForSubscribed(LONG);
      await endlessCutByExecutor(front, 503);
      const line = await waitForLog(executor, "agent connection lost", "SUBSCRIBE answered 503", `(body cut at ${ERROR_BODY_BOUND} bytes)`);
      assert.ok(line.length < ERROR_BODY_BOUND + 500, `the log line carries at most the bound (${line.length} characters)`);
      assert.deepEqual(front.records.filter((r) => r.type === "SUBSCRIBE").map((r) => r.outcome), [503, "forwarded"]);
      await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_FINISHED", LONG);
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
    }));

  test("UPDATE answered 500 with an endless body: cut at the bound, retried, the same update arrives", () =>
    withFront({ faults: [["UPDATE", { status: 500, endlessBody: true }, 1]] }, async ({ executor }, front) => {
      executor.launch({ task_id: { value: "t1" }, command: { value: "exit 0" } });
      await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_FINISHED", LONG);
      await endlessCutByExecutor(front, 500);
      assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
      const refused = front.records.find((r) => r.outcome === 500)?.call?.update?.status;
      assert.equal(hex(executor.updates("t1")[0]?.status.uuid), hex(refused?.uuid), "a retry, not a new update");
      await waitForLog(executor, "level=warn", "status update not delivered; retrying", "UPDATE answered 500", `(body cut at ${ERROR_BODY_BOUND} bytes)`);
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
    }));
});
