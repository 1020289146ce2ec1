// Liveness of the event stream, end to end with the real `berth executor`: an agent that hangs with the socket open
// (a faulty front freezes the stream) is noticed once the stream has been silent beyond the agent's heartbeat
// interval plus its margin, and handled like any lost connection; an agent that sends its HEARTBEAT events is never
// taken for dead. The agent simulator heartbeats every second and the executor is told so
// (BERTH_AGENT_HEARTBEAT_INTERVAL), which makes the silence limit 1 s + 5 s.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ExecutorHandle } from "../../src/agent/index.js";
import { streamSilenceLimitMs } from "../../src/mesos/agentConnection.js";
import { statesOf, withBerth } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";
import {
  LONG,
  assertAlive,
  currentStream,
  isAlive,
  killAndExitCleanly,
  runningSleeper,
  sleeper,
  stderrOf,
  subscribes,
  waitForLog,
  withFront,
} from "./executorBadInputHelpers.js";

const INTERVAL_MS = 1_000;
const LIMIT_MS = streamSilenceLimitMs(INTERVAL_MS);
const HEARTBEATS = { agent: { heartbeatIntervalMs: INTERVAL_MS }, launch: { env: { BERTH_AGENT_HEARTBEAT_INTERVAL: "1secs" } } } as const;

/** HEARTBEAT events the agent delivered to `executor`. */
const heartbeats = (executor: ExecutorHandle): number => executor.events.filter((e) => e.type === "HEARTBEAT" && e.delivered).length;

describe("an agent that hangs with the stream open (a faulty front freezes it)", () => {
  test("with checkpointing: noticed after the silence limit, the executor re-subscribes, its task runs on", () =>
    withFront({ ...HEARTBEATS, agent: { ...HEARTBEATS.agent, subscriptionBackoffMaxMs: 200 } }, async ({ executor, markers }, front) => {
      executor.launch(sleeper(markers, "t1"));
      const pid = await runningSleeper(executor, markers, "t1");
      // A heartbeating stream first, so that what stops is an agent that was alive.
      await waitFor(() => heartbeats(executor) >= 1, { ...LONG, what: "a HEARTBEAT event" });
      const stream = await currentStream(front, executor);
      stream.freeze();

      await executor.waitForSubscribed({ count: 2, timeoutMs: LIMIT_MS + LONG.timeoutMs });
      await waitForLog(executor, "level=warn", "agent connection lost", "no bytes from the agent for", "heartbeat interval of 1secs");
      assert.ok(stream.closed, "the executor closed the frozen stream");
      // The executor got the last record no earlier than the front wrote it.
      const silentMs = (stream.closedAt as number) - (stream.lastRelayedAt as number);
      assert.ok(silentMs >= LIMIT_MS - 100, `closed ${silentMs} ms after the last record, not before the limit of ${LIMIT_MS} ms`);
      assertAlive(executor, pid);
      assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING"], "no new status for t1");
      await killAndExitCleanly(executor, "t1");
    }));

  test("without checkpointing: the executor kills its task and exits 1", () =>
    withFront({ ...HEARTBEATS, agent: { ...HEARTBEATS.agent, checkpoint: false } }, async ({ executor, markers }, front) => {
      executor.launch(sleeper(markers, "t1"));
      const pid = await runningSleeper(executor, markers, "t1");
      await waitFor(() => heartbeats(executor) >= 1, { ...LONG, what: "a HEARTBEAT event" });
      (await currentStream(front, executor)).freeze();

      const exit = await executor.waitForExit({ timeoutMs: LIMIT_MS + LONG.timeoutMs });
      assert.deepEqual([exit.code, exit.signal], [1, null], `exit 1: the agent is gone as far as it can tell; log:\n${stderrOf(executor)}`);
      assert.ok(!isAlive(pid), "t1 was killed");
      await waitForLog(executor, "shutting down", "no bytes from the agent for", "the framework does not checkpoint");
      assert.equal(subscribes(executor).length, 1, "no re-subscribe");
    }));
});

describe("an agent that sends its heartbeats", () => {
  test("is never taken for dead: one stream across more than twice the silence limit", () =>
    withBerth(HEARTBEATS, async ({ executor, markers }) => {
      executor.launch(sleeper(markers, "t1"));
      const pid = await runningSleeper(executor, markers, "t1");
      const enough = Math.ceil((2 * LIMIT_MS) / INTERVAL_MS);
      await waitFor(() => heartbeats(executor) >= enough, { timeoutMs: 2 * LIMIT_MS + LONG.timeoutMs, what: `${enough} HEARTBEAT events` });
      assert.equal(subscribes(executor).length, 1, "never re-subscribed");
      assert.ok(!stderrOf(executor).includes("agent connection lost"), `no lost connection; log:\n${stderrOf(executor)}`);
      assertAlive(executor, pid);
      await killAndExitCleanly(executor, "t1");
    }));
});
