// End-to-end property: the real `berth executor` process, fed a hostile event stream by a raw stand-in agent
// (./streamingAgent.ts) — valid and structurally hostile events (LAUNCH, KILL, SHUTDOWN, … with odd values),
// undecodable records and unframed garbage, in any chunking — never crashes: it re-subscribes (checkpointing) or
// shuts down with a clear message, exits 0 or 1, and leaves no process of its tasks behind.
// Tasks only ever run harmless commands (sleep, true, exit 3): every field that names a command is constrained.
//
// Runs: 2 streams in CI (each starts an executor); deep mode runs BERTH_FUZZ_RUNS / 1000 of them
// (see ./fuzzParameters.ts).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { encodeEvent, type Encoding } from "../../src/mesos/codec.js";
import { encodeRecord } from "../../src/mesos/recordio.js";
import type { Event } from "../../src/mesos/types.js";
import { BERTH_MAIN, killTagged, TAG_VARIABLE, taggedProcesses } from "../helpers/berthHarness.js";
import { withTimeout } from "../helpers/waitFor.js";
import { fuzzParameters } from "./fuzzParameters.js";
import { plausibleLabels } from "./berthLabelArbitrary.js";
import { envName, plausibleTaskInfoOf } from "./taskInfoArbitrary.js";
import { HOSTILE_LEAVES, messageArbitrary, VALID_LEAVES } from "./schemaArbitrary.js";
import { StreamingAgent } from "./streamingAgent.js";

/** Generous: the executor starts, runs tasks and shuts down within the agent's grace on a loaded machine. */
const EXIT_DEADLINE_MS = 60_000;

const safeCommand = fc.constantFrom("sleep 600", "exit 3", "true", "trap '' TERM; sleep 600", "/bin/sleep", "sleep");
const safeLabel = fc.oneof(
  fc.record({ key: fc.constant("berth.stop-signal"), value: fc.constantFrom("SIGTERM", "SIGINT", "SIGKILL", "bogus") }),
  fc.record({ key: fc.constant("berth.drain-seconds"), value: fc.constantFrom("0", "0.2", "1e306", "-1") }),
  fc.record({ key: fc.constant("berth.readiness.protocol"), value: fc.constantFrom("command", "tcp", "http") }),
  fc.record({ key: fc.constant("berth.readiness.command"), value: fc.constantFrom("true", "exit 1", "sleep 600") }),
  fc.record({ key: fc.constant("berth.readiness.timeout-seconds"), value: fc.constantFrom("0", "1e306", "0.1") }),
  fc.record({ key: fc.constant("berth.graceful.path"), value: fc.constantFrom("/quitquitquit", "x") }),
  fc.record({ key: fc.constantFrom("berth.hook.h.exec"), value: fc.constantFrom('["/bin/true"]', '["/bin/false"]', '["/bin/sleep","600"]', "[]") }),
  fc.record({ key: fc.constantFrom("berth.hook.h.phases"), value: fc.constantFrom("prestart", "preKill,stop", "healthy,exited", "bogus") }),
  fc.record({ key: fc.constantFrom("berth.hook.h.timeout-seconds"), value: fc.constantFrom("0.5", "1e306") }),
  fc.record({ key: fc.constantFrom("berth.nope", "other"), value: fc.string({ maxLength: 8 }) }),
);
/** Every field that holds a command (task, checks, Marathon's executor line, an app definition, labels) is safe. */
const safeFields = {
  "CommandInfo.value": safeCommand,
  "CommandInfo.arguments": fc.constantFrom(["sleep", "600"], ["sleep", "0"], []),
  "CommandInfo.user": fc.constantFrom("root", "nobody", ""),
  "CommandInfo.URI.value": fc.constant("/dev/null"),
  "TaskInfo.data": fc.constantFrom(Buffer.from('{"cmd":"sleep 600"}'), Buffer.alloc(0), Buffer.from("x")),
  "ExecutorInfo.data": fc.constant(Buffer.alloc(0)),
  "Labels.labels": fc.array(safeLabel, { maxLength: 4 }),
  "Environment.Variable.name": envName,
};
const leaves = { ...VALID_LEAVES, string: fc.string({ unit: "binary", maxLength: 8 }), int64: HOSTILE_LEAVES.int64, uint32: HOSTILE_LEAVES.uint32, double: HOSTILE_LEAVES.double };
const anyEvent = messageArbitrary("Event", { leaves, fields: safeFields, maxDepth: 4 });
/** Mostly tasks Berth accepts (so that they run, and get killed by what follows), some hostile ones. */
const task = fc.oneof(
  { weight: 3, arbitrary: plausibleTaskInfoOf({ command: safeCommand, data: safeFields["TaskInfo.data"], labels: plausibleLabels, edgeOneIn: 40 }) as unknown as fc.Arbitrary<Record<string, unknown>> },
  { weight: 1, arbitrary: messageArbitrary("TaskInfo", { leaves, fields: safeFields, maxDepth: 3 }) },
);
const taskIds = fc.constantFrom("t1", "t2", "t3");

/** Events that drive the executor: launches of small task ids (so that kills find them), kills, and any event. */
const launch: fc.Arbitrary<Event> = fc.tuple(task, taskIds).map(([info, id]) => ({ type: "LAUNCH" as const, launch: { task: { ...info, task_id: { value: id } } } }) as Event);
const streamEvent: fc.Arbitrary<Event> = fc.oneof(
  { weight: 3, arbitrary: launch },
  { weight: 1, arbitrary: fc.array(fc.tuple(task, taskIds), { minLength: 1, maxLength: 3 }).map((infos) => ({ type: "LAUNCH_GROUP" as const, launch_group: { task_group: { tasks: infos.map(([info, id]) => ({ ...info, task_id: { value: id } })) } } }) as Event) },
  { weight: 2, arbitrary: fc.tuple(taskIds, fc.option(HOSTILE_LEAVES.int64, { nil: undefined })).map(([id, nanos]) => ({ type: "KILL" as const, kill: { task_id: { value: id }, ...(nanos !== undefined ? { kill_policy: { grace_period: { nanoseconds: nanos } } } : {}) } }) as Event) },
  { weight: 1, arbitrary: fc.constantFrom<Event>({ type: "SHUTDOWN" }, { type: "HEARTBEAT" }, { type: "ERROR", error: { message: "fuzz" } }, {}) },
  { weight: 2, arbitrary: anyEvent as fc.Arbitrary<Event> },
);

type Item = { kind: "event"; event: Event } | { kind: "record"; bytes: Uint8Array } | { kind: "garbage"; bytes: Uint8Array };
const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 8, arbitrary: streamEvent.map((event): Item => ({ kind: "event", event })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes): Item => ({ kind: "record", bytes })) },
  { weight: 1, arbitrary: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.constantFrom(Buffer.from("99999999999999\n"), Buffer.from("HTTP/1.1 200 OK\r\n"))).map((bytes): Item => ({ kind: "garbage", bytes })) },
);

/** The stream's bytes: events framed in the executor's encoding (those the codec cannot encode are left out). */
function streamBytes(items: readonly Item[], encoding: Encoding): Buffer {
  const parts: Buffer[] = [];
  for (const entry of items) {
    if (entry.kind === "garbage") parts.push(Buffer.from(entry.bytes));
    else if (entry.kind === "record") parts.push(encodeRecord(entry.bytes));
    else {
      try {
        parts.push(encodeRecord(encodeEvent(entry.event, encoding, { withDefaults: encoding === "json" })));
      } catch {
        // NaN or Infinity in JSON: no agent can send it
      }
    }
  }
  return Buffer.concat(parts);
}

function chunked(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...points, stream.length];
  return bounds.slice(1).map((end, i) => stream.subarray(bounds[i], end)).filter((chunk) => chunk.length > 0);
}

interface ExecutorRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  leftovers: string[];
}

async function runExecutor(agent: StreamingAgent, encoding: Encoding, checkpoint: boolean): Promise<ExecutorRun> {
  const sandbox = mkdtempSync(join(tmpdir(), "berth-fuzz-"));
  const tag = randomUUID();
  const child = spawn(process.execPath, [BERTH_MAIN, "executor"], {
    cwd: sandbox,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      [TAG_VARIABLE]: tag,
      MESOS_FRAMEWORK_ID: "fuzz-framework",
      MESOS_EXECUTOR_ID: "fuzz-executor",
      MESOS_DIRECTORY: sandbox,
      MESOS_AGENT_ENDPOINT: agent.endpoint,
      MESOS_CHECKPOINT: checkpoint ? "1" : "0",
      MESOS_RECOVERY_TIMEOUT: "20secs",
      MESOS_SUBSCRIPTION_BACKOFF_MAX: "100ms",
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "4secs",
      BERTH_KILL_GRACE_PERIOD: "1secs",
      BERTH_MESOS_ENCODING: encoding,
    },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  try {
    const { code, signal } = await withTimeout(exited, EXIT_DEADLINE_MS, `the executor to exit; its log so far:\n${stderr}`);
    return { code, signal, stderr, leftovers: taggedProcesses(tag) };
  } finally {
    // Whatever the outcome, nothing of this run may outlive it.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    killTagged(tag);
    rmSync(sandbox, { recursive: true, force: true });
  }
}

test("the executor survives any event stream: re-subscribes or shuts down cleanly, leaves no process", async () => {
  await fc.assert(
    fc.asyncProperty(
      // Launches first, so that most streams have tasks to kill whatever comes next.
      fc.tuple(fc.array(launch.map((event): Item => ({ kind: "event", event })), { minLength: 1, maxLength: 3 }), fc.array(item, { maxLength: 10 })).map(([first, rest]) => [...first, ...rest]),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.constantFrom<Encoding>("json", "protobuf"),
      fc.boolean(),
      fc.constantFrom("at-once" as const, "after-running" as const),
      async (items, cuts, encoding, checkpoint, endFirstStream) => {
        const agent = await StreamingAgent.start({ encoding, firstStream: chunked(streamBytes(items, encoding), cuts), endFirstStream, holdMs: 2_000 });
        try {
          const run = await runExecutor(agent, encoding, checkpoint);
          const context = `exit ${run.code ?? run.signal}, ${agent.subscribeCount} SUBSCRIBE(s); executor log:\n${run.stderr}`;
          assert.ok(run.code === 0 || run.code === 1, `the executor ended with ${run.code ?? run.signal}\n${context}`);
          assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$|Uncaught|unhandled/im, `a crash or an unhandled error\n${context}`);
          // Exit 0: every task ended and the agent acknowledged it (nothing to explain). Exit 1 says why.
          if (run.code === 1) assert.match(run.stderr, /msg="shutting down".* reason=/, `exit 1 without a reason\n${context}`);
          assert.deepEqual(run.leftovers, [], `processes left behind\n${context}`);
        } finally {
          await agent.stop();
        }
      },
    ),
    fuzzParameters(2, { deepDivisor: 1000 }),
  );
});
