// One stream of a task (its stdout, its stderr, or a hook's output), captured:
//
//   bytes ─push─▶ LineAssembler ─▶ [LineJoiner] ─▶ parse + enrich ─▶ onEvent
//
// In the executor, TaskLogPipeline pushes the bytes TaskLogs read (and copied to the sandbox files); consume() reads a
// Readable itself (tests, tools). onEvent is called synchronously for each event and must not block; an exception
// from it is counted and logged once, never thrown back into the pipe's reading. The capture ends when the stream ends, which is when the LAST
// process holding the pipe's write end closes it (children that write after the task's leader exited are captured),
// or when consume()'s signal aborts (the pipe is then destroyed, so a leftover writer cannot hold the capture open).
import type { Readable } from "node:stream";
import type { Logger } from "../logger.js";
import { DEFAULT_MAX_LINE_BYTES, LineAssembler } from "./lineAssembler.js";
import { LineJoiner, type LineJoinerOptions } from "./lineJoiner.js";
import { parseLine } from "./lineParser.js";
import { readStream } from "./readStream.js";
import { LogEnricher } from "./logEnricher.js";
import type { FieldValue, LogEvent, LogStream } from "./logEvent.js";
import { streamLogMetadata, type LogMetadata } from "./taskLogMetadata.js";

export interface LogCaptureOptions {
  readonly stream: LogStream;
  /** The task's fields (taskLogMetadata), computed once per task; the capture adds `stream` (and `hook`). */
  readonly metadata: LogMetadata;
  /** For hook output: the hook's name, in the field `hook`. */
  readonly hook?: string;
  /** Receives every event, synchronously, in order. Must not block. */
  readonly onEvent: (event: LogEvent) => void;
  /** Longest line in UTF-8 bytes (default 64 KiB). */
  readonly maxLineBytes?: number;
  /** Join continuation lines (stack traces) into the line before them. */
  readonly multiline?: LineJoinerOptions;
  /** Keys left out of every event (metadata and line fields). */
  readonly dropKeys?: Iterable<string>;
  /**
   * Only JSON and logfmt lines become events, plain text lines go only to the sandbox file: the predecessor's
   * `log-scraping` without `log-scraping-all`.
   */
  readonly structuredOnly?: boolean;
  /** Fields of plain text lines, e.g. PREDECESSOR_TEXT_FIELDS under log-scraping-all (see LogEnricherOptions). */
  readonly textFields?: Readonly<Record<string, FieldValue>>;
  /** Reports a throwing onEvent (once). */
  readonly logger?: Logger;
  /** The clock of events without their own time (default Date.now). */
  readonly now?: () => number;
}

export interface LogCaptureCounters {
  /** Bytes read from the stream. */
  readonly bytes: number;
  /** Lines assembled (before any joining). */
  readonly lines: number;
  readonly truncatedLines: number;
  /** Bytes dropped after the cut of truncated lines. */
  readonly droppedBytes: number;
  /** Replacement characters put in for invalid UTF-8. */
  readonly invalidUtf8: number;
  /** Lines joined into the line before them. */
  readonly joinedLines: number;
  /** Events passed to onEvent. */
  readonly events: number;
  /** Plain text lines not turned into events (structuredOnly). */
  readonly skippedLines: number;
  /** Exceptions thrown by onEvent. */
  readonly callbackErrors: number;
}

export class LogCapture {
  readonly #onEvent: (event: LogEvent) => void;
  readonly #assembler: LineAssembler;
  readonly #joiner: LineJoiner | undefined;
  readonly #enricher: LogEnricher;
  readonly #structuredOnly: boolean;
  readonly #logger: Logger | undefined;
  readonly #clock: () => number;
  #now = 0;
  #events = 0;
  #skipped = 0;
  #callbackErrors = 0;
  #ended = false;

  constructor(options: LogCaptureOptions) {
    const dropKeys = [...(options.dropKeys ?? [])];
    this.#onEvent = options.onEvent;
    this.#structuredOnly = options.structuredOnly ?? false;
    this.#logger = options.logger;
    this.#clock = options.now ?? Date.now;
    const metadata = streamLogMetadata(options.metadata, options.stream, options.hook, dropKeys);
    this.#enricher = new LogEnricher({ stream: options.stream, metadata, dropKeys, ...(options.textFields ? { textFields: options.textFields } : {}) });
    const toEvent = (text: string, truncated: boolean): void => this.#line(text, truncated);
    if (options.multiline !== undefined) {
      // A record may hold at least one whole line.
      const joiner = new LineJoiner(toEvent, { maxChars: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, ...options.multiline });
      this.#joiner = joiner;
      this.#assembler = new LineAssembler((text, truncated) => joiner.push(text, truncated), { maxLineBytes: options.maxLineBytes });
    } else {
      this.#assembler = new LineAssembler(toEvent, { maxLineBytes: options.maxLineBytes });
    }
  }

  get counters(): LogCaptureCounters {
    const a = this.#assembler.counters;
    return {
      bytes: a.bytes,
      lines: a.lines,
      truncatedLines: a.truncatedLines,
      droppedBytes: a.droppedBytes,
      invalidUtf8: a.invalidUtf8,
      joinedLines: this.#joiner?.counters.joinedLines ?? 0,
      events: this.#events,
      skippedLines: this.#skipped,
      callbackErrors: this.#callbackErrors,
    };
  }

  /** Bytes of the stream, in order. Ignored after end(). */
  push(chunk: Buffer): void {
    if (this.#ended) return;
    // One clock read per chunk: the lines of one read were read at the same time.
    this.#now = this.#clock();
    this.#assembler.push(chunk);
  }

  /** One whole line of text (hook output arrives so: HookContext.output); its newlines, if any, split it. */
  pushLine(text: string): void {
    this.push(Buffer.from(`${text}\n`, "utf8"));
  }

  /** The end of the stream: the last line (without newline) and any joined record are passed on. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#now = this.#clock();
    this.#assembler.end();
    this.#joiner?.close();
    this.#ended = true;
  }

  /** Reads `source` until it ends, closes or fails (see readStream), then end()s. Never rejects. */
  async consume(source: Readable, signal?: AbortSignal): Promise<void> {
    await readStream(source, (chunk) => this.push(chunk), signal ? { signal } : {});
    this.end();
  }

  #line(text: string, truncated: boolean): void {
    const parsed = parseLine(text);
    // A JSON line cut at the maximum length no longer parses: it is still shipped, marked truncated.
    if (this.#structuredOnly && parsed.format === "text" && !(truncated && text.startsWith("{"))) {
      this.#skipped++;
      return;
    }
    const event = this.#enricher.fromParsed(parsed, truncated, this.#now);
    this.#events++;
    try {
      this.#onEvent(event);
    } catch (error) {
      if (this.#callbackErrors++ === 0) {
        this.#logger?.log("error", "log event consumer threw; the event is lost (further errors only counted)", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
