// One task's output, end to end: its stdout and stderr (and its hooks' output) into the sandbox files, and — when the
// task ships its logs — to its log thread, which parses, enriches and ships them. Built by the front end per task; the
// sandbox files are the executor's (one pair per sandbox, shared by the tasks of a group).
//
//   stdout/stderr pipe ──▶ SandboxFile (every raw byte, rotated)
//                     └──▶ LogThread ══ worker thread ══▶ TaskLogPipeline (lines → parse → enrich → sinks)
//   hook output lines ──▶ LogThread (stream "hook"), when shipping
//
// This thread only copies bytes, so the task's pipe is read as fast as the task writes. It waits (pauses the pipe)
// only while a sandbox file or the log thread is congested: every byte reaches both, at the disk's and the parser's
// pace, and neither ever drops what the task wrote.
import type { Readable } from "node:stream";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import { readStream } from "./readStream.js";
import type { SandboxFile } from "./sandboxFile.js";
import { LogThread } from "./thread/logThread.js";
import type { TaskStream } from "./thread/logThreadMessages.js";
import type { TaskLogCounters, TaskLogPipelineOptions } from "./thread/taskLogPipeline.js";
import type { SinkConfig } from "./ship/sinkConfig.js";

export type { TaskLogCounters } from "./thread/taskLogPipeline.js";

/** What the log thread gets (TaskLogPipelineOptions), where `sinks` may be empty, and what stays on this thread. */
export interface TaskLogsOptions extends TaskLogPipelineOptions {
  /** Where the task's lines go; none: the sandbox files only (nothing is parsed, no thread is started). */
  readonly sinks: readonly SinkConfig[];
  /** Bytes of output waiting for the log thread beyond which it waits on disk (BERTH_LOG_BUFFER_BYTES). */
  readonly bufferBytes: number;
  /** Bytes of output that may wait on disk for the log thread beyond bufferBytes (BERTH_LOG_BACKLOG_BYTES). */
  readonly backlogBytes: number;
  readonly stdoutFile: SandboxFile | undefined;
  readonly stderrFile: SandboxFile | undefined;
  readonly logger: Logger;
}

export class TaskLogs {
  readonly #options: TaskLogsOptions;
  readonly #thread: LogThread | undefined;
  readonly #reading: Promise<void>[] = [];
  readonly #stopReading = new AbortController();
  #finished = false;
  #finishCalled = false;

  constructor(options: TaskLogsOptions) {
    this.#options = options;
    if (options.sinks.length > 0) {
      const { metadata, labels, maxLineBytes, dropKeys, sinks, structuredOnly, spoolRoot, logger, bufferBytes, backlogBytes } = options;
      this.#thread = new LogThread({
        pipeline: { metadata, labels, maxLineBytes, dropKeys, sinks, structuredOnly, spoolRoot },
        logger,
        bufferBytes,
        // Beside the sinks' spools (whose names start with a letter).
        backlog: { dir: join(spoolRoot, ".backlog"), maxBytes: backlogBytes },
      });
    }
  }

  /** Whether the task's lines go to sinks (else only to the sandbox files). */
  get shipping(): boolean {
    return this.#thread !== undefined;
  }

  /** Starts reading the task's pipes; call as soon as they exist (a full pipe blocks the task). */
  attach(stdout: Readable | null, stderr: Readable | null): void {
    for (const [stream, source, file] of [["stdout", stdout, this.#options.stdoutFile], ["stderr", stderr, this.#options.stderrFile]] as const) {
      if (source) this.#reading.push(this.#read(stream, source, file));
    }
  }

  /**
   * One line of a hook's output, to the sinks as stream "hook" when the task ships (the front end logs it among its
   * own diagnostics, naming the hook, which is how it reaches the sandbox's stderr).
   */
  hookLine(hook: string, line: string): void {
    if (!this.#finished) this.#thread?.hookLine(hook, line);
  }

  /**
   * The task is gone: reads its pipes to their end (a process it left behind may still hold them: cut at `signal`),
   * then delivers what is queued and spooled within the same deadline. What could not be delivered is counted as
   * dropped (reason "shutdown") and logged. Idempotent.
   */
  async finish(signal: AbortSignal): Promise<void> {
    this.#finishCalled = true;
    if (this.#finished) return;
    const onAbort = (): void => this.#stopReading.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.all(this.#reading);
      this.#finished = true;
      await Promise.all([this.#options.stdoutFile?.flush(), this.#options.stderrFile?.flush()]);
      if (!this.#thread) return;
      const result = await this.#thread.finish(signal);
      // A failed log thread was reported when it failed.
      if (!result.complete && !this.#thread.failed) {
        this.#options.logger.log("warn", "log lines not delivered before the deadline: counted as dropped", { dropped: result.dropped });
      }
    } finally {
      this.#finished = true;
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Shipping lines that finish() never got to deliver (the front end's last word when it exits without running it,
   * e.g. a kill's time budget ran out before the flush hook): the last counters known (at most a second old); else
   * undefined.
   */
  undelivered(): { readonly pendingLines: number; readonly unparsedBytes: number } | undefined {
    if (!this.#thread || this.#finishCalled) return undefined;
    const counters = this.#thread.counters();
    return { pendingLines: counters.ship_pendingLines ?? 0, unparsedBytes: this.#thread.unparsedBytes };
  }

  /** Flat counters for metrics: capture_* and ship_* from the log thread (at most a second old). */
  counters(): TaskLogCounters {
    return this.#thread?.counters() ?? {};
  }

  /** Copies `source` to the sandbox file and the log thread until it ends (see readStream); then ends the stream. */
  async #read(stream: TaskStream, source: Readable, file: SandboxFile | undefined): Promise<void> {
    const thread = this.#thread;
    await readStream(
      source,
      (chunk) => {
        file?.write(chunk);
        thread?.push(stream, chunk);
      },
      { signal: this.#stopReading.signal, downstream: [file, thread] },
    );
    thread?.end(stream);
  }
}

/** The spool directory of a task's sinks: in its sandbox, out of the task's own files' way. */
export function spoolRootOf(sandbox: string, taskId: string): string {
  return join(sandbox, ".berth-spool", encodeURIComponent(taskId));
}
