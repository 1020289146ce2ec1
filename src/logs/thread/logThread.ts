// The main thread's handle on a task's log thread: the thread that reads the task's pipes only copies bytes (to the
// sandbox files and here), and the worker thread does the parsing, encoding and shipping, so that a task writing
// faster than lines can be parsed is not slowed. What the worker has no room for waits here: `bufferBytes` in
// memory, then on disk (OutputBacklog, in order); only beyond both does the caller pause the task's pipe
// (`congested` / `drained()`, as for a sandbox file), and nothing is dropped.
//
// What is read within SEND_DELAY_MS goes over in one message per stream (a copy, transferred), so that a chatty task
// costs a few messages a second, not one per read. A log thread that fails (an exception, or killed) is reported
// once; the task's output then only reaches the sandbox files, and the task is never held.
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { Logger } from "../../logger.js";
import { logThreadScript } from "./logThreadScript.js";
import { OutputBacklog } from "./outputBacklog.js";
import { SHARED_CONSUMED, SHARED_SLOTS, SHARED_WAKE_AT, type FromLogThread, type TaskStream, type ToLogThread } from "./logThreadMessages.js";
import type { PipelineFlushResult, TaskLogCounters, TaskLogPipelineOptions } from "./taskLogPipeline.js";

/** How long a log thread may take to answer once the caller's deadline has passed, before it is terminated. */
const ANSWER_GRACE_MS = 500;
/** Bytes gathered beyond which they are sent at once. */
const SEND_BYTES = 256 * 1024;
/**
 * Below SEND_BYTES, what a task writes is gathered this long before it is sent: a message wakes the log thread, which
 * measured ~0.2 ms of CPU in both threads together on a 2-core VM, so that sending every chunk at once cost a third
 * more CPU at 10,000 lines/s than parsing on one thread; gathered, a task writing small pieces costs at most
 * 1000 / SEND_DELAY_MS messages a second, and a line waits at most this long more (20 ms measured 8.4 % of a core at
 * 10,000 lines/s, 50 ms 7.2 %; log shippers batch for longer: Filebeat and Vector flush every second).
 */
const SEND_DELAY_MS = 50;

/**
 * The log thread's young generation, MB per semi-space. The executor runs with --max-semi-space-size=1 (a memory
 * lever, BENCHMARKS.md "Executor"), a process-wide V8 flag that a worker's resourceLimits do not override; under it
 * the log thread spent a quarter of its time in the scavenger.
 */
const LOG_THREAD_SEMI_SPACE_MB = 8;

export interface LogThreadOptions {
  readonly pipeline: TaskLogPipelineOptions;
  readonly logger: Logger;
  /** Bytes read from the task and not yet taken by the log thread, in memory, beyond which they wait on disk. */
  readonly bufferBytes: number;
  /** Where output waits beyond bufferBytes (OutputBacklog), and how much of it; without, the task's pipes wait. */
  readonly backlog?: { readonly dir: string; readonly maxBytes: number };
}

type Answer = Extract<FromLogThread, { type: "flushed" } | { type: "closed" }>;

function startWorker(pipeline: TaskLogPipelineOptions, shared: SharedArrayBuffer): Worker {
  const { script, eval: isSource } = logThreadScript();
  // V8 reads the flag when an isolate is made: this sizes the log thread's young generation (and that of isolates
  // made later, which are only log threads), not the main thread's.
  setFlagsFromString(`--max-semi-space-size=${LOG_THREAD_SEMI_SPACE_MB}`);
  // No inherited Node options: they are the executor's (an `-e` script would even run in the worker instead).
  return new Worker(script, { eval: isSource, workerData: { pipeline, shared }, execArgv: [] });
}

export class LogThread {
  readonly #logger: Logger;
  readonly #bufferBytes: number;
  readonly #worker: Worker;
  readonly #pending = new Map<TaskStream, Buffer[]>();
  #pendingBytes = 0;
  /** Bytes sent to the log thread; what it consumed is in #shared. */
  #sent = 0;
  readonly #shared = new BigInt64Array(new SharedArrayBuffer(SHARED_SLOTS * BigInt64Array.BYTES_PER_ELEMENT));
  #timer: NodeJS.Timeout | undefined;
  #drainWaiters: (() => void)[] = [];
  readonly #backlog: OutputBacklog | undefined;
  #caughtUpWaiters: (() => void)[] = [];
  #roomScheduled = false;
  #answerWaiters = new Map<Answer["type"], (answer: Answer | undefined) => void>();
  #counters: TaskLogCounters = {};
  #failed: string | undefined;
  /** Bytes of the task's output that never reached a working log thread (it failed): in the sandbox files only. */
  #lostBytes = 0;
  #closed = false;
  /** Asked to close: it may exit (code 0) before its "closed" answer is read here. */
  #closing = false;

  constructor({ pipeline, logger, bufferBytes, backlog }: LogThreadOptions) {
    this.#logger = logger;
    this.#bufferBytes = bufferBytes;
    if (backlog && backlog.maxBytes > 0) this.#backlog = new OutputBacklog({ ...backlog, logger });
    this.#worker = startWorker(pipeline, this.#shared.buffer as SharedArrayBuffer);
    this.#worker.on("message", (message: FromLogThread) => this.#receive(message));
    this.#worker.on("error", (error) => this.#fail(error.message));
    this.#worker.on("exit", (code) => {
      if (!this.#closed && !(this.#closing && code === 0)) this.#fail(`it exited (code ${code})`);
    });
    // The process's exit is decided by its tasks, never held by their log threads: finish() delivers first, and refs
    // the thread while it waits. After the listeners: adding a "message" listener refs the worker's port again.
    this.#worker.unref();
  }

  /** The log thread failed (reported once, when it happened). */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  /** Bytes of the task's output this side has not yet seen consumed by the log thread (gathered, sent, on disk). */
  get unparsedBytes(): number {
    return this.#inflight() + this.#pendingBytes + (this.#backlog?.pendingBytes ?? 0);
  }

  /** Too much of the task's output waits for the log thread: pause the task's pipes until drained(). */
  get congested(): boolean {
    return this.#failed === undefined && this.#memoryBytes() > this.#bufferBytes;
  }

  /** Resolves once the log thread has taken enough (half the buffer is left), or has failed. */
  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    const promise = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.#onRoom();
    return promise;
  }

  /** Bytes of the task's stdout or stderr, in order (kept until sent, then copied: the caller must not change them). */
  push(stream: TaskStream, chunk: Buffer): void {
    if (this.#failed !== undefined) this.#lostBytes += chunk.length;
    if (this.#failed !== undefined || this.#closed || chunk.length === 0) return;
    const backlog = this.#backlog;
    if (backlog && (!backlog.empty || this.#inflight() + this.#pendingBytes + chunk.length > this.#bufferBytes)) {
      backlog.add(stream, chunk);
      this.#askForRoom();
      return;
    }
    this.#queue(stream, chunk);
    if (this.#pendingBytes >= SEND_BYTES) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), SEND_DELAY_MS);
  }

  #queue(stream: TaskStream, chunk: Buffer): void {
    let list = this.#pending.get(stream);
    if (!list) this.#pending.set(stream, (list = []));
    list.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  hookLine(hook: string, line: string): void {
    this.#post({ type: "hook", hook, line });
  }

  /** The stream ended (what was pushed of it is sent first). */
  end(stream: TaskStream): void {
    if (this.#backlog && !this.#backlog.empty) {
      this.#backlog.add(stream, undefined);
      return;
    }
    this.#send();
    this.#post({ type: "end", stream });
  }

  /**
   * Delivers what the log thread holds before `signal` aborts (what is left then is counted as dropped), then stops
   * it. Never rejects; a log thread that does not answer is terminated.
   */
  async finish(signal: AbortSignal): Promise<PipelineFlushResult> {
    // Held while its answers are awaited: nothing else may keep the process alive (berth run, after the task).
    this.#worker.ref();
    this.#send();
    await this.#caughtUp(signal);
    const behind = this.#backlog?.clear() ?? 0;
    if (behind > 0 && this.#failed === undefined) {
      this.#lostBytes += behind;
      this.#logger.log("warn", "output of the task not parsed before the deadline: its lines are not shipped (the sandbox files have them)", { bytes: behind });
    }
    let result: PipelineFlushResult = { complete: false, dropped: 0 };
    const flushed = await this.#ask({ type: "flush" }, "flushed", signal);
    if (flushed?.type === "flushed") result = { complete: flushed.complete, dropped: flushed.dropped };
    this.#closing = true;
    const closed = await this.#ask({ type: "close" }, "closed", AbortSignal.timeout(ANSWER_GRACE_MS));
    if (closed?.type === "closed") result = { complete: result.complete && closed.dropped === 0, dropped: result.dropped + closed.dropped };
    this.#closed = true;
    await this.#worker.terminate();
    this.#settle();
    return result;
  }

  /**
   * The log thread's last reported counters (at most a second old); whether it failed, and how many bytes of the
   * task's output it never parsed because of that (they are in the sandbox files).
   */
  counters(): TaskLogCounters {
    return {
      ...this.#counters,
      log_thread_failed: this.#failed === undefined ? 0 : 1,
      log_thread_lost_bytes: this.#lostBytes + (this.#backlog?.lostBytes ?? 0),
      log_backlog_bytes: this.#backlog?.diskBytes ?? 0,
      log_backlog_written_bytes: this.#backlog?.writtenBytes ?? 0,
    };
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pendingBytes === 0) return;
    for (const [stream, chunks] of this.#pending) {
      if (chunks.length === 0) continue;
      const bytes = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      chunks.length = 0;
      this.#sent += bytes.length;
      this.#post({ type: "chunk", stream, bytes }, [bytes.buffer]);
    }
    this.#pendingBytes = 0;
  }

  #post(message: ToLogThread, transfer: ArrayBuffer[] = []): void {
    if (this.#failed !== undefined || this.#closed) return;
    this.#worker.postMessage(message, transfer);
  }

  /** Sends `message` and waits for its answer until `signal` aborts, then ANSWER_GRACE_MS more after an "abort". */
  #ask(message: ToLogThread, answer: Answer["type"], signal: AbortSignal): Promise<Answer | undefined> {
    if (this.#failed !== undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const done = (value: Answer | undefined): void => {
        signal.removeEventListener("abort", onAbort);
        clearTimeout(grace);
        this.#answerWaiters.delete(answer);
        resolve(value);
      };
      const onAbort = (): void => {
        this.#post({ type: "abort" });
        grace = setTimeout(() => done(undefined), ANSWER_GRACE_MS);
      };
      this.#answerWaiters.set(answer, done);
      this.#post(message);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #receive(message: FromLogThread): void {
    switch (message.type) {
      case "room":
        this.#onRoom();
        break;
      case "log":
        this.#logger.log(message.level, message.message, message.fields);
        break;
      case "counters":
        this.#counters = message.counters;
        break;
      case "flushed":
      case "closed":
        this.#counters = message.counters;
        this.#answerWaiters.get(message.type)?.(message);
        break;
    }
  }

  #fail(reason: string): void {
    if (this.#failed !== undefined) return;
    this.#lostBytes += this.#pendingBytes + this.#inflight() + (this.#backlog?.clear() ?? 0);
    this.#failed = reason;
    this.#logger.log("error", "the log thread failed: the task's lines are no longer shipped (the sandbox files still get them)", { error: reason });
    this.#pending.clear();
    this.#pendingBytes = 0;
    this.#settle();
    this.#settleCaughtUp();
    for (const waiter of [...this.#answerWaiters.values()]) waiter(undefined);
  }

  /** Sent and not yet consumed by the log thread (0 once it failed). */
  #inflight(): number {
    return this.#failed === undefined ? this.#sent - Number(Atomics.load(this.#shared, SHARED_CONSUMED)) : 0;
  }

  /** What this side holds in memory for the log thread: sent and not consumed, gathered, waiting behind the disk. */
  #memoryBytes(): number {
    return this.#inflight() + this.#pendingBytes + (this.#backlog?.memoryBytes ?? 0);
  }

  /**
   * The log thread consumed enough (or someone started to wait): moves what waits in the backlog to the log thread
   * while there is room, wakes the waiters, and asks the log thread to say when there is room again if anyone still
   * waits.
   */
  #onRoom(): void {
    this.#roomScheduled = false;
    if (this.#failed !== undefined) return;
    const backlog = this.#backlog;
    if (backlog) {
      while (!backlog.empty && this.#inflight() + this.#pendingBytes < this.#bufferBytes) {
        for (const { stream, chunk } of backlog.take(SEND_BYTES)) {
          if (chunk) {
            this.#queue(stream, chunk);
          } else {
            this.#send();
            this.#post({ type: "end", stream });
          }
        }
        this.#send();
      }
      if (backlog.empty) this.#settleCaughtUp();
    }
    if (this.#drainWaiters.length > 0 && this.#memoryBytes() <= this.#bufferBytes / 2) this.#settle();
    if (this.#drainWaiters.length > 0 || (backlog && !backlog.empty)) this.#askForRoom();
  }

  /** Asks the log thread for a "room" message once half the buffer is free (or schedules #onRoom if it is). */
  #askForRoom(): void {
    if (this.#roomScheduled) return;
    this.#send();
    const half = Math.floor(this.#bufferBytes / 2);
    if (this.#inflight() > half) {
      Atomics.store(this.#shared, SHARED_WAKE_AT, BigInt(this.#sent - half));
      // It may have consumed that much before it could see the request.
      if (this.#inflight() > half) return;
    }
    Atomics.store(this.#shared, SHARED_WAKE_AT, 0n);
    this.#roomScheduled = true;
    setImmediate(() => this.#onRoom());
  }

  /** Resolves once nothing waits in the backlog (all of it is with the log thread), or at `signal`. */
  #caughtUp(signal: AbortSignal): Promise<void> {
    if (!this.#backlog || this.#backlog.empty || this.#failed !== undefined || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#caughtUpWaiters.push(done);
      signal.addEventListener("abort", done, { once: true });
      this.#askForRoom();
    });
  }

  #settleCaughtUp(): void {
    const waiters = this.#caughtUpWaiters;
    this.#caughtUpWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Wakes whoever waits for room. */
  #settle(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
