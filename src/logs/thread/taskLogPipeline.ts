// The parsing and shipping half of one task's output: bytes of its streams (and lines of its hooks) → LogCapture per
// stream (lines → parse → enrich) → LogShipper (per sink: encode → queue/spool → send). It knows nothing of threads:
// logThreadMain.ts runs it in a worker thread, so that the thread reading the task's pipes never waits on it; tests
// run it directly.
import type { Logger } from "../../logger.js";
import { encoderFor } from "../encoderFor.js";
import { LogCapture } from "../logCapture.js";
import type { LogLabelSettings } from "../logLabels.js";
import type { LogStream } from "../logEvent.js";
import { LogShipper } from "../ship/logShipper.js";
import type { SinkConfig } from "../ship/sinkConfig.js";
import type { LogMetadata } from "../taskLogMetadata.js";

/** Everything the pipeline needs, as plain data (it crosses to the worker thread by structured clone). */
export interface TaskLogPipelineOptions {
  readonly metadata: LogMetadata;
  readonly labels: LogLabelSettings;
  readonly maxLineBytes: number;
  readonly dropKeys: readonly string[];
  /** Where the lines go: at least one. */
  readonly sinks: readonly SinkConfig[];
  /** Only JSON and logfmt lines are shipped. */
  readonly structuredOnly: boolean;
  /** Spool directories of the sinks go under here. */
  readonly spoolRoot: string;
}

export interface TaskLogCounters {
  readonly [counter: string]: number;
}

export interface PipelineFlushResult {
  readonly complete: boolean;
  readonly dropped: number;
}

export class TaskLogPipeline {
  readonly #options: TaskLogPipelineOptions;
  readonly #logger: Logger;
  readonly #shipper: LogShipper;
  readonly #streams: ReadonlyMap<"stdout" | "stderr", LogCapture>;
  readonly #hooks = new Map<string, LogCapture>();
  #closed = false;

  constructor(options: TaskLogPipelineOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#shipper = new LogShipper({
      sinks: options.sinks,
      encoderFor: (config, framing) => encoderFor(config.format, framing),
      spoolRoot: options.spoolRoot,
      logger,
    });
    this.#streams = new Map([
      ["stdout", this.#capture("stdout")],
      ["stderr", this.#capture("stderr")],
    ]);
  }

  /** Bytes of the task's stdout or stderr, in order. */
  push(stream: "stdout" | "stderr", chunk: Buffer): void {
    if (!this.#closed) this.#streams.get(stream)!.push(chunk);
  }

  /** The stream ended: its last line (without newline) and any joined record are passed on. */
  end(stream: "stdout" | "stderr"): void {
    this.#streams.get(stream)?.end();
  }

  /** One line of a hook's output, as stream "hook" with the field `hook`. */
  hookLine(hook: string, line: string): void {
    if (this.#closed) return;
    let capture = this.#hooks.get(hook);
    if (!capture) {
      capture = this.#capture("hook", hook);
      this.#hooks.set(hook, capture);
    }
    capture.pushLine(line);
  }

  /** Ends every capture, then delivers what is queued and spooled before `signal` aborts. */
  async flush(signal: AbortSignal): Promise<PipelineFlushResult> {
    for (const capture of [...this.#streams.values(), ...this.#hooks.values()]) capture.end();
    const result = await this.#shipper.flush(signal);
    return { complete: result.complete, dropped: result.dropped };
  }

  /** Stops every sink; what is not delivered is counted as dropped ("shutdown"). Returns how many lines. */
  close(): number {
    if (this.#closed) return 0;
    this.#closed = true;
    return this.#shipper.close();
  }

  /** Flat counters for metrics: capture_* summed over the streams and ship_* totals. */
  counters(): TaskLogCounters {
    const out: Record<string, number> = {};
    for (const capture of [...this.#streams.values(), ...this.#hooks.values()]) {
      for (const [key, value] of Object.entries(capture.counters)) out[`capture_${key}`] = (out[`capture_${key}`] ?? 0) + value;
    }
    const { total } = this.#shipper.counters();
    for (const [key, value] of Object.entries(total)) {
      if (typeof value === "number") out[`ship_${key}`] = value;
      else if (value && typeof value === "object") for (const [reason, n] of Object.entries(value)) out[`ship_${key}_${reason}`] = n as number;
    }
    return out;
  }

  #capture(stream: LogStream, hook?: string): LogCapture {
    const { labels } = this.#options;
    const shipper = this.#shipper;
    return new LogCapture({
      stream,
      metadata: this.#options.metadata,
      ...(hook !== undefined ? { hook } : {}),
      onEvent: (event) => shipper.push(event),
      maxLineBytes: labels.maxLineBytes ?? this.#options.maxLineBytes,
      ...(labels.multiline ? { multiline: labels.multiline } : {}),
      dropKeys: [...this.#options.dropKeys, ...labels.dropKeys],
      structuredOnly: this.#options.structuredOnly,
      logger: this.#logger,
    });
  }
}
