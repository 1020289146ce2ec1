// One task's output, end to end: its stdout and stderr (and its hooks' output) into the sandbox files, and — when the
// task ships its logs — parsed, enriched and handed to its sinks. Built by the front end per task; the sandbox files
// are the executor's (one pair per sandbox, shared by the tasks of a group).
//
//   stdout/stderr pipe ──▶ SandboxFile (every raw byte, rotated)
//                     └──▶ LogCapture (lines → parse → enrich) ──▶ LogShipper (per sink: encode → queue/spool → send)
//   hook output lines ──▶ LogCapture (stream "hook"), when shipping
import type { Readable } from "node:stream";
import { join } from "node:path";
import type { Logger } from "../logger.js";
import { encoderFor } from "./encoderFor.js";
import { LogCapture, pauseWhileCongested } from "./logCapture.js";
import type { LogLabelSettings } from "./logLabels.js";
import type { LogStream } from "./logEvent.js";
import type { SandboxFile } from "./sandboxFile.js";
import { LogShipper } from "./ship/logShipper.js";
import type { SinkConfig } from "./ship/sinkConfig.js";
import type { LogMetadata } from "./taskLogMetadata.js";

export interface TaskLogsOptions {
  readonly metadata: LogMetadata;
  readonly labels: LogLabelSettings;
  readonly maxLineBytes: number;
  readonly dropKeys: readonly string[];
  /** Where the task's lines go; none: the sandbox files only (nothing is parsed). */
  readonly sinks: readonly SinkConfig[];
  /** Ship plain text lines too (the operator's BERTH_LOG_SHIP_ALL, or the task's log-scraping-all). */
  readonly structuredOnly: boolean;
  readonly stdoutFile: SandboxFile | undefined;
  readonly stderrFile: SandboxFile | undefined;
  /** Spool directories of the sinks go under here (a directory of the task's sandbox). */
  readonly spoolRoot: string;
  readonly logger: Logger;
}

export interface TaskLogCounters {
  readonly [counter: string]: number;
}

export class TaskLogs {
  readonly #options: TaskLogsOptions;
  readonly #shipper: LogShipper | undefined;
  readonly #captures: LogCapture[] = [];
  readonly #hookCaptures = new Map<string, LogCapture>();
  readonly #reading: Promise<void>[] = [];
  readonly #stopReading = new AbortController();
  #finished = false;

  constructor(options: TaskLogsOptions) {
    this.#options = options;
    if (options.sinks.length > 0) {
      this.#shipper = new LogShipper({
        sinks: options.sinks,
        encoderFor: (config, framing) => encoderFor(config.format, framing),
        spoolRoot: options.spoolRoot,
        logger: options.logger,
      });
    }
  }

  /** Whether the task's lines go to sinks (else only to the sandbox files). */
  get shipping(): boolean {
    return this.#shipper !== undefined;
  }

  /** Starts reading the task's pipes; call as soon as they exist (a full pipe blocks the task). */
  attach(stdout: Readable | null, stderr: Readable | null): void {
    for (const [stream, source, file] of [["stdout", stdout, this.#options.stdoutFile], ["stderr", stderr, this.#options.stderrFile]] as const) {
      if (!source) continue;
      if (!this.#shipper) {
        this.#reading.push(copyRaw(source, file, this.#stopReading.signal));
        continue;
      }
      const capture = this.#capture(stream, file);
      this.#reading.push(capture.consume(source, this.#stopReading.signal));
    }
  }

  /**
   * One line of a hook's output, to the sinks as stream "hook" when the task ships (the front end logs it among its
   * own diagnostics, naming the hook, which is how it reaches the sandbox's stderr).
   */
  hookLine(hook: string, line: string): void {
    if (this.#finished || !this.#shipper) return;
    let capture = this.#hookCaptures.get(hook);
    if (!capture) {
      capture = this.#capture("hook", undefined, hook);
      this.#hookCaptures.set(hook, capture);
    }
    capture.pushLine(line);
  }

  /**
   * The task is gone: reads its pipes to their end (a process it left behind may still hold them: cut at `signal`),
   * then delivers what is queued and spooled within the same deadline. What could not be delivered is counted as
   * dropped (reason "shutdown") and logged. Idempotent.
   */
  async finish(signal: AbortSignal): Promise<void> {
    if (this.#finished) return;
    const onAbort = (): void => this.#stopReading.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.all(this.#reading);
      this.#finished = true;
      for (const capture of this.#hookCaptures.values()) capture.end();
      await Promise.all([this.#options.stdoutFile?.flush(), this.#options.stderrFile?.flush()]);
      if (!this.#shipper) return;
      const result = await this.#shipper.flush(signal);
      if (!result.complete) {
        this.#options.logger.log("warn", "log lines not delivered before the deadline: counted as dropped", { dropped: result.dropped });
      }
      this.#shipper.close();
    } finally {
      this.#finished = true;
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Flat counters for metrics: capture_* per stream and ship_* totals. */
  counters(): TaskLogCounters {
    const out: Record<string, number> = {};
    for (const capture of this.#captures) {
      for (const [key, value] of Object.entries(capture.counters)) out[`capture_${key}`] = (out[`capture_${key}`] ?? 0) + value;
    }
    if (this.#shipper) {
      const { total } = this.#shipper.counters();
      for (const [key, value] of Object.entries(total)) {
        if (typeof value === "number") out[`ship_${key}`] = value;
        else if (value && typeof value === "object") for (const [reason, n] of Object.entries(value)) out[`ship_${key}_${reason}`] = n as number;
      }
    }
    return out;
  }

  #capture(stream: LogStream, file: SandboxFile | undefined, hook?: string): LogCapture {
    const { labels } = this.#options;
    const shipper = this.#shipper!;
    const capture = new LogCapture({
      stream,
      metadata: this.#options.metadata,
      ...(hook !== undefined ? { hook } : {}),
      onEvent: (event) => shipper.push(event),
      ...(file ? { sandboxFile: file } : {}),
      maxLineBytes: labels.maxLineBytes ?? this.#options.maxLineBytes,
      ...(labels.multiline ? { multiline: labels.multiline } : {}),
      dropKeys: [...this.#options.dropKeys, ...labels.dropKeys],
      structuredOnly: this.#options.structuredOnly,
      logger: this.#options.logger,
    });
    this.#captures.push(capture);
    return capture;
  }
}

/** The spool directory of a task's sinks: in its sandbox, out of the task's own files' way. */
export function spoolRootOf(sandbox: string, taskId: string): string {
  return join(sandbox, ".berth-spool", encodeURIComponent(taskId));
}

/** Sandbox only: every raw byte into the file, nothing parsed. Never rejects. */
function copyRaw(source: Readable, file: SandboxFile | undefined, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = (): void => {
      source.destroy();
      done();
    };
    source.on("data", (chunk: Buffer) => {
      file?.write(chunk);
      pauseWhileCongested(source, file);
    });
    source.on("error", () => undefined);
    source.once("end", done);
    source.once("close", done);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}
