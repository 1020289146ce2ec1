// Shared pieces of the "bad input" end-to-end tests: the executor behind a faulty front (which injects what the agent
// never sends), a long-running task whose pid a marker reveals, the executor's own log (its stderr in the sandbox),
// and framing of events injected raw on the agent's stream.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CallRecord, ExecutorHandle, TaskInput } from "../../src/agent/index.js";
import { encodeEvent, type Encoding } from "../../src/mesos/codec.js";
import { encodeRecord } from "../../src/mesos/recordio.js";
import type { CallType, Event, TaskState } from "../../src/mesos/types.js";
import { shellTask, withBerth, type BerthRun, type BerthRunOptions } from "../helpers/berthHarness.js";
import type { MarkerDir } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/waitFor.js";
import { FaultyFront, type Fault, type RelayedStream } from "./executorBadInputFaultyFront.js";

/** Deadlines for anything that involves starting or stopping processes on a loaded 2-core machine. */
export const LONG = { timeoutMs: 30_000 } as const;

/** A task that writes its pid to marker `id` and then sleeps (same pid) until killed. */
export function sleeper(markers: MarkerDir, id: string): TaskInput {
  return shellTask(id, `echo $$ > '${markers.file(id)}'; exec sleep 600`);
}

/** Waits until the sleeper `id` (already queued) runs and its marker is whole (a pid and its newline); returns the pid. */
export async function runningSleeper(executor: ExecutorHandle, markers: MarkerDir, id: string): Promise<number> {
  await executor.waitForUpdate((s) => s.task_id.value === id && s.state === "TASK_RUNNING", LONG);
  const line = await waitFor(
    () => {
      try {
        return /^[1-9]\d*\n$/.exec(readFileSync(markers.file(id), "utf8"))?.[0];
      } catch {
        return undefined; // not written yet
      }
    },
    { ...LONG, what: `the pid marker of ${id}` },
  );
  return Number(line);
}

/** True while `pid` is a live process (a zombie counts as dead). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Asserts that the task process `pid` lives; the failure shows what the agent and the executor saw. */
export function assertAlive(executor: ExecutorHandle, pid: number, what = "the task still runs"): void {
  if (isAlive(pid)) return;
  const updates = executor.updateLog.map((u) => `${u.status.task_id.value} ${u.status.state} ${u.status.message ?? ""} [${u.disposition}]`);
  throw new Error(`${what}: pid ${pid} is gone; updates: ${updates.join("; ")}; executor log:\n${stderrOf(executor)}`);
}

/** The executor's diagnostics so far (Berth logs to its stderr, which the agent keeps in the sandbox). */
export function stderrOf(executor: ExecutorHandle): string {
  try {
    return readFileSync(join(executor.sandbox, "stderr"), "utf8");
  } catch {
    return "";
  }
}

/** Waits for a line of the executor's log that contains every one of `parts`; returns it. */
export function waitForLog(executor: ExecutorHandle, ...parts: string[]): Promise<string> {
  return waitFor(() => stderrOf(executor).split("\n").find((line) => parts.every((part) => line.includes(part))), {
    timeoutMs: LONG.timeoutMs,
    what: `a log line of executor ${executor.executorId} with ${JSON.stringify(parts)}`,
  });
}

/** One event as the agent would frame it on a stream of `encoding`. */
export function framed(event: Event, encoding: Encoding): Buffer {
  return encodeRecord(encodeEvent(event, encoding, { withDefaults: encoding === "json" }));
}

/** An event of a type this schema does not know: JSON names it, protobuf numbers it (99). */
export function unknownTypeRecord(encoding: Encoding): Buffer {
  return encodeRecord(encoding === "json" ? Buffer.from('{"type":"SOMETHING_NEW","something_new":{"x":1}}') : Buffer.from([0x08, 99]));
}

/** A well-framed record that is not a valid Event: a KILL without its required task_id. */
export function invalidEventRecord(encoding: Encoding): Buffer {
  // protobuf: field 1 (type) = 3 (KILL), field 5 (kill) = empty message.
  return encodeRecord(encoding === "json" ? Buffer.from('{"type":"KILL","kill":{}}') : Buffer.from([0x08, 0x03, 0x2a, 0x00]));
}

/** SUBSCRIBE calls the agent accepted from this executor, in order. */
export function subscribes(executor: ExecutorHandle): CallRecord[] {
  return executor.calls.filter((c) => c.call?.type === "SUBSCRIBE" && c.status === 200);
}

/** What a SUBSCRIBE carried: task ids and update states (with uuids in hex). */
export function carried(record: CallRecord | undefined): { tasks: string[]; updates: { task: string; state: TaskState; uuid: string }[] } {
  const subscribe = record?.call?.subscribe;
  return {
    tasks: (subscribe?.unacknowledged_tasks ?? []).map((t) => t.task_id.value),
    updates: (subscribe?.unacknowledged_updates ?? []).map((u) => ({
      task: u.status.task_id.value,
      state: u.status.state,
      uuid: Buffer.from(u.status.uuid ?? []).toString("hex"),
    })),
  };
}

/** Kills `taskId` through the agent and checks the executor then reports TASK_KILLED and exits 0. */
export async function killAndExitCleanly(executor: ExecutorHandle, taskId: string): Promise<void> {
  executor.kill(taskId);
  await executor.waitForUpdate((s) => s.task_id.value === taskId && s.state === "TASK_KILLED", LONG);
  const exit = await executor.waitForExit(LONG);
  if (exit.code !== 0) throw new Error(`executor exited with ${JSON.stringify(exit)}; its log:\n${stderrOf(executor)}`);
}

/**
 * withBerth with the executor talking to the agent through a FaultyFront (MESOS_AGENT_ENDPOINT points at it), which
 * first gives `faults` ([call type, fault, count]).
 */
export async function withFront(
  options: BerthRunOptions & { faults?: readonly [CallType, Fault, number][] },
  body: (run: BerthRun, front: FaultyFront) => Promise<void>,
): Promise<void> {
  const { faults = [], ...berth } = options;
  const front = await FaultyFront.start();
  for (const [type, fault, count] of faults) front.failCalls(type, fault, { count });
  try {
    await withBerth({ ...berth, launch: { ...berth.launch, env: { ...berth.launch?.env, MESOS_AGENT_ENDPOINT: front.endpoint } } }, async (run) => {
      front.forwardTo(run.agent.endpoint);
      await body(run, front);
    });
  } finally {
    await front.close();
  }
}

/** The executor's current event stream at the front, once every event the agent delivered on it has been relayed. */
export function currentStream(front: FaultyFront, executor: ExecutorHandle): Promise<RelayedStream> {
  const accepted = subscribes(executor);
  const streamId = accepted.at(-1)?.streamId;
  if (streamId === undefined) throw new Error(`executor ${executor.executorId} has no event stream`);
  const delivered = executor.events.filter((e) => e.delivered && e.streamId === streamId).length;
  return front.stream(accepted.length, { afterRecords: delivered });
}

/**
 * Writes `bytes` raw on the executor's event stream, after everything the agent has sent on it so far: garbage, a
 * partial record, or an event framed with framed() that the agent would never send (a KILL for an unknown task).
 */
export async function injectRaw(front: FaultyFront, executor: ExecutorHandle, bytes: Uint8Array | string): Promise<RelayedStream> {
  const stream = await currentStream(front, executor);
  stream.write(typeof bytes === "string" ? Buffer.from(bytes) : bytes);
  return stream;
}
