// Garbage on the event stream of the real `berth executor`, injected raw by a faulty front of our Mesos agent
// simulator (executorBadInputFaultyFront.ts), in both encodings. A stream that stops making sense is a disconnect: with checkpointing the executor re-subscribes at
// once, resending what is unacknowledged, and its task runs on untouched; without it the executor shuts down
// cleanly. An event of a type it does not know is logged and ignored on the same stream.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ExecutorHandle } from "../../src/agent/index.js";
import type { Encoding } from "../../src/mesos/codec.js";
import { encodeRecord } from "../../src/mesos/recordio.js";
import { statesOf } from "../helpers/berthHarness.js";
import type { FaultyFront } from "./executorBadInputFaultyFront.js";
import {
  LONG,
  carried,
  framed,
  injectRaw,
  invalidEventRecord,
  assertAlive,
  isAlive,
  killAndExitCleanly,
  runningSleeper,
  sleeper,
  subscribes,
  unknownTypeRecord,
  waitForLog,
  withFront,
} from "./executorBadInputHelpers.js";

const ENCODINGS: readonly Encoding[] = ["json", "protobuf"];

interface StreamFault {
  what: string;
  inject(front: FaultyFront, executor: ExecutorHandle, encoding: Encoding): Promise<void>;
  /** Parts of the reason the executor logs for the lost connection. */
  reason: readonly string[];
}

const FAULTS: readonly StreamFault[] = [
  {
    what: "garbage instead of a RecordIO length prefix",
    inject: async (front, executor) => void (await injectRaw(front, executor, "<html>502 Bad Gateway</html>\n")),
    reason: ["undecodable event stream", "invalid record length prefix"],
  },
  {
    what: "a record cut short by EOF",
    inject: async (front, executor, encoding) => {
      // Most of a KILL for the running task: it must not be acted on.
      const kill = framed({ type: "KILL", kill: { task_id: { value: "t1" } } }, encoding);
      const stream = await injectRaw(front, executor, kill.subarray(0, kill.length - 2));
      stream.end();
    },
    reason: ["stream ended inside a record"],
  },
  {
    what: "a well-framed record that is not a valid Event",
    inject: async (front, executor, encoding) => void (await injectRaw(front, executor, invalidEventRecord(encoding))),
    reason: ["undecodable event stream", "task_id"],
  },
  {
    // 60 MiB, as in issue 6: below the old 64 MiB limit the executor waited for (and buffered) the whole record.
    what: "the length prefix of a 60 MiB record, its bytes never sent",
    inject: async (front, executor) => void (await injectRaw(front, executor, `${60 * 1024 * 1024}\n`)),
    reason: ["undecodable event stream", "record of 62914560 bytes exceeds the 4194304-byte limit"],
  },
];

describe("garbage on the stream (from a faulty front of our agent simulator), with checkpointing: re-subscribe, task unaffected", () => {
  for (const encoding of ENCODINGS) {
    for (const fault of FAULTS) {
      test(`${fault.what} (${encoding})`, () =>
        withFront({ encoding }, async ({ executor, markers }, front) => {
          executor.withholdAcks(true);
          executor.launch(sleeper(markers, "t1"));
          const pid = await runningSleeper(executor, markers, "t1");
          const sent = executor.updates("t1").map((u) => Buffer.from(u.status.uuid ?? []).toString("hex"));
          executor.withholdAcks(false, { drop: true }); // as if the acks were lost: both updates stay pending

          await fault.inject(front, executor, encoding);
          await executor.waitForSubscribed({ count: 2, ...LONG });
          const again = carried(subscribes(executor)[1]);
          assert.deepEqual(again.tasks, ["t1"], "unacknowledged_tasks");
          assert.deepEqual(
            again.updates.map((u) => [u.task, u.state, u.uuid]),
            [["t1", "TASK_STARTING", sent[0]], ["t1", "TASK_RUNNING", sent[1]]],
            "unacknowledged_updates: the same updates, not new ones",
          );
          await waitForLog(executor, "level=warn", "agent connection lost", ...fault.reason);

          assertAlive(executor, pid);
          assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING"], "no new status for t1");
          // The replays were acknowledged on the new stream, which works: a kill goes through and the executor ends.
          await killAndExitCleanly(executor, "t1");
        }));
    }
  }
});

describe("an event of an unknown type (from a faulty front of our agent simulator): logged, ignored, same stream", () => {
  for (const encoding of ENCODINGS) {
    test(`unknown type, then a KILL with a field the schema does not know (${encoding})`, () =>
      withFront({ encoding }, async ({ executor, markers }, front) => {
        executor.launch(sleeper(markers, "t1"));
        const pid = await runningSleeper(executor, markers, "t1");
        await injectRaw(front, executor, unknownTypeRecord(encoding));
        await waitForLog(executor, "level=warn", "ignoring an event of unknown type");
        assertAlive(executor, pid);

        // A newer agent's fields are skipped, not fatal: JSON key `future`, protobuf field 99 (varint 1).
        const kill = framed({ type: "KILL", kill: { task_id: { value: "t1" } } }, encoding);
        const payload = kill.subarray(kill.indexOf(0x0a) + 1);
        const extended =
          encoding === "json"
            ? Buffer.from(JSON.stringify({ ...(JSON.parse(payload.toString()) as object), future: { x: 1 } }))
            : Buffer.concat([payload, Buffer.from([0x98, 0x06, 0x01])]);
        await injectRaw(front, executor, encodeRecord(extended));
        await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_KILLED", LONG);
        const exit = await executor.waitForExit(LONG);
        assert.deepEqual([exit.code, exit.signal], [0, null]);
        assert.equal(subscribes(executor).length, 1, "never re-subscribed");
      }));
  }
});

describe("events received whole before bad input in the same write (from a faulty front of our agent simulator)", () => {
  const tails: readonly { what: string; bytes: (encoding: Encoding) => Uint8Array }[] = [
    { what: "an undecodable record", bytes: invalidEventRecord },
    { what: "RecordIO garbage", bytes: () => Buffer.from("garbage\n") },
  ];
  for (const encoding of ENCODINGS) {
    for (const tail of tails) {
      test(`a KILL followed by ${tail.what} is still honoured, then the executor re-subscribes (${encoding})`, () =>
        withFront({ encoding }, async ({ executor, markers }, front) => {
          executor.launch(sleeper(markers, "t1"));
          const pid = await runningSleeper(executor, markers, "t1");
          await injectRaw(front, executor, Buffer.concat([framed({ type: "KILL", kill: { task_id: { value: "t1" } } }, encoding), tail.bytes(encoding)]));
          await executor.waitForSubscribed({ count: 2, ...LONG });
          await executor.waitForUpdate((s) => s.task_id.value === "t1" && s.state === "TASK_KILLED", LONG);
          assert.ok(!isAlive(pid), "t1 was killed");
          const exit = await executor.waitForExit(LONG);
          assert.deepEqual([exit.code, exit.signal], [0, null]);
        }));
    }
  }
});

describe("garbage on the stream (from a faulty front of our agent simulator), without checkpointing", () => {
  test("the executor shuts down: kills its task within the shutdown grace, exits 1, leaves nothing (json)", () =>
    withFront({ agent: { checkpoint: false } }, async ({ executor, markers }, front) => {
      executor.launch(sleeper(markers, "t1"));
      const pid = await runningSleeper(executor, markers, "t1");
      await injectRaw(front, executor, "garbage\n");
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [1, null], "exit 1: the agent is gone as far as it can tell");
      assert.ok(!isAlive(pid), "t1 was killed");
      await waitForLog(executor, "shutting down", "the framework does not checkpoint");
      assert.equal(subscribes(executor).length, 1, "no re-subscribe");
      // Nobody to tell: the agent reports the task when the executor is gone.
      const last = executor.updates("t1").at(-1)?.status;
      assert.deepEqual([last?.state, last?.source], ["TASK_FAILED", "SOURCE_AGENT"]);
    }));
});
