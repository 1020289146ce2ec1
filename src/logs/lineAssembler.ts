// Whole lines from a byte stream (a task's stdout or stderr), as fast as it arrives: each chunk is decoded to text
// once (StringDecoder keeps a character split across chunks whole) and split with String#indexOf, which measured
// faster than per-line Buffer#indexOf + toString (one native call per chunk instead of two per line).
//
// A line is cut at `maxLineBytes` (UTF-8 bytes, on a character boundary) and passed on at once, marked truncated, so
// that a program printing megabytes without a newline can make Berth hold at most one line; the rest of that line, up
// to its newline, is dropped and counted. Invalid UTF-8 becomes U+FFFD (counted), never an error.
import { StringDecoder } from "node:string_decoder";

/**
 * Default longest line: 64 KiB. Large enough for any real log record (stack traces come as several lines, joined
 * later up to their own bound), small enough that one line is one TCP write and fits every sink (Logstash's
 * json_lines default limit is far above; rsyslog's default maxMessageSize is 8 KiB and raises easily), and it is the
 * size of one pipe read, so that the common line never needs joining across reads.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface LineAssemblerCounters {
  /** Lines passed on (a truncated line counts once). */
  lines: number;
  /** Bytes received. */
  bytes: number;
  /** Lines cut at the maximum length. */
  truncatedLines: number;
  /** Bytes dropped after the cut of truncated lines (counted as UTF-8). */
  droppedBytes: number;
  /** U+FFFD characters that replaced invalid UTF-8 (a byte sequence already encoding U+FFFD does not count). */
  invalidUtf8: number;
}

export interface LineAssemblerOptions {
  /** Longest line in UTF-8 bytes (at least 16); default DEFAULT_MAX_LINE_BYTES. */
  readonly maxLineBytes?: number;
}

export type LineHandler = (text: string, truncated: boolean) => void;

const REPLACEMENT = "\uFFFD";
const ENCODED_REPLACEMENT = Buffer.from(REPLACEMENT);

/** Lines from UTF-8 bytes ("\n" or "\r\n"), each at most `maxLineBytes`, passed on synchronously as they complete. */
export class LineAssembler {
  readonly counters: LineAssemblerCounters = { lines: 0, bytes: 0, truncatedLines: 0, droppedBytes: 0, invalidUtf8: 0 };
  readonly #onLine: LineHandler;
  readonly #maxBytes: number;
  /** Strings up to this many UTF-16 units cannot exceed maxBytes (a unit takes at most 3 bytes): no byte count. */
  readonly #surelyShort: number;
  readonly #decoder = new StringDecoder("utf8");
  /** The line being read (no newline yet). */
  #pending = "";
  /** Inside the rest of a truncated line: dropped up to the next newline. */
  #dropping = false;
  /** The last bytes of the previous chunk (an encoded U+FFFD may straddle two chunks). */
  #tail: Buffer = Buffer.alloc(0);

  constructor(onLine: LineHandler, { maxLineBytes = DEFAULT_MAX_LINE_BYTES }: LineAssemblerOptions = {}) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 16) throw new RangeError(`maxLineBytes must be an integer ≥ 16, got ${maxLineBytes}`);
    this.#onLine = onLine;
    this.#maxBytes = maxLineBytes;
    this.#surelyShort = Math.floor(maxLineBytes / 3);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.counters.bytes += chunk.length;
    const text = this.#decoder.write(chunk);
    if (text.includes(REPLACEMENT)) this.#countInvalid(text, Buffer.concat([this.#tail, chunk]));
    this.#tail = chunk.length >= 2 ? chunk.subarray(chunk.length - 2) : Buffer.concat([this.#tail, chunk]).subarray(-2);
    this.#split(text);
  }

  /** The end of the stream: passes on a last line that had no newline. Idempotent. */
  end(): void {
    const text = this.#decoder.end();
    if (text !== "") {
      // Whatever the decoder still held was an incomplete sequence: every U+FFFD here replaces invalid bytes.
      this.counters.invalidUtf8 += count(text, REPLACEMENT);
      this.#split(text);
    }
    if (this.#pending !== "") this.#emit(this.#pending, 0);
    this.#pending = "";
    this.#dropping = false;
    this.#tail = Buffer.alloc(0);
  }

  #split(text: string): void {
    let newline = text.indexOf("\n");
    if (newline === -1) {
      this.#append(text);
      return;
    }
    let start = 0;
    if (this.#pending !== "" || this.#dropping) {
      this.#complete(text.slice(0, newline));
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    while (newline !== -1) {
      let end = newline;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      const line = text.slice(start, end);
      if (line.length <= this.#surelyShort) {
        this.counters.lines++;
        this.#onLine(line, false);
      } else {
        this.#emit(line, newline - end);
      }
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    if (start < text.length) this.#append(text.slice(start));
  }

  /** `rest` ends the pending line (its newline was found). */
  #complete(rest: string): void {
    if (this.#dropping) {
      this.counters.droppedBytes += Buffer.byteLength(rest);
      this.#dropping = false;
      return;
    }
    let line = this.#pending + rest;
    this.#pending = "";
    let stripped = 0;
    if (line.charCodeAt(line.length - 1) === 13) {
      line = line.slice(0, -1);
      stripped = 1;
    }
    this.#emit(line, stripped);
  }

  #append(part: string): void {
    if (this.#dropping) {
      this.counters.droppedBytes += Buffer.byteLength(part);
      return;
    }
    this.#pending += part;
    const pending = this.#pending;
    // A "\r" at the end may be the first half of "\r\n", which the line will not keep.
    const carriageReturn = pending.charCodeAt(pending.length - 1) === 13 ? 1 : 0;
    if (pending.length > this.#surelyShort && Buffer.byteLength(pending) - carriageReturn > this.#maxBytes) {
      // Passed on now, not at its newline, which may never come.
      this.#pending = "";
      this.#dropping = true;
      this.#emit(pending, 0);
    }
  }

  /**
   * Passes on `line`, cut to maxBytes if longer. `stripped`: bytes of its line end already removed ("\r"), counted
   * with the dropped rest when the line is cut, so that the count does not depend on how the bytes were chunked.
   */
  #emit(line: string, stripped: number): void {
    const bytes = line.length <= this.#surelyShort ? 0 : Buffer.byteLength(line);
    this.counters.lines++;
    if (bytes > this.#maxBytes) {
      const { text, byteLength } = cutUtf8(line, this.#maxBytes);
      this.counters.droppedBytes += bytes + stripped - byteLength;
      this.counters.truncatedLines++;
      this.#onLine(text, true);
      return;
    }
    this.#onLine(line, false);
  }

  #countInvalid(text: string, raw: Buffer): void {
    let genuine = 0;
    for (let at = raw.indexOf(ENCODED_REPLACEMENT); at !== -1; at = raw.indexOf(ENCODED_REPLACEMENT, at + 3)) {
      // A sequence lying wholly within the kept tail was counted with the previous chunk (the tail is 2 bytes: never).
      genuine++;
    }
    this.counters.invalidUtf8 += Math.max(0, count(text, REPLACEMENT) - genuine);
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, cut on a character boundary. */
export function cutUtf8(text: string, maxBytes: number): { text: string; byteLength: number } {
  // No prefix of more than maxBytes units can fit (a unit takes at least one byte); never split a surrogate pair.
  let units = Math.min(text.length, maxBytes);
  const last = text.charCodeAt(units - 1);
  if (units < text.length && last >= 0xd800 && last <= 0xdbff) units--;
  const encoded = Buffer.from(text.slice(0, units));
  if (encoded.length <= maxBytes) return { text: text.slice(0, units), byteLength: encoded.length };
  let end = maxBytes;
  while (end > 0 && ((encoded[end] as number) & 0xc0) === 0x80) end--;
  return { text: encoded.toString("utf8", 0, end), byteLength: end };
}
