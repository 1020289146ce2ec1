import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import type { Logger, LogLevel } from "../logger.js";
import { SandboxFile } from "./sandboxFile.js";

const root = mkdtempSync(join(tmpdir(), "berth-sandbox-file-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  return dir;
};

function recordingLogger(): { logger: Logger; entries: { level: LogLevel; message: string }[] } {
  const entries: { level: LogLevel; message: string }[] = [];
  const logger: Logger = { log: (level, message) => entries.push({ level, message }), child: () => logger };
  return { logger, entries };
}

describe("SandboxFile", () => {
  it("writes every raw byte in order, binary included, appending to what the file had", async () => {
    const path = join(freshDir(), "stdout");
    closeSync(openSync(path, "w"));
    writeSync(openSync(path, "a"), "before\n");
    const file = new SandboxFile({ path });
    const chunks = [Buffer.from("a\n"), Buffer.from([0xff, 0x00, 0x0a]), Buffer.from("no newline at the end")];
    for (const chunk of chunks) file.write(chunk);
    await file.close();
    assert.deepEqual(readFileSync(path), Buffer.concat([Buffer.from("before\n"), ...chunks]));
    assert.equal(file.counters.writtenBytes, file.counters.receivedBytes);
    assert.equal(file.counters.droppedBytes, 0);
  });

  it("rotates by copy-truncate, keeping N files; a writer holding the file open O_APPEND (the agent's fd 1) stays on the live file", async () => {
    const path = join(freshDir(), "stdout");
    const file = new SandboxFile({ path, maxBytes: 100, keep: 2 });
    // Opened as the agent opens the executor's stdout, before any rotation.
    const agentFd = openSync(path, "a");
    const lines: string[] = [];
    for (let i = 0; i < 11; i++) {
      const line = `line ${String(i).padStart(2, "0")} ${"x".repeat(32)}\n`; // 41 bytes
      lines.push(line);
      file.write(Buffer.from(line));
      await file.flush();
    }
    // Rotated after lines 2, 5 and 8 (3 × 41 bytes ≥ 100).
    assert.equal(file.counters.rotations, 3);
    assert.equal(existsSync(`${path}.3`), false);
    writeSync(agentFd, "from the agent's fd\n");
    closeSync(agentFd);
    await file.close();
    const live = readFileSync(path, "utf8");
    assert.equal(live, `${lines.slice(9).join("")}from the agent's fd\n`);
    assert.equal(readFileSync(`${path}.1`, "utf8"), lines.slice(6, 9).join(""));
    assert.equal(readFileSync(`${path}.2`, "utf8"), lines.slice(3, 6).join(""));
  });

  it("through the executor's own fd when it is the sandbox file: rotates it, never closes it", async () => {
    const path = join(freshDir(), "stdout");
    const executorFd = openSync(path, "a");
    const file = new SandboxFile({ path, fd: executorFd, maxBytes: 20, keep: 1 });
    file.write(Buffer.from("0123456789012345678901\n"));
    await file.flush();
    file.write(Buffer.from("after rotation\n"));
    await file.close();
    writeSync(executorFd, "the fd is still open\n");
    closeSync(executorFd);
    assert.equal(file.counters.rotations, 1);
    assert.equal(readFileSync(`${path}.1`, "utf8"), "0123456789012345678901\n");
    assert.equal(readFileSync(path, "utf8"), "after rotation\nthe fd is still open\n");
  });

  it("through the executor's own fd when it is a pipe (a logger module, berth dev): every byte to the reader, no rotation", async () => {
    const dir = freshDir();
    const fifo = join(dir, "fifo");
    const received = join(dir, "received");
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("/bin/sh", ["-c", 'exec cat "$0" > "$1"', fifo, received], { stdio: "ignore" });
    const readerDone = new Promise<void>((resolve) => reader.once("exit", () => resolve()));
    const pipeFd = openSync(fifo, "w");
    const file = new SandboxFile({ path: join(dir, "stdout"), fd: pipeFd, maxBytes: 10, keep: 1 });
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} through the pipe\n`);
    for (const line of lines) file.write(Buffer.from(line));
    await file.close();
    closeSync(pipeFd);
    await withTimeout(readerDone, 15_000, "the pipe's reader to finish");
    assert.equal(readFileSync(received, "utf8"), lines.join(""));
    assert.equal(file.counters.rotations, 0);
    assert.equal(existsSync(join(dir, "stdout")), false);
  });

  it("keep 0 only truncates", async () => {
    const path = join(freshDir(), "stderr");
    const file = new SandboxFile({ path, maxBytes: 10, keep: 0 });
    file.write(Buffer.from("0123456789\n"));
    await file.flush();
    file.write(Buffer.from("after\n"));
    await file.close();
    assert.equal(readFileSync(path, "utf8"), "after\n");
    assert.equal(existsSync(`${path}.1`), false);
  });

  it("holds a partial line back, so that Berth's own line lands between task lines, and releases it when it stays partial", async () => {
    const path = join(freshDir(), "stderr");
    const file = new SandboxFile({ path, holdPartialMs: 30 });
    file.write(Buffer.from("task line 1\ntask li"));
    file.writeLine("berth: ts=… level=warn msg=diagnostic");
    file.write(Buffer.from("ne 2\n"));
    file.write(Buffer.from("a progress bar without newline"));
    await waitFor(() => readFileSync(path, "utf8").endsWith("without newline"), { what: "the held partial line to be written" });
    await file.close();
    assert.equal(readFileSync(path, "utf8"), "task line 1\nberth: ts=… level=warn msg=diagnostic\ntask line 2\na progress bar without newline");
  });

  it("a line written to the same file through another O_APPEND fd (Berth's stderr under Mesos) never lands inside a task line", async () => {
    const path = join(freshDir(), "stderr");
    const file = new SandboxFile({ path, coalesceMs: 0 });
    const berthFd = openSync(path, "a");
    for (let i = 0; i < 50; i++) {
      file.write(Buffer.from(`task line ${i} first half `));
      writeSync(berthFd, `berth: diagnostic ${i}\n`);
      file.write(Buffer.from(`second half ${i}\n`));
      await file.flush();
    }
    closeSync(berthFd);
    await file.close();
    const lines = readFileSync(path, "utf8").split("\n").slice(0, -1);
    assert.equal(lines.length, 100);
    for (let i = 0; i < 50; i++) {
      assert.ok(lines.includes(`task line ${i} first half second half ${i}`), `task line ${i} whole`);
      assert.ok(lines.includes(`berth: diagnostic ${i}`), `diagnostic ${i} whole`);
    }
  });

  it("a sandbox that is not writable: one clear error, bytes counted as dropped, nothing thrown; it works once the directory exists", async () => {
    const dir = join(freshDir(), "missing");
    const path = join(dir, "stdout");
    const { logger, entries } = recordingLogger();
    const file = new SandboxFile({ path, logger, retryAfterMs: 20, maxQueuedBytes: 10 });
    for (let i = 0; i < 5; i++) file.write(Buffer.from("12345\n"));
    await file.flush();
    const errors = entries.filter((e) => e.level === "error");
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? "", /cannot open .*missing\/stdout: ENOENT/);
    assert.ok(file.counters.droppedBytes >= 18, `dropped ${file.counters.droppedBytes}`);
    mkdirSync(dir);
    await waitFor(() => existsSync(path) && readFileSync(path, "utf8").length > 0, { what: "the retry to write the queued bytes" });
    // The bound counts bytes in flight too: let the retry's write finish before more come.
    await file.flush();
    file.write(Buffer.from("later\n"));
    await file.close();
    assert.ok(readFileSync(path, "utf8").endsWith("later\n"), `${JSON.stringify(readFileSync(path, "utf8"))} ${JSON.stringify(file.counters)}`);
    assert.ok(entries.some((e) => e.level === "info" && /writable again/.test(e.message)));
    assert.equal(entries.filter((e) => e.level === "error").length, 1);
  });

  it("a full disk (/dev/full): reported once, queued up to the bound, the rest dropped and counted, flush and close do not hang", async () => {
    const { logger, entries } = recordingLogger();
    const file = new SandboxFile({ path: "/dev/full", logger, maxQueuedBytes: 64, retryAfterMs: 10 });
    for (let i = 0; i < 50; i++) file.write(Buffer.from(`line ${i}\n`));
    await file.flush();
    await waitFor(() => file.counters.errors >= 3, { what: "retries against the full disk" });
    await file.close();
    assert.equal(entries.filter((e) => e.level === "error").length, 1);
    assert.match(entries[0]?.message ?? "", /cannot write \/dev\/full: ENOSPC/);
    assert.equal(file.counters.writtenBytes, 0);
    assert.equal(file.counters.droppedBytes, file.counters.receivedBytes);
  });
});

describe("SandboxFile: congestion (its reader waits for the disk instead of losing bytes)", () => {
  it("congested once half the queue's bound waits; drained() resolves when the disk caught up; nothing dropped", async () => {
    const file = new SandboxFile({ path: join(root, "congested"), maxQueuedBytes: 64 * 1024, coalesceMs: 1_000 });
    assert.equal(file.congested, false);
    await file.drained();
    file.write(Buffer.alloc(40 * 1024, 0x61));
    file.write(Buffer.from("\n"));
    assert.equal(file.congested, true, "40 KiB of a 64 KiB bound wait");
    await withTimeout(file.drained(), 10_000, "the file to drain");
    assert.equal(file.congested, false);
    await file.close();
    assert.equal(file.counters.droppedBytes, 0);
    assert.equal(readFileSync(join(root, "congested")).length, 40 * 1024 + 1);
  });

  it("a failing file is never congested (its bytes are dropped and counted at the bound, the task is not held)", async () => {
    const file = new SandboxFile({ path: join(root, "missing-dir", "stdout"), maxQueuedBytes: 64 * 1024, logger: silentTestLogger });
    file.write(Buffer.alloc(40 * 1024, 0x61));
    file.write(Buffer.from("\n"));
    assert.equal(file.congested, false);
    await withTimeout(file.drained(), 1_000, "drained() at once");
    await file.close();
  });
});

const silentTestLogger: Logger = { log: () => undefined, child: () => silentTestLogger };
