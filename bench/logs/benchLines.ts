// The log lines of the log pipeline benchmark: fixed-size JSON lines (200 bytes with the newline, as the issue asks)
// that each carry a sequence number in their message, `bench-seq=0000000042`. The number survives every encoding the
// executor may apply (JSON lines, logfmt, syslog: it is part of the message text), so that a receiver can count every
// line, find what is missing, duplicated or out of order, whatever the sink's format.
//
// A block of lines is built once; only the ten digits of each line change from one block to the next (written in
// place), so that the generator spends its time writing, not formatting.

export const LINE_BYTES = 200;
export const SEQ_MARKER = "bench-seq=";
export const SEQ_DIGITS = 10;
export const SEQ_MARKER_BYTES = Buffer.from(SEQ_MARKER, "latin1");
const ZERO = 0x30;

// What a typical structured logger writes: a time (parsed by Berth), a level, a logger name, the message.
const PREFIX = `{"time":"2026-11-29T21:00:00.000Z","level":"info","logger":"bench.generator","msg":"${SEQ_MARKER}`;
const SUFFIX = `"}\n`;

/** One line for `seq` (its text, newline included): exactly `lineBytes` bytes of valid JSON. */
export function benchLine(seq: number, lineBytes = LINE_BYTES): string {
  const padding = lineBytes - PREFIX.length - SEQ_DIGITS - 1 - SUFFIX.length;
  if (padding < 0) throw new RangeError(`a bench line needs at least ${lineBytes - padding} bytes`);
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 10 ** SEQ_DIGITS) throw new RangeError(`seq ${seq} out of range`);
  // Printable ASCII only: one byte per character, nothing for JSON to escape.
  const filler = "the quick brown fox jumps over the lazy dog 0123456789 ".repeat(Math.ceil(padding / 55) + 1).slice(0, padding);
  return `${PREFIX}${String(seq).padStart(SEQ_DIGITS, "0")} ${filler}${SUFFIX}`;
}

/** `count` consecutive lines in one buffer; fill() renumbers them in place. */
export class LineBlock {
  readonly buffer: Buffer;
  readonly count: number;
  readonly lineBytes: number;
  readonly #digitsAt: number;

  constructor(count: number, lineBytes = LINE_BYTES) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError("a block has at least one line");
    this.count = count;
    this.lineBytes = lineBytes;
    const line = Buffer.from(benchLine(0, lineBytes), "latin1");
    this.buffer = Buffer.allocUnsafe(count * lineBytes);
    for (let i = 0; i < count; i++) line.copy(this.buffer, i * lineBytes);
    this.#digitsAt = PREFIX.length;
  }

  /** Numbers the first `lines` lines first, first + 1, …; returns the bytes to write (a view of the buffer). */
  fill(first: number, lines = this.count): Buffer {
    if (lines > this.count || lines < 0) throw new RangeError(`fill: ${lines} lines, block of ${this.count}`);
    if (first + lines > 10 ** SEQ_DIGITS) throw new RangeError("seq out of range");
    const buffer = this.buffer;
    for (let i = 0; i < lines; i++) {
      let value = first + i;
      const end = i * this.lineBytes + this.#digitsAt + SEQ_DIGITS;
      for (let d = 1; d <= SEQ_DIGITS; d++) {
        buffer[end - d] = ZERO + (value % 10);
        value = Math.floor(value / 10);
      }
    }
    return buffer.subarray(0, lines * this.lineBytes);
  }
}

/**
 * The sequence number whose marker starts at buf[markerAt] (found with buf.indexOf(SEQ_MARKER_BYTES)), or -1 when
 * ten digits do not follow it before `end` (the line's end).
 */
export function seqAt(buf: Buffer, markerAt: number, end: number): number {
  const from = markerAt + SEQ_MARKER_BYTES.length;
  if (markerAt < 0 || from + SEQ_DIGITS > end) return -1;
  let value = 0;
  for (let i = from; i < from + SEQ_DIGITS; i++) {
    const digit = (buf[i] as number) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The sequence number of one line of text (or -1). */
export function seqOfLine(line: string): number {
  const buf = Buffer.from(line, "utf8");
  return seqAt(buf, buf.indexOf(SEQ_MARKER_BYTES), buf.length);
}
