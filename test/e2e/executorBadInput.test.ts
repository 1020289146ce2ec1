// Bad input to the real `berth executor`, end to end against our Mesos agent simulator: a broken environment, a
// LAUNCH without a command, events for tasks it does not have, a duplicate LAUNCH. In every case the executor
// reports (exit code, log line, status update) and degrades, and withBerth checks that no process is left.
// Events the agent would never send come from a faulty front (executorBadInputFaultyFront.ts). Garbage on the stream
// is in executorBadInputStream.test.ts, agent errors in executorBadInputAgentErrors.test.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { Encoding } from "../../src/mesos/codec.js";
import { newUuidBytes } from "../../src/mesos/uuid.js";
import { BERTH_MAIN, statesOf, withBerth } from "../helpers/berthHarness.js";
import {
  LONG,
  carried,
  framed,
  injectRaw,
  assertAlive,
  killAndExitCleanly,
  runningSleeper,
  sleeper,
  stderrOf,
  subscribes,
  waitForLog,
  withFront,
} from "./executorBadInputHelpers.js";

const ENCODINGS: readonly Encoding[] = ["json", "protobuf"];

describe("berth executor with a bad environment from our agent simulator: exit 2, naming the variable", () => {
  const cases: { what: string; env: Record<string, string | undefined>; expect: RegExp }[] = [
    { what: "MESOS_FRAMEWORK_ID missing", env: { MESOS_FRAMEWORK_ID: undefined }, expect: /MESOS_FRAMEWORK_ID is not set/ },
    {
      what: "MESOS_AGENT_ENDPOINT malformed (a URL)",
      env: { MESOS_AGENT_ENDPOINT: "http://127.0.0.1:5051" },
      expect: /MESOS_AGENT_ENDPOINT: expected "ip:port", got "http:\/\/127\.0\.0\.1:5051"/,
    },
    { what: "MESOS_RECOVERY_TIMEOUT without a unit", env: { MESOS_RECOVERY_TIMEOUT: "15" }, expect: /MESOS_RECOVERY_TIMEOUT: invalid duration "15"/ },
    { what: "BERTH_MESOS_ENCODING=xml", env: { BERTH_MESOS_ENCODING: "xml" }, expect: /BERTH_MESOS_ENCODING: expected "json" or "protobuf", got "xml"/ },
    { what: "MESOS_CHECKPOINT=yes", env: { MESOS_CHECKPOINT: "yes" }, expect: /MESOS_CHECKPOINT: expected "1" or "0", got "yes"/ },
  ];
  for (const { what, env, expect } of cases) {
    test(what, () =>
      withBerth({ launch: { env } }, async ({ executor }) => {
        const exit = await executor.waitForExit(LONG);
        const stderr = stderrOf(executor);
        assert.deepEqual([exit.code, exit.signal], [2, null], `exit status; stderr:\n${stderr}`);
        assert.match(stderr, /^berth executor: invalid executor environment:\n/);
        assert.match(stderr, expect);
        assert.deepEqual(executor.calls, [], "it never called the agent");
      }),
    );
  }

  test("several bad variables at once, no agent at all: every one is named, nothing on stdout", async () => {
    const directory = mkdtempSync(join(tmpdir(), "berth-e2e-env-"));
    try {
      const child = spawn(process.execPath, [BERTH_MAIN, "executor"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          MESOS_EXECUTOR_ID: "e1",
          MESOS_DIRECTORY: directory,
          MESOS_AGENT_ENDPOINT: "127.0.0.1",
          MESOS_CHECKPOINT: "yes",
          MESOS_RECOVERY_TIMEOUT: "15",
          BERTH_MESOS_ENCODING: "xml",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("close", (c, s) => resolve([c, s])));
      assert.deepEqual([code, signal], [2, null], stderr);
      assert.equal(stdout, "");
      for (const variable of ["MESOS_FRAMEWORK_ID", "MESOS_AGENT_ENDPOINT", "MESOS_CHECKPOINT", "MESOS_RECOVERY_TIMEOUT", "BERTH_MESOS_ENCODING"]) {
        assert.match(stderr, new RegExp(`^  - ${variable}\\b`, "m"), `${variable} named on its own line`);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe("a LAUNCH without a command: TASK_ERROR saying where Berth looked, then exit 0", () => {
  test("no TaskInfo.command, ExecutorInfo.command not Marathon's, no TaskInfo.data", () =>
    withBerth({}, async ({ executor }) => {
      // The agent attaches the executor's own ExecutorInfo (command: node …/main.js executor, shell=false).
      executor.launch({ task_id: { value: "no-command" } });
      const error = await executor.waitForUpdate((s) => s.task_id.value === "no-command", LONG);
      assert.equal(error.state, "TASK_ERROR");
      assert.equal(error.reason, "REASON_TASK_INVALID");
      assert.match(error.message ?? "", /^Invalid task: no command for the task: /);
      assert.match(error.message ?? "", /TaskInfo\.command is not set/);
      assert.match(error.message ?? "", /ExecutorInfo\.command\.value does not have Marathon's "chmod ug\+rx '<path>' && exec '<path>' <cmd>" shape/);
      assert.match(error.message ?? "", /TaskInfo\.data is empty/);
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
      assert.deepEqual(statesOf(executor, "no-command"), ["TASK_ERROR"], "no TASK_STARTING for a task that cannot start");
      assert.equal(executor.updateLog.find((u) => u.status.state === "TASK_ERROR")?.ack, "sent", "it exited after the ack");
      await waitForLog(executor, "level=error", "invalid task", "task=no-command");
    }));

  test("Marathon's prefix without a command after it, TaskInfo.data not an app definition", () =>
    withBerth(
      { launch: { executorInfo: { command: { value: "chmod ug+rx '/opt/berth/bin/berth-executor' && exec '/opt/berth/bin/berth-executor'", shell: true } } } },
      async ({ executor }) => {
        executor.launch({ task_id: { value: "empty-app" }, data: Buffer.from('{"id":"/app","cpus":0.1}') });
        const error = await executor.waitForUpdate((s) => s.task_id.value === "empty-app", LONG);
        assert.deepEqual([error.state, error.reason], ["TASK_ERROR", "REASON_TASK_INVALID"]);
        assert.match(error.message ?? "", /has Marathon's prefix but no command after it/);
        assert.match(error.message ?? "", /TaskInfo\.data is not a Marathon app definition with cmd or args/);
        const exit = await executor.waitForExit(LONG);
        assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor));
      },
    ));
});

describe("a TaskInfo whose problems quote a huge value", () => {
  test("the TASK_ERROR message is cut at 4 KiB (the agent stores and forwards every update); the log has it all", () =>
    withBerth({}, async ({ executor }) => {
      // A huge name is quoted cut; thousands of bad names still make thousands of problems.
      const variables = [{ name: `X=${"y".repeat(256 * 1024)}`, value: "v" }, ...Array.from({ length: 3_000 }, (_, i) => ({ name: `BAD=${i}`, value: "v" }))];
      executor.launch({ task_id: { value: "huge" }, command: { value: "true", environment: { variables } } });
      const error = await executor.waitForUpdate((s) => s.task_id.value === "huge", LONG);
      assert.equal(error.state, "TASK_ERROR");
      assert.match(error.message ?? "", /^Invalid task: TaskInfo\.command\.environment\.variables\[0\]\.name "X=yyy/);
      assert.ok((error.message ?? "").length < 4_200, `a message of ${(error.message ?? "").length} characters`);
      const exit = await executor.waitForExit(LONG);
      assert.deepEqual([exit.code, exit.signal], [0, null], stderrOf(executor).slice(0, 2_000));
    }));
});

describe("events for tasks the executor does not have (injected raw by a faulty front of our agent simulator)", () => {
  for (const encoding of ENCODINGS) {
    test(`KILL for a task never launched: TASK_KILLED with REASON_TASK_UNKNOWN, the real task keeps running (${encoding})`, () =>
      withFront({ encoding }, async ({ executor, markers }, front) => {
        executor.launch(sleeper(markers, "t1"));
        const pid = await runningSleeper(executor, markers, "t1");
        // The agent refuses to kill a task it does not know, so the KILL goes in raw.
        await injectRaw(front, executor, framed({ type: "KILL", kill: { task_id: { value: "ghost" } } }, encoding));
        const answer = await executor.waitForCall((c) => c.call?.type === "UPDATE" && c.call.update?.status.task_id.value === "ghost", LONG);
        const status = answer.call?.update?.status;
        assert.deepEqual([status?.state, status?.reason, status?.source], ["TASK_KILLED", "REASON_TASK_UNKNOWN", "SOURCE_EXECUTOR"]);
        assert.equal(answer.status, 202);
        assert.equal(executor.updateLog.find((u) => u.status.task_id.value === "ghost")?.disposition, "unknown-task");
        await waitForLog(executor, "level=warn", "KILL for a task this executor never received", "task=ghost");
        assertAlive(executor, pid);
        assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING"]);
        assert.equal(subscribes(executor).length, 1, "no re-subscribe");
        await killAndExitCleanly(executor, "t1");
      }));
  }

  test("ACKNOWLEDGED for uuids it never sent: logged and ignored, the task and its updates stay unacknowledged (json)", () =>
    withFront({}, async ({ executor, markers }, front) => {
      executor.withholdAcks(true);
      executor.launch(sleeper(markers, "t1"));
      const pid = await runningSleeper(executor, markers, "t1");
      const sent = executor.updates("t1").map((u) => Buffer.from(u.status.uuid ?? []).toString("hex"));
      // A bogus ack for the running task, then one for a task it does not have; handled in that order.
      await injectRaw(front, executor, framed({ type: "ACKNOWLEDGED", acknowledged: { task_id: { value: "t1" }, uuid: newUuidBytes() } }, "json"));
      await injectRaw(front, executor, framed({ type: "ACKNOWLEDGED", acknowledged: { task_id: { value: "ghost" }, uuid: newUuidBytes() } }, "json"));
      await waitForLog(executor, "level=warn", "ignoring ACKNOWLEDGED for an update this executor does not hold", "task=t1");
      await waitForLog(executor, "level=warn", "ignoring ACKNOWLEDGED for an update this executor does not hold", "task=ghost");

      // The real acks are lost with the stream: the next SUBSCRIBE must still carry everything.
      executor.withholdAcks(false, { drop: true });
      executor.cutStream();
      await executor.waitForSubscribed({ count: 2, ...LONG });
      const again = carried(subscribes(executor)[1]);
      assert.deepEqual(again.tasks, ["t1"], "no real ack arrived, so the task is still unacknowledged");
      assert.deepEqual(
        again.updates.map((u) => [u.task, u.state, u.uuid]),
        [["t1", "TASK_STARTING", sent[0]], ["t1", "TASK_RUNNING", sent[1]]],
      );
      assertAlive(executor, pid);
      await killAndExitCleanly(executor, "t1");
    }));
});

describe("a duplicate LAUNCH of a running task (injected raw by a faulty front of our agent simulator)", () => {
  for (const encoding of ENCODINGS) {
    test(`is ignored and logged; the first task is unaffected (${encoding})`, () =>
      withFront({ encoding }, async ({ executor, markers }, front) => {
        const info = executor.launch(sleeper(markers, "t1"));
        const pid = await runningSleeper(executor, markers, "t1");
        // The agent refuses a second task with the same id; the copy would write another marker if it ran.
        const copy = { ...info, command: { value: `echo $$ > '${markers.file("copy")}'; exec sleep 600` } };
        await injectRaw(front, executor, framed({ type: "LAUNCH", launch: { task: copy } }, encoding));
        await waitForLog(executor, "level=warn", "ignoring a second LAUNCH for a known task", "task=t1");
        assertAlive(executor, pid);
        await killAndExitCleanly(executor, "t1");
        // Checked once the executor is gone, so that a late update for the copy (same task id) would be seen.
        assert.deepEqual(statesOf(executor, "t1"), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
        assert.equal(executor.calls.filter((c) => c.call?.type === "UPDATE").length, 3, "no update for the copy");
        assert.ok(!markers.exists("copy"), "the copy never ran");
        assert.equal(readFileSync(markers.file("t1"), "utf8").trim(), String(pid));
      }));
  }
});
