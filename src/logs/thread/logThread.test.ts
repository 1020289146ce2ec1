// LogThread runs a real worker thread (the compiled logThreadMain.js beside it) shipping to a json_lines receiver
// double.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startJsonLinesReceiver, type JsonLinesReceiver } from "../../../test/doubles/jsonLinesReceiver.js";
import { freePort } from "../../dev/freePort.js";
import type { LogFields, Logger, LogLevel } from "../../logger.js";
import { NO_LOG_LABELS } from "../logLabels.js";
import { parseSinkList } from "../ship/sinkConfig.js";
import { LogThread } from "./logThread.js";
import type { TaskLogPipelineOptions } from "./taskLogPipeline.js";
import { waitFor, withTimeout } from "../../../test/helpers/waitFor.js";

interface Entry {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

function recordingLogger(entries: Entry[]): Logger {
  const logger: Logger = { log: (level, message, fields = {}) => entries.push({ level, message, fields }), child: () => logger };
  return logger;
}

describe("LogThread (a real worker thread; a json_lines receiver double)", () => {
  let receiver: JsonLinesReceiver;
  const dir = mkdtempSync(join(tmpdir(), "berth-log-thread-"));
  before(async () => {
    receiver = await startJsonLinesReceiver();
  });
  after(async () => {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pipeline = (taskId: string, over: Partial<TaskLogPipelineOptions> = {}): TaskLogPipelineOptions => ({
    metadata: { "task-id": taskId },
    labels: NO_LOG_LABELS,
    maxLineBytes: 65536,
    dropKeys: [],
    sinks: parseSinkList(`tcp://127.0.0.1:${receiver.port}`),
    structuredOnly: false,
    spoolRoot: join(dir, taskId),
    ...over,
  });

  it("ships what is pushed, enriched, in order; finish delivers it all and reports the counters", async () => {
    const entries: Entry[] = [];
    const thread = new LogThread({ pipeline: pipeline("basic"), logger: recordingLogger(entries), bufferBytes: 1024 * 1024 });
    for (let i = 0; i < 1_000; i++) thread.push("stdout", Buffer.from(`{"msg":"line ${i}","i":${i}}\n`));
    thread.push("stderr", Buffer.from("an error\n"));
    thread.hookLine("consul", "registered");
    thread.end("stdout");
    thread.end("stderr");
    assert.deepEqual(await thread.finish(AbortSignal.timeout(20_000)), { complete: true, dropped: 0 });
    const events = receiver.events.filter((e) => e["task-id"] === "basic");
    assert.deepEqual(events.filter((e) => e.stream === "stdout").map((e) => e.i), Array.from({ length: 1_000 }, (_, i) => i));
    assert.deepEqual(events.filter((e) => e.stream !== "stdout").map((e) => e.message).sort(), ["an error", "registered"]);
    const counters = thread.counters();
    assert.equal(counters.ship_shipped, 1_002);
    assert.equal(counters.log_thread_failed, 0);
    assert.deepEqual(entries.filter((e) => e.level === "error"), []);
  });

  it("a task writing faster than lines are parsed: congested beyond the buffer, drained() once there is room, every line delivered", async () => {
    const thread = new LogThread({ pipeline: pipeline("burst"), logger: recordingLogger([]), bufferBytes: 1024 * 1024 });
    const line = (i: number): string => `{"msg":"burst ${String(i).padStart(8, "0")} ${"x".repeat(150)}"}\n`;
    const perChunk = 300;
    const chunks = 100; // 30,000 lines, ~5 MB: five times the buffer
    let congested = 0;
    for (let c = 0; c < chunks; c++) {
      let text = "";
      for (let i = c * perChunk; i < (c + 1) * perChunk; i++) text += line(i);
      thread.push("stdout", Buffer.from(text));
      if (thread.congested) {
        congested++;
        await withTimeout(thread.drained(), 20_000, "the log thread to drain");
        assert.equal(thread.congested, false);
      }
    }
    assert.ok(congested > 0, "the buffer's bound was reached");
    thread.end("stdout");
    assert.deepEqual(await thread.finish(AbortSignal.timeout(30_000)), { complete: true, dropped: 0 });
    const got = receiver.events.filter((e) => e["task-id"] === "burst");
    assert.equal(got.length, chunks * perChunk);
    assert.ok(got.every((e, i) => e.message === line(i).slice(8, -3)), "in order, intact");
  });

  it("with a disk backlog, a burst five times the buffer never makes the task wait, and arrives whole and in order (the last line without newline last)", async () => {
    const thread = new LogThread({ pipeline: pipeline("backlog"), logger: recordingLogger([]), bufferBytes: 1024 * 1024, backlog: { dir: join(dir, "backlog-disk"), maxBytes: 64 * 1024 * 1024 } });
    const line = (i: number): string => `{"msg":"burst ${String(i).padStart(8, "0")} ${"y".repeat(150)}"}\n`;
    const perChunk = 300;
    const chunks = 100;
    for (let c = 0; c < chunks; c++) {
      let text = "";
      for (let i = c * perChunk; i < (c + 1) * perChunk; i++) text += line(i);
      thread.push("stdout", Buffer.from(text));
      assert.equal(thread.congested, false, "the task never waits while the disk takes its output");
    }
    thread.push("stdout", Buffer.from("the end without newline"));
    thread.end("stdout");
    assert.ok((thread.counters().log_backlog_written_bytes ?? 0) > 0, "some of it waited on disk");
    assert.deepEqual(await thread.finish(AbortSignal.timeout(30_000)), { complete: true, dropped: 0 });
    const got = receiver.events.filter((e) => e["task-id"] === "backlog").map((e) => e.message);
    assert.equal(got.length, chunks * perChunk + 1);
    assert.ok(got.slice(0, -1).every((m, i) => m === line(i).slice(8, -3)), "in order, intact");
    assert.equal(got.at(-1), "the end without newline");
    assert.equal(thread.counters().log_thread_lost_bytes, 0);
  });

  it("with a small disk backlog, the task waits once both bounds are reached, and nothing is lost", async () => {
    const thread = new LogThread({ pipeline: pipeline("both-bounds"), logger: recordingLogger([]), bufferBytes: 1024 * 1024, backlog: { dir: join(dir, "small-disk"), maxBytes: 1024 * 1024 } });
    let congested = 0;
    for (let c = 0; c < 100; c++) {
      thread.push("stdout", Buffer.from(Array.from({ length: 300 }, (_, i) => `{"n":${c * 300 + i},"msg":"${"z".repeat(150)}"}\n`).join("")));
      if (thread.congested) {
        congested++;
        await withTimeout(thread.drained(), 20_000, "room again");
      }
    }
    assert.ok(congested > 0, "both bounds were reached");
    thread.end("stdout");
    assert.deepEqual(await thread.finish(AbortSignal.timeout(30_000)), { complete: true, dropped: 0 });
    const got = receiver.events.filter((e) => e["task-id"] === "both-bounds").map((e) => e.n);
    assert.deepEqual(got, Array.from({ length: 30_000 }, (_, i) => i));
  });

  it("output still on disk at the deadline is counted (it is in the sandbox files) and the backlog's files are removed", async () => {
    const port = await freePort(); // nobody listens: the log thread's sink queue fills, then its spool, and parsing goes on
    const entries: Entry[] = [];
    const backlogDir = join(dir, "deadline-disk");
    const thread = new LogThread({
      pipeline: pipeline("deadline", { sinks: parseSinkList(`tcp://127.0.0.1:${port}?memory=1MiB&spool=0`) }),
      logger: recordingLogger(entries),
      bufferBytes: 1024 * 1024,
      backlog: { dir: backlogDir, maxBytes: 256 * 1024 * 1024 },
    });
    const chunk = Buffer.from(`${"x".repeat(199)}\n`.repeat(5_000)); // 1 MB
    for (let c = 0; c < 64; c++) thread.push("stdout", chunk);
    thread.end("stdout");
    const result = await withTimeout(thread.finish(AbortSignal.timeout(50)), 10_000, "finish at its deadline");
    assert.equal(result.complete, false);
    const lost = thread.counters().log_thread_lost_bytes ?? 0;
    assert.ok(lost > 0 && lost <= 64 * chunk.length, `lost ${lost}`);
    assert.ok(entries.some((e) => e.level === "warn" && e.message.startsWith("output of the task not parsed before the deadline")), JSON.stringify(entries));
    assert.deepEqual(readdirSync(backlogDir), []);
  });

  it("a sink that is down: finish gives up at the caller's deadline, counting what is left as dropped", async () => {
    const port = await freePort(); // nobody listens
    const thread = new LogThread({ pipeline: pipeline("down", { sinks: parseSinkList(`tcp://127.0.0.1:${port}`) }), logger: recordingLogger([]), bufferBytes: 1024 * 1024 });
    for (let i = 0; i < 10; i++) thread.push("stdout", Buffer.from(`line ${i}\n`));
    thread.end("stdout");
    const result = await withTimeout(thread.finish(AbortSignal.timeout(300)), 10_000, "finish past its deadline");
    assert.equal(result.complete, false);
    assert.equal(result.dropped, 10);
    assert.equal(thread.counters().ship_dropped_shutdown, 10);
  });

  it("a log thread never finished does not hold the process: it exits once nothing else runs (a real child process)", async () => {
    const url = (name: string): string => new URL(name, import.meta.url).href;
    const script = `
      import { LogThread } from ${JSON.stringify(url("./logThread.js"))};
      import { NO_LOG_LABELS } from ${JSON.stringify(url("../logLabels.js"))};
      import { silentLogger } from ${JSON.stringify(url("../../logger.js"))};
      const thread = new LogThread({ pipeline: ${JSON.stringify({ ...pipeline("unfinished"), sinks: [] })}, logger: silentLogger, bufferBytes: 1048576 });
      thread.push("stdout", Buffer.from("a line\\n"));
      // Alive until the log thread has shipped the line (it works), then nothing of this script holds the process.
      const poll = setInterval(() => { if (thread.counters().ship_shipped >= 1) clearInterval(poll); }, 20);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script.replace('"sinks":[]', `"sinks":${JSON.stringify(parseSinkList(`tcp://127.0.0.1:${receiver.port}`))}`)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await withTimeout(once(child, "exit"), 10_000, "the child to exit by itself").catch((error: unknown) => {
      child.kill("SIGKILL");
      throw error;
    })) as [number | null];
    assert.equal(code, 0, stderr);
    assert.ok(receiver.events.some((e) => e["task-id"] === "unfinished"), "the log thread was alive and shipped the line");
  });

  it("finish() holds the process until the log thread has answered, with nothing else running (a real child process, as under berth run)", async () => {
    const url = (name: string): string => new URL(name, import.meta.url).href;
    const options = { ...pipeline("finishing"), sinks: parseSinkList(`tcp://127.0.0.1:${receiver.port}`) };
    const script = `
      import { LogThread } from ${JSON.stringify(url("./logThread.js"))};
      import { silentLogger } from ${JSON.stringify(url("../../logger.js"))};
      const thread = new LogThread({ pipeline: ${JSON.stringify(options)}, logger: silentLogger, bufferBytes: 1048576 });
      thread.push("stdout", Buffer.from("the last words\\n"));
      thread.end("stdout");
      // AbortSignal.timeout does not hold the process: only the log thread's answer can end this await.
      const result = await thread.finish(AbortSignal.timeout(10000));
      process.stdout.write(JSON.stringify(result));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await withTimeout(once(child, "exit"), 20_000, "the child to exit").catch((error: unknown) => {
      child.kill("SIGKILL");
      throw error;
    })) as [number | null];
    assert.equal(code, 0, `exit ${code} (13: the await never settled)\n${stderr}`);
    assert.deepEqual(JSON.parse(stdout), { complete: true, dropped: 0 });
    assert.deepEqual(receiver.events.filter((e) => e["task-id"] === "finishing").map((e) => e.message), ["the last words"]);
  });

  it("a log thread that fails is reported once; the caller is never held and finish still resolves", async () => {
    const entries: Entry[] = [];
    // Metadata that is not an object makes the pipeline's constructor throw inside the worker.
    const thread = new LogThread({ pipeline: pipeline("broken", { metadata: null as never }), logger: recordingLogger(entries), bufferBytes: 1024 * 1024 });
    const failed = (): Entry[] => entries.filter((e) => e.message.startsWith("the log thread failed"));
    await waitFor(() => failed().length > 0, { timeoutMs: 10_000, what: "the failure to be reported" });
    for (let i = 0; i < 100; i++) thread.push("stdout", Buffer.alloc(64 * 1024, 0x61));
    assert.equal(thread.congested, false, "pushes are dropped on this side, never held");
    assert.deepEqual(await withTimeout(thread.finish(AbortSignal.timeout(5_000)), 10_000, "finish"), { complete: false, dropped: 0 });
    assert.equal(failed().length, 1);
    assert.equal(failed()[0]!.level, "error");
    assert.equal(thread.counters().log_thread_failed, 1);
    assert.equal(thread.counters().log_thread_lost_bytes, 100 * 64 * 1024, "counted, not silently lost");
  });
});
