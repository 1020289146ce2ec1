// Holds Berth's local agent simulator (src/agent) against an executor client Berth did not write: a small Go
// executor (test/go-executor/main.go) on mesos-go's executor library from Debian (golang-github-mesos-mesos-go-dev),
// which speaks protobuf. Needs `go` (apt golang-go): skipped loudly without it, except under CI where it must run.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { LocalAgent } from "../../src/agent/localAgent.js";
import type { ExecutorHandle } from "../../src/agent/executorHandle.js";
import type { CallRecord, EventRecord, UpdateRecord } from "../../src/agent/records.js";
import { isValidUuidBytes, uuidToString } from "../../src/mesos/uuid.js";
import { MarkerDir, repoRoot } from "../helpers/fixtures.js";
import { LeftoverGuard } from "../helpers/leftovers.js";

const BUILD_SCRIPT = join(repoRoot, "test", "go-executor", "build.sh");
const PROTOBUF = "application/x-protobuf";
const TIMEOUT_MS = 30_000;

const inCi = /^(true|1|yes)$/i.test(process.env.CI ?? "");
const goMissing = spawnSync("go", ["version"], { stdio: "ignore" }).error !== undefined;
const skip = goMissing && !inCi ? "`go` is not installed (apt-get install golang-go golang-github-mesos-mesos-go-dev)" : false;
if (skip) {
  process.stderr.write(`\n!!!!!!!! SKIPPING the mesos-go executor conformance tests: ${skip} !!!!!!!!\n\n`);
}

let binary = "";

interface OutputCollector {
  onOutput: (stream: string, chunk: Buffer) => void;
  text: () => string;
  /** Resolves when the output so far matches `pattern`; rejects after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<void>;
}

/** The Go executor's output: shown as a diagnostic, and awaited for what only the executor can tell. */
function outputCollector(): OutputCollector {
  let text = "";
  const waiters = new Set<() => void>();
  return {
    onOutput: (_stream, chunk) => {
      text += chunk.toString("utf8");
      for (const waiter of [...waiters]) waiter();
    },
    text: () => text,
    waitFor: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(text)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for executor output ${pattern}; output:\n${text}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** Runs a test body; a failure carries the executor's output, which usually says why. */
async function explained(output: OutputCollector, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof Error) error.message += `\n--- berth-go-executor output ---\n${output.text()}`;
    throw error;
  }
}

const uuidHex = (bytes: Uint8Array | undefined): string => (bytes ? uuidToString(bytes) : "<none>");

/** Asserts the executor's UPDATE calls and the agent's accepted updates and ACKNOWLEDGED events, one per update. */
function assertUpdatesAcknowledged(ex: ExecutorHandle, taskId: string, states: string[], streamId: number | undefined): UpdateRecord[] {
  const accepted = ex.updates(taskId);
  assert.deepEqual(accepted.map((u) => u.status.state), states, "accepted updates, in order");
  for (const update of accepted) {
    const s = update.status;
    assert.ok(isValidUuidBytes(s.uuid), `update ${s.state} has a valid RFC 4122 uuid: ${uuidHex(s.uuid)}`);
    assert.equal(s.source, "SOURCE_EXECUTOR");
    assert.equal(s.executor_id?.value, ex.executorId);
    assert.equal(update.origin, "executor");
    assert.equal(update.ack, "sent", `update ${s.state} acknowledged on an open stream`);
  }
  assert.equal(new Set(accepted.map((u) => uuidHex(u.status.uuid))).size, accepted.length, "uuids are unique");
  const acks = ex.events.filter((e) => e.type === "ACKNOWLEDGED" && e.event.acknowledged?.task_id.value === taskId);
  for (const update of accepted) {
    const ack = acks.find((e) => uuidHex(e.event.acknowledged?.uuid) === uuidHex(update.status.uuid));
    assert.ok(ack, `ACKNOWLEDGED for ${update.status.state} ${uuidHex(update.status.uuid)}`);
    assert.ok(ack.delivered, "ACKNOWLEDGED delivered");
    if (streamId !== undefined) assert.equal(ack.streamId, streamId, "ACKNOWLEDGED on the SUBSCRIBE stream");
  }
  return accepted;
}

function assertSubscribeAccepted(call: CallRecord | undefined): asserts call is CallRecord {
  assert.ok(call, "a SUBSCRIBE call");
  assert.equal(call.method, "POST");
  assert.equal(call.path, "/api/v1/executor");
  assert.equal(call.contentType, PROTOBUF, "mesos-go sends protobuf");
  assert.equal(call.encoding, "protobuf");
  assert.match(call.accept ?? "", /application\/x-protobuf/);
  assert.equal(call.status, 200, `SUBSCRIBE answered 200, got ${call.status} ${call.body}`);
  assert.equal(call.streamEncoding, "protobuf", "the event stream is protobuf");
  assert.ok(call.streamId !== undefined, "the SUBSCRIBE opened a stream");
}

function deliveredTypes(events: readonly EventRecord[], streamId: number | undefined): string[] {
  return events.filter((e) => e.delivered && e.streamId === streamId).map((e) => e.type);
}

describe("local agent simulator speaks the executor API to mesos-go's executor library (Go, protobuf)", { skip }, () => {
  const guard = new LeftoverGuard();

  before(async () => {
    if (goMissing) assert.fail("CI=true but `go` is not installed: install apt packages golang-go golang-github-mesos-mesos-go-dev");
    // The first build compiles mesos-go and its dependencies (about 10 s on 2 cores); later ones reuse the binary.
    const { stdout } = await promisify(execFile)("bash", [BUILD_SCRIPT], { timeout: 240_000, maxBuffer: 1 << 20 });
    binary = stdout.trim().split("\n").at(-1) ?? "";
    assert.match(binary, /berth-go-executor$/, `build.sh printed the binary path, got ${JSON.stringify(stdout)}`);
  });

  after(() => guard.assertNone());

  test("SUBSCRIBE 200 protobuf, SUBSCRIBED, LAUNCH, TASK_STARTING -> RUNNING -> FINISHED each acknowledged, exit 0", async () => {
    const agent = await LocalAgent.start({ checkpoint: false });
    const output = outputCollector();
    try {
      await explained(output, async () => {
        const ex = agent.launchExecutor({ command: { argv: [binary] }, onOutput: output.onOutput });
        assert.ok(ex.pid !== undefined, "the executor started");
        guard.watchGroup(ex.pid);
        ex.launch({ task_id: { value: "go-task-1" }, name: "no-command" });

        await ex.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: TIMEOUT_MS });
        const exit = await ex.waitForExit({ timeoutMs: TIMEOUT_MS });
        assert.deepEqual(exit, { code: 0, signal: null }, "exits 0 once its terminal update is acknowledged");
        assert.equal(ex.state, "TERMINATED");

        const subscribes = ex.calls.filter((c) => c.call?.type === "SUBSCRIBE");
        assert.equal(subscribes.length, 1, "one SUBSCRIBE");
        const subscribe = subscribes[0];
        assertSubscribeAccepted(subscribe);
        assert.equal(subscribe.call?.framework_id.value, ex.frameworkId);
        assert.equal(subscribe.call?.executor_id.value, ex.executorId);

        assert.deepEqual(
          deliveredTypes(ex.events, subscribe.streamId),
          ["SUBSCRIBED", "LAUNCH", "ACKNOWLEDGED", "ACKNOWLEDGED", "ACKNOWLEDGED"],
          "events on the stream, in order",
        );
        const subscribed = ex.events.find((e) => e.type === "SUBSCRIBED");
        assert.equal(subscribed?.event.subscribed?.framework_info.id?.value, ex.frameworkId);
        assert.equal(subscribed?.event.subscribed?.container_id?.value, ex.containerId);
        assert.equal(ex.events.find((e) => e.type === "LAUNCH")?.event.launch?.task.task_id.value, "go-task-1");

        const updateCalls = ex.calls.filter((c) => c.call?.type === "UPDATE");
        assert.deepEqual(updateCalls.map((c) => [c.call?.update?.status.state, c.status, c.contentType]), [
          ["TASK_STARTING", 202, PROTOBUF],
          ["TASK_RUNNING", 202, PROTOBUF],
          ["TASK_FINISHED", 202, PROTOBUF],
        ]);
        assertUpdatesAcknowledged(ex, "go-task-1", ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"], subscribe.streamId);
        assert.deepEqual(ex.calls.filter((c) => c.status >= 300).map((c) => `${c.call?.type} ${c.status} ${c.body}`), [], "no call refused");
        guard.assertNone();
      });
    } finally {
      await agent.stop();
    }
  });

  test("runs the task's command with sh -c and reports its exit status; tolerates HEARTBEAT, unknown to the library", async (t) => {
    const agent = await LocalAgent.start({ checkpoint: false });
    const output = outputCollector();
    try {
      await explained(output, async () => {
        const ex = agent.launchExecutor({ command: { argv: [binary] }, onOutput: output.onOutput });
        assert.ok(ex.pid !== undefined);
        guard.watchGroup(ex.pid);
        // The task waits for a marker file, so that a HEARTBEAT can arrive while it runs.
        const markers = new MarkerDir();
        t.after(() => markers.remove());
        ex.launch({
          task_id: { value: "go-task-2" },
          command: {
            value: 'while [ ! -e "$GO_TASK_MARKER" ]; do sleep 0.02; done; echo hello from the task; exit 3',
            environment: { variables: [{ name: "GO_TASK_MARKER", value: markers.file("go") }] },
          },
        });
        await ex.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: TIMEOUT_MS });
        // Event.Type HEARTBEAT (9) postdates this mesos-go: the library must skip it, not drop the connection.
        ex.heartbeat();
        await output.waitFor(/ignoring event of type 9/, TIMEOUT_MS);
        writeFileSync(markers.file("go"), "");

        const failed = await ex.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: TIMEOUT_MS });
        assert.equal(failed.message, "Command exited with status 3");
        const exit = await ex.waitForExit({ timeoutMs: TIMEOUT_MS });
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.match(output.text(), /hello from the task/);

        const subscribe = ex.calls.find((c) => c.call?.type === "SUBSCRIBE");
        assertSubscribeAccepted(subscribe);
        assert.equal(ex.calls.filter((c) => c.call?.type === "SUBSCRIBE").length, 1, "HEARTBEAT did not cost a re-subscribe");
        assert.deepEqual(deliveredTypes(ex.events, subscribe.streamId).filter((type) => type !== "ACKNOWLEDGED"), ["SUBSCRIBED", "LAUNCH", "HEARTBEAT"]);
        assertUpdatesAcknowledged(ex, "go-task-2", ["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"], subscribe.streamId);
        guard.assertNone();
      });
    } finally {
      await agent.stop();
    }
  });

  test("after a lost stream the library re-subscribes with its unacknowledged task and updates; the replays are acknowledged", async () => {
    // Checkpointing: the executor retries the subscription instead of giving up (backoff at most 200 ms).
    const agent = await LocalAgent.start({ checkpoint: true, subscriptionBackoffMaxMs: 200, recoveryTimeoutMs: 20_000 });
    const output = outputCollector();
    try {
      await explained(output, async () => {
        const ex = agent.launchExecutor({ command: { argv: [binary] }, onOutput: output.onOutput });
        assert.ok(ex.pid !== undefined);
        guard.watchGroup(ex.pid);
        ex.withholdAcks(true);
        ex.launch({ task_id: { value: "go-task-3" } });
        await ex.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: TIMEOUT_MS });
        const sent = ex.updates("go-task-3").map((u) => uuidHex(u.status.uuid));
        assert.equal(sent.length, 3);
        // The acks die with the stream, as if written to a dead connection; then the stream goes.
        ex.withholdAcks(false, { drop: true });
        ex.cutStream({ mode: "eof" });

        await ex.waitForSubscribed({ count: 2, timeoutMs: TIMEOUT_MS });
        const exit = await ex.waitForExit({ timeoutMs: TIMEOUT_MS });
        assert.deepEqual(exit, { code: 0, signal: null });

        const subscribes = ex.calls.filter((c) => c.call?.type === "SUBSCRIBE");
        assert.equal(subscribes.length, 2);
        const again = subscribes[1];
        assertSubscribeAccepted(again);
        const replayed = again.call?.subscribe?.unacknowledged_updates ?? [];
        assert.deepEqual(replayed.map((u) => uuidHex(u.status.uuid)), sent, "every unacknowledged update resent, in order");
        assert.deepEqual(again.call?.subscribe?.unacknowledged_tasks?.map((task) => task.task_id.value), ["go-task-3"]);

        // Replays are acknowledged but not forwarded again (the agent's word for that: duplicate, or dropped after
        // the terminal update).
        const replays = ex.updateLog.filter((u) => u.via === "replay");
        assert.deepEqual(replays.map((u) => uuidHex(u.status.uuid)), sent);
        for (const replay of replays) assert.ok(["duplicate", "dropped"].includes(replay.disposition), `replay ${replay.status.state}: ${replay.disposition}`);
        assert.equal(ex.updates("go-task-3").length, 3, "nothing forwarded twice");
        const acksOnNewStream = ex.events.filter((e) => e.type === "ACKNOWLEDGED" && e.delivered && e.streamId === again.streamId);
        assert.deepEqual(acksOnNewStream.map((e) => uuidHex(e.event.acknowledged?.uuid)), sent, "each replay acknowledged on the new stream");
        guard.assertNone();
      });
    } finally {
      await agent.stop();
    }
  });

  test("SHUTDOWN: the library's executor kills its running task and exits 0 within the grace period", async () => {
    const agent = await LocalAgent.start({ checkpoint: false, shutdownGracePeriodMs: 10_000 });
    const output = outputCollector();
    try {
      await explained(output, async () => {
        const ex = agent.launchExecutor({ command: { argv: [binary] }, onOutput: output.onOutput });
        assert.ok(ex.pid !== undefined);
        guard.watchGroup(ex.pid);
        ex.launch({ task_id: { value: "go-task-4" }, command: { value: "exec sleep 600" } });
        await ex.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: TIMEOUT_MS });

        const shutdownAt = agent.now();
        ex.shutdown();
        const exit = await ex.waitForExit({ timeoutMs: TIMEOUT_MS });
        assert.deepEqual(exit, { code: 0, signal: null }, "exited by itself, not SIGKILLed by the agent");
        assert.ok(agent.now() - shutdownAt < 10_000, "within the shutdown grace period");
        assert.ok(ex.events.some((e) => e.type === "SHUTDOWN" && e.delivered), "SHUTDOWN delivered");
        assert.ok(ex.updates("go-task-4").some((u) => u.status.state === "TASK_KILLED"), "TASK_KILLED reported");
        guard.assertNone();
      });
    } finally {
      await agent.stop();
    }
  });
});
