// Optional joining of continuation lines (stack traces) into the line before them: a line matching `pattern` (say
// /^\s|^Caused by:/) is appended, after a "\n", to the pending record. The record is passed on when a line that does
// not match arrives, when it reaches maxLines or maxBytes, when the stream has been quiet for flushAfterMs (between
// one and two times that: one timer per quiet period, not one per line), and at the end of the stream.
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";
import type { LineHandler } from "./lineAssembler.js";

/** Continuation lines of Java, Python and most stack traces: indented, or Java's "Caused by:". */
export const STACK_TRACE_CONTINUATION = /^[ \t]|^Caused by:/;

/** Only this many leading characters of a line are matched: a bound on what a task-supplied pattern can cost. */
export const MATCHED_PREFIX = 1024;

export interface LineJoinerOptions {
  /** A line matching this continues the previous one (tested on its first MATCHED_PREFIX characters). */
  readonly pattern: RegExp;
  /** Most lines in one record (default 500). */
  readonly maxLines?: number;
  /** Most UTF-16 units in one record (default 64 Ki, the line assembler's default line bound). */
  readonly maxChars?: number;
  /** Pass on a pending record after this long without a new line (default 1000 ms). */
  readonly flushAfterMs?: number;
}

export interface LineJoinerCounters {
  /** Lines appended to a previous one. */
  joinedLines: number;
}

export class LineJoiner {
  readonly counters: LineJoinerCounters = { joinedLines: 0 };
  readonly #onLine: LineHandler;
  readonly #pattern: RegExp;
  readonly #maxLines: number;
  readonly #maxChars: number;
  readonly #flushAfterMs: number;
  #pending: string[] = [];
  #pendingChars = 0;
  #truncated = false;
  #timer: LongTimer | undefined;
  /** Bumped by every line: the timer flushes only when none came since it was armed. */
  #generation = 0;
  #armedAt = 0;

  constructor(onLine: LineHandler, { pattern, maxLines = 500, maxChars = 64 * 1024, flushAfterMs = 1000 }: LineJoinerOptions) {
    if (!(Number.isInteger(maxLines) && maxLines >= 1)) throw new RangeError(`maxLines must be a positive integer, got ${maxLines}`);
    if (!(Number.isInteger(maxChars) && maxChars >= 1)) throw new RangeError(`maxChars must be a positive integer, got ${maxChars}`);
    this.#onLine = onLine;
    // A global or sticky pattern would carry lastIndex from line to line.
    this.#pattern = pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "")) : pattern;
    this.#maxLines = maxLines;
    this.#maxChars = maxChars;
    this.#flushAfterMs = flushAfterMs;
  }

  push(text: string, truncated: boolean): void {
    this.#generation++;
    if (this.#pending.length > 0) {
      const continues = this.#pattern.test(text.length > MATCHED_PREFIX ? text.slice(0, MATCHED_PREFIX) : text);
      if (continues && this.#pending.length < this.#maxLines && this.#pendingChars + 1 + text.length <= this.#maxChars) {
        this.#pending.push(text);
        this.#pendingChars += 1 + text.length;
        this.#truncated ||= truncated;
        this.counters.joinedLines++;
        return;
      }
      this.flush();
    }
    this.#pending.push(text);
    this.#pendingChars = text.length;
    this.#truncated = truncated;
    this.#arm();
  }

  /** Passes on the pending record now (the end of the stream). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join("\n");
    const truncated = this.#truncated;
    this.#pending = [];
    this.#pendingChars = 0;
    this.#truncated = false;
    this.#onLine(text, truncated);
  }

  /** Flushes and stops the timer. */
  close(): void {
    this.flush();
    this.#timer?.clear();
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#armedAt = this.#generation;
    this.#timer = setLongTimeout(() => this.#onTimer(), this.#flushAfterMs).unref();
  }

  #onTimer(): void {
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    if (this.#generation === this.#armedAt) this.flush();
    else this.#arm();
  }
}
