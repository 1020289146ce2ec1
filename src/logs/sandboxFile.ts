// The sandbox's `stdout` / `stderr` file of a task (what operators read in the Mesos UI): every raw byte the task
// wrote, in order, with size-based rotation. Writes are asynchronous and never block the caller: bytes queue in
// memory up to a bound while the disk is slow (beyond it they are dropped and counted), and a file that cannot be
// written (sandbox not writable, disk full) is reported once, counted, and retried, never thrown at the caller.
//
// Rotation is copy-truncate (`stdout` → `stdout.1` … `stdout.<keep>`, then `stdout` truncated to 0), not rename:
// under the real Mesos agent the executor's own fd 1 and 2 ARE these files, opened O_APPEND by the agent. After a
// rename those fds would keep writing into `stdout.1`, then into an unlinked file that still fills the disk; with
// copy-truncate every O_APPEND writer simply continues at the new end of the live file. The copy and the truncate run
// synchronously in one turn of the event loop with no write of ours in flight, so no write from this process (Berth's
// own diagnostics are synchronous writes to fd 2) can fall between them.
//
// Whole lines: bytes after the last newline of what arrived are held back (at most holdPartialBytes, for at most
// holdPartialMs) until their newline comes, so every write ends at a line boundary and a line Berth writes to the same
// file (its diagnostics on fd 2, or writeLine) never lands in the middle of a task line.
import { closeSync, copyFileSync, fstatSync, ftruncateSync, openSync, renameSync, statSync, writev, type Stats } from "node:fs";
import { BerthError } from "../berthError.js";
import type { Logger } from "../logger.js";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";

/** Mesos' default for the sandbox logs' rotation (logrotate's max_stdout_size / max_stderr_size): 10 MB. */
export const DEFAULT_SANDBOX_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated files kept (`stdout.1` … `stdout.9`): ten files, at most 100 MB per stream, as Nomad's default. */
export const DEFAULT_SANDBOX_KEEP = 9;

export class SandboxFileError extends BerthError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("SANDBOX_FILE", message, options);
  }
}

export interface SandboxFileOptions {
  /** The sandbox file (`<sandbox>/stdout`); rotated copies are `<path>.1` …. */
  readonly path: string;
  /**
   * Write through this already open descriptor instead of opening `path` (the executor's own fd 1 or 2: under the
   * Mesos agent's default logger it IS `path`, opened O_APPEND; under a logger module or `berth dev` it is a pipe
   * to whoever writes the file). Rotation then happens only when the descriptor is `path` itself (same device and
   * inode); otherwise the reader of the pipe owns the files. The descriptor is never closed here.
   */
  readonly fd?: number;
  /** Rotate once the file reaches this size (default DEFAULT_SANDBOX_MAX_BYTES; 0: never rotate). */
  readonly maxBytes?: number;
  /** Rotated files kept (default DEFAULT_SANDBOX_KEEP; 0: the file is only truncated). */
  readonly keep?: number;
  /** Bytes queued or being written while the disk is slow or failing, beyond which new bytes are dropped (default 8 MiB). */
  readonly maxQueuedBytes?: number;
  /** Longest held-back partial line (default 64 KiB) and longest hold (default 1000 ms). */
  readonly holdPartialBytes?: number;
  readonly holdPartialMs?: number;
  /**
   * Small writes wait up to this long (default 10 ms) to be written together: one write per batch instead of one per
   * read of the task's pipe (at 10,000 lines/s in small reads, a third of the capture's CPU). 0: write at once.
   */
  readonly coalesceMs?: number;
  /** After a failed open or write, try again after this long (default 5000 ms). */
  readonly retryAfterMs?: number;
  /** Where problems are reported: once per failure (not per write), and once when the file works again. */
  readonly logger?: Logger;
}

export interface SandboxFileCounters {
  /** Bytes given to write()/writeLine(). */
  receivedBytes: number;
  /** Bytes written to the file. */
  writtenBytes: number;
  /** Bytes dropped: the queue bound was reached while the file was slow or failing. */
  droppedBytes: number;
  /** Failed opens, writes and rotations. */
  errors: number;
  rotations: number;
}

const NEWLINE = 0x0a;
/** A batch this big is written without waiting for more. */
const COALESCE_BYTES = 64 * 1024;

export class SandboxFile {
  readonly counters: SandboxFileCounters = { receivedBytes: 0, writtenBytes: 0, droppedBytes: 0, errors: 0, rotations: 0 };
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #maxQueued: number;
  readonly #holdBytes: number;
  readonly #holdMs: number;
  readonly #retryAfterMs: number;
  readonly #coalesceMs: number;
  #coalesce: LongTimer | undefined;
  readonly #logger: Logger | undefined;

  #fd: number | undefined;
  readonly #givenFd: number | undefined;
  /** Whether this writer rotates (it writes `path` itself). */
  #rotates = true;
  #size = 0;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #partialTimer: LongTimer | undefined;
  #writing = false;
  /** Set while the file is failing: no write is tried before the retry timer. */
  #failure: LongTimer | undefined;
  #closed = false;
  #idle: (() => void)[] = [];
  #drainWaiters: (() => void)[] = [];

  constructor({
    path,
    fd,
    maxBytes = DEFAULT_SANDBOX_MAX_BYTES,
    keep = DEFAULT_SANDBOX_KEEP,
    maxQueuedBytes = 8 * 1024 * 1024,
    holdPartialBytes = 64 * 1024,
    holdPartialMs = 1000,
    retryAfterMs = 5000,
    coalesceMs = 10,
    logger,
  }: SandboxFileOptions) {
    for (const [name, value] of [["maxBytes", maxBytes], ["keep", keep], ["maxQueuedBytes", maxQueuedBytes], ["holdPartialBytes", holdPartialBytes]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
    }
    this.path = path;
    this.#givenFd = fd;
    this.#maxBytes = maxBytes;
    this.#keep = keep;
    this.#maxQueued = maxQueuedBytes;
    this.#holdBytes = holdPartialBytes;
    this.#holdMs = holdPartialMs;
    this.#retryAfterMs = retryAfterMs;
    this.#coalesceMs = coalesceMs;
    this.#logger = logger;
    this.#open();
  }

  /** Raw bytes of the task's stream, in order. Never throws, never waits. */
  write(chunk: Buffer): void {
    if (this.#closed || chunk.length === 0) return;
    this.counters.receivedBytes += chunk.length;
    const newline = chunk.lastIndexOf(NEWLINE);
    if (newline === -1) {
      this.#partial.push(chunk);
      this.#partialBytes += chunk.length;
      if (this.#partialBytes > this.#holdBytes) this.#releasePartial();
      else this.#partialTimer ??= setLongTimeout(() => this.#releasePartial(), this.#holdMs).unref();
    } else {
      if (this.#partialBytes > 0) this.#releasePartial();
      if (newline === chunk.length - 1) {
        this.#enqueue(chunk);
      } else {
        this.#enqueue(chunk.subarray(0, newline + 1));
        this.#partial.push(chunk.subarray(newline + 1));
        this.#partialBytes = chunk.length - newline - 1;
        this.#partialTimer = setLongTimeout(() => this.#releasePartial(), this.#holdMs).unref();
      }
    }
    this.#schedule();
  }

  /**
   * Over half of the queue's bound waits while the file works: a reader that can wait (a task's pipe) should pause
   * until drained() resolves, so that the file gets every byte at the disk's pace. A failing file is never congested:
   * its bytes are dropped and counted at the bound instead of holding the task.
   */
  get congested(): boolean {
    return !this.#failing && !this.#closed && this.#queuedBytes >= this.#maxQueued / 2;
  }

  /** Resolves once the file is no longer congested. */
  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #notifyDrained(): void {
    if (this.#drainWaiters.length === 0 || this.congested) return;
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /** A whole line of Berth's own (newline added), placed between the task's lines, never inside one. */
  writeLine(text: string): void {
    if (this.#closed) return;
    const line = Buffer.from(`${text}\n`, "utf8");
    this.counters.receivedBytes += line.length;
    this.#enqueue(line);
    this.#schedule();
  }

  /**
   * Resolves once everything given so far (held partial line included) is written, or at once while the file is
   * failing (its bytes stay queued for the retry).
   */
  flush(): Promise<void> {
    this.#releasePartial();
    this.#pump();
    if (!this.#writing && (this.#queuedBytes === 0 || this.#failure !== undefined)) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Flushes, then closes the file; later writes are ignored. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    // Still queued: the file is failing and nobody will retry.
    this.counters.droppedBytes += this.#queuedBytes;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#notifyDrained();
    this.#partialTimer?.clear();
    this.#failure?.clear();
    this.#coalesce?.clear();
    if (this.#fd !== undefined && this.#givenFd === undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        // Already unusable: nothing more to lose.
      }
      this.#fd = undefined;
    }
  }

  #open(): void {
    try {
      if (this.#givenFd !== undefined) {
        const stat = fstatSync(this.#givenFd);
        this.#rotates = stat.isFile() && sameFile(stat, this.path);
        this.#fd = this.#givenFd;
        this.#size = stat.size;
      } else {
        this.#fd = openSync(this.path, "a");
        this.#size = fstatSync(this.#fd).size;
      }
      this.#recovered();
    } catch (error) {
      this.#fail(error, "cannot open");
    }
  }

  #releasePartial(): void {
    this.#partialTimer?.clear();
    this.#partialTimer = undefined;
    if (this.#partialBytes === 0) return;
    const parts = this.#partial;
    this.#partial = [];
    this.#partialBytes = 0;
    for (const part of parts) this.#enqueue(part);
    this.#schedule();
  }

  #enqueue(chunk: Buffer): void {
    if (this.#queuedBytes + chunk.length > this.#maxQueued) {
      this.counters.droppedBytes += chunk.length;
      return;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
  }

  /** Writes now when a batch is big enough, else within coalesceMs. */
  #schedule(): void {
    if (this.#writing || this.#coalesce !== undefined) return;
    if (this.#coalesceMs <= 0 || this.#queuedBytes >= COALESCE_BYTES) {
      this.#pump();
      return;
    }
    this.#coalesce = setLongTimeout(() => {
      this.#coalesce = undefined;
      this.#pump();
    }, this.#coalesceMs).unref();
  }

  #pump(): void {
    this.#coalesce?.clear();
    this.#coalesce = undefined;
    if (this.#writing || this.#failure !== undefined || this.#queue.length === 0) return;
    if (this.#fd === undefined) {
      this.#open();
      if (this.#fd === undefined) return;
    }
    const buffers = this.#queue;
    this.#queue = [];
    const total = this.#queuedBytes;
    this.#writing = true;
    writev(this.#fd, buffers, (error, written) => {
      this.#writing = false;
      if (error && (error as NodeJS.ErrnoException).code === "EAGAIN") {
        // A non-blocking pipe that is full: its reader is slow, nothing is wrong; try again shortly.
        this.#queue = buffers.concat(this.#queue);
        this.#coalesce = setLongTimeout(() => {
          this.#coalesce = undefined;
          this.#pump();
        }, 10).unref();
        this.#settleIdle();
        return;
      }
      if (error) {
        // Back to the front of the queue, to be tried again after the retry delay (or dropped at flush).
        this.#queue = buffers.concat(this.#queue);
        this.#fail(error, "cannot write");
        this.#settleIdle();
        return;
      }
      this.#recovered();
      this.#queuedBytes -= written;
      this.#notifyDrained();
      this.counters.writtenBytes += written;
      this.#size += written;
      if (written < total) this.#queue = remainder(buffers, written).concat(this.#queue);
      if (this.#rotates && this.#maxBytes > 0 && this.#size >= this.#maxBytes) this.#rotate();
      if (this.#queue.length > 0) this.#pump();
      else this.#settleIdle();
    });
  }

  #rotate(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      // Other O_APPEND writers (the executor's fd 1/2) add bytes we did not count.
      this.#size = fstatSync(fd).size;
      if (this.#size < this.#maxBytes) return;
      for (let i = this.#keep - 1; i >= 1; i--) renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      if (this.#keep >= 1) copyFileSync(this.path, `${this.path}.1`);
    } catch (error) {
      // The live file is truncated all the same: a bounded sandbox is worth more than its oldest 10 MB.
      this.counters.errors++;
      this.#logger?.log("warn", "sandbox log rotation failed; the file is truncated without a copy", { path: this.path, error: describe(error) });
    }
    try {
      ftruncateSync(fd, 0);
      this.#size = 0;
      this.counters.rotations++;
    } catch (error) {
      this.#fail(error, "cannot truncate");
    }
  }

  #fail(error: unknown, what: string): void {
    this.counters.errors++;
    if (!this.#failing) {
      this.#failing = true;
      const failure = new SandboxFileError(
        `${what} ${this.path}: ${describe(error)}; its bytes are queued (at most ${this.#maxQueued}), then dropped and counted, until it works again`,
        { cause: error },
      );
      this.#logger?.log("error", failure.message, { code: failure.code, path: this.path });
    }
    this.#notifyDrained();
    this.#failure?.clear();
    this.#failure = setLongTimeout(() => {
      this.#failure = undefined;
      this.#pump();
    }, this.#retryAfterMs).unref();
  }

  /** Between a failure's report and the next successful open or write. */
  #failing = false;

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger?.log("info", "sandbox log file writable again", { path: this.path, droppedBytes: this.counters.droppedBytes });
  }

  #settleIdle(): void {
    if (this.#writing || (this.#queue.length > 0 && this.#failure === undefined)) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

function remainder(buffers: readonly Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}

function sameFile(stat: Stats, path: string): boolean {
  try {
    const other = statSync(path);
    return other.dev === stat.dev && other.ino === stat.ino;
  } catch {
    return false;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
