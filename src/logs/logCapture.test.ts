import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { withTimeout } from "../../test/helpers/waitFor.js";
import type { Logger, LogLevel } from "../logger.js";
import { encodeJsonLine } from "./jsonLinesEncoder.js";
import { LogCapture, type LogCaptureOptions } from "./logCapture.js";
import type { LogEvent } from "./logEvent.js";
import { readStream } from "./readStream.js";
import { SandboxFile } from "./sandboxFile.js";
import { taskLogMetadata } from "./taskLogMetadata.js";

const root = mkdtempSync(join(tmpdir(), "berth-log-capture-"));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

const metadata = taskLogMetadata({ taskId: "task-1", executorId: "exec-1", frameworkId: "fw", scId: "17", appName: "/app" }, { MESOS_HOSTNAME: "agent-9", CLOUD_REGION: "eu" });

function shell(script: string, extraPipes = 0): ChildProcess & { stdout: Readable; stderr: Readable } {
  const child = spawn("/bin/sh", ["-c", script], { stdio: ["pipe", "pipe", "pipe", ...Array<"pipe">(extraPipes).fill("pipe")] });
  children.push(child);
  return child as ChildProcess & { stdout: Readable; stderr: Readable };
}

function capture(stream: "stdout" | "stderr", extra: Partial<LogCaptureOptions> = {}): { capture: LogCapture; events: LogEvent[] } {
  const events: LogEvent[] = [];
  return { capture: new LogCapture({ stream, metadata, onEvent: (event) => events.push(event), ...extra }), events };
}

/** As TaskLogs reads a task's pipe: every chunk to the sandbox file (at its pace) and to the capture. */
async function withSandbox(target: LogCapture, source: Readable, file: SandboxFile): Promise<void> {
  await readStream(
    source,
    (chunk) => {
      file.write(chunk);
      target.push(chunk);
    },
    { downstream: [file] },
  );
  target.end();
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));

describe("LogCapture (real processes)", () => {
  it("a task's stdout and stderr: JSON, logfmt and text lines become enriched events; the sandbox files get the raw bytes", async () => {
    const stdoutFile = new SandboxFile({ path: join(root, "stdout") });
    const stderrFile = new SandboxFile({ path: join(root, "stderr") });
    const out = capture("stdout");
    const err = capture("stderr");
    const child = shell(`printf '%s\\n' '{"msg":"json line","scid":"forged","n":1}' 'level=info msg="logfmt line" k=v' 'plain line'; printf 'oops\\r\\n' >&2`);
    await withTimeout(Promise.all([withSandbox(out.capture, child.stdout, stdoutFile), withSandbox(err.capture, child.stderr, stderrFile)]), 15_000, "the task's streams to end");
    await Promise.all([stdoutFile.close(), stderrFile.close()]);
    assert.deepEqual(
      out.events.map((e) => [e.message, e.stream, e.fields.scid, e.fields.srchost, e.fields.n, e.fields.k]),
      [["json line", "stdout", 17, "agent-9", 1, undefined], ["logfmt line", "stdout", 17, "agent-9", undefined, "v"], ["plain line", "stdout", 17, "agent-9", undefined, undefined]],
    );
    assert.deepEqual(err.events.map((e) => [e.message, e.stream, e.fields.stream]), [["oops", "stderr", "stderr"]]);
    assert.equal(readFileSync(join(root, "stdout"), "utf8"), '{"msg":"json line","scid":"forged","n":1}\nlevel=info msg="logfmt line" k=v\nplain line\n');
    assert.equal(readFileSync(join(root, "stderr"), "utf8"), "oops\r\n");
    const record = JSON.parse(encodeJsonLine(out.events[0] as LogEvent).toString());
    assert.equal(record["instance-id"], "exec-1");
    assert.equal(record.message, "json line");
  });

  it("a task that closes its stdout early: the capture ends while the task still runs", async () => {
    const out = capture("stdout");
    const child = shell("echo one; exec 1>&-; read go; echo two >&2");
    await withTimeout(out.capture.consume(child.stdout), 15_000, "stdout to end");
    assert.equal(child.exitCode, null);
    assert.deepEqual(out.events.map((e) => e.message), ["one"]);
    const err = capture("stderr");
    const errDone = err.capture.consume(child.stderr);
    (child.stdin as Writable).end("go\n");
    await withTimeout(errDone, 15_000, "stderr to end");
    assert.deepEqual(err.events.map((e) => e.message), ["two"]);
  });

  it("children that write after the task's leader exited are captured; the capture ends when the last writer closes", async () => {
    const out = capture("stdout");
    let done = false;
    const child = shell("(read go <&3; echo late) & echo early", 1);
    const consumed = out.capture.consume(child.stdout).then(() => (done = true));
    await withTimeout(exited(child), 15_000, "the leader to exit");
    assert.equal(done, false);
    (child.stdio[3] as Writable).end("go\n");
    await withTimeout(consumed, 15_000, "stdout to end");
    assert.deepEqual(out.events.map((e) => e.message), ["early", "late"]);
  });

  it("a 10 MB line with no newline: one truncated event, the sandbox file gets all of it, the next line is whole", async () => {
    const file = new SandboxFile({ path: join(root, "big"), maxBytes: 0 });
    const out = capture("stdout");
    const child = shell("head -c 10485760 /dev/zero | tr '\\0' x; printf '\\nafter\\n'");
    await withTimeout(withSandbox(out.capture, child.stdout, file), 60_000, "stdout to end");
    await file.close();
    assert.deepEqual(out.events.map((e) => [e.message.length, e.truncated]), [[64 * 1024, true], [5, false]]);
    assert.equal(out.events[1]?.message, "after");
    const counters = out.capture.counters;
    assert.deepEqual([counters.lines, counters.truncatedLines, counters.droppedBytes, counters.bytes], [2, 1, 10485760 - 64 * 1024, 10485760 + 7]);
    assert.equal(file.counters.writtenBytes, 10485760 + 7);
  });

  it("invalid UTF-8 and binary output: replacement characters, counted, no crash", async () => {
    const out = capture("stdout");
    const child = shell("printf 'a\\377\\376b\\000c\\n\\303'");
    await withTimeout(out.capture.consume(child.stdout), 15_000, "stdout to end");
    assert.deepEqual(out.events.map((e) => e.message), ["a\uFFFD\uFFFDb\u0000c", "\uFFFD"]);
    assert.equal(out.capture.counters.invalidUtf8, 3);
  });

  it("a throwing consumer: counted, logged once, the other events still delivered", async () => {
    const entries: { level: LogLevel; message: string }[] = [];
    const logger: Logger = { log: (level, message) => entries.push({ level, message }), child: () => logger };
    const messages: string[] = [];
    const capture = new LogCapture({
      stream: "stdout",
      metadata,
      logger,
      onEvent: (event) => {
        messages.push(event.message);
        if (event.message !== "ok") throw new Error("consumer bug");
      },
    });
    const child = shell("printf 'bad1\\nok\\nbad2\\n'");
    await withTimeout(capture.consume(child.stdout), 15_000, "stdout to end");
    assert.deepEqual(messages, ["bad1", "ok", "bad2"]);
    assert.equal(capture.counters.callbackErrors, 2);
    assert.equal(entries.length, 1);
  });

  it("structuredOnly (log-scraping without log-scraping-all): plain lines only go to the sandbox file, a cut JSON line is still shipped", () => {
    const out = capture("stdout", { structuredOnly: true, maxLineBytes: 16 });
    out.capture.push(Buffer.from('plain\n{"msg":"kept"}\na=b\n{"msg":"much too long for 16"}\n'));
    out.capture.end();
    assert.deepEqual(out.events.map((e) => [e.message, e.truncated]), [["kept", false], ["", false], ['{"msg":"much too', true]]);
    assert.equal(out.capture.counters.skippedLines, 1);
  });

  it("joins stack traces when asked, and flushes the last record at the end of the stream", () => {
    const out = capture("stderr", { multiline: { pattern: /^\s/ } });
    out.capture.push(Buffer.from("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad\n  more"));
    out.capture.end();
    assert.deepEqual(out.events.map((e) => e.message), ['Traceback (most recent call last):\n  File "x.py", line 1', "ValueError: bad\n  more"]);
    assert.equal(out.capture.counters.joinedLines, 2);
  });

  it("a stack trace followed by silence is passed on after flushAfterMs, while the stream is still open", async () => {
    let resolveEvent: (event: LogEvent) => void = () => undefined;
    const first = new Promise<LogEvent>((resolve) => (resolveEvent = resolve));
    const capture = new LogCapture({ stream: "stderr", metadata, multiline: { pattern: /^\s/, flushAfterMs: 50 }, onEvent: (event) => resolveEvent(event) });
    const child = shell("printf 'Exception: boom\\n\\tat a.b(C.java:1)\\n' >&2; read go");
    const consumed = capture.consume(child.stderr);
    const event = await withTimeout(first, 15_000, "the joined record");
    assert.equal(event.message, "Exception: boom\n\tat a.b(C.java:1)");
    assert.equal(child.exitCode, null);
    (child.stdin as Writable).end("go\n");
    await withTimeout(consumed, 15_000, "stderr to end");
    assert.equal(capture.counters.events, 1);
  });

  it("hook output: whole lines with the hook's name", () => {
    const out = capture("stdout", {});
    const hook = new LogCapture({ stream: "hook", hook: "warm-up", metadata, onEvent: (event) => out.events.push(event) });
    hook.pushLine("warmed 10 paths");
    hook.pushLine('{"msg":"structured","n":2}');
    hook.end();
    assert.deepEqual(out.events.map((e) => [e.stream, e.fields.hook, e.fields.stream, e.message]), [["hook", "warm-up", "hook", "warmed 10 paths"], ["hook", "warm-up", "hook", "structured"]]);
  });

  it("an abort stops reading and destroys the pipe, even while a leftover process holds it open", async () => {
    const out = capture("stdout");
    const child = shell("echo hi; exec sleep 600");
    const controller = new AbortController();
    const first = new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const consumed = out.capture.consume(child.stdout, controller.signal);
    await withTimeout(first, 15_000, "the first line");
    controller.abort();
    await withTimeout(consumed, 15_000, "the capture to end");
    assert.equal(child.stdout.destroyed, true);
    assert.deepEqual(out.events.map((e) => e.message), ["hi"]);
    if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    await withTimeout(exited(child), 15_000, "the leftover to die");
  });
});
