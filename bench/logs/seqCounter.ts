// Counts what a receiver got of the benchmark's numbered lines (bench/logs/benchLines.ts): every distinct number once
// (a bitmap), duplicates, lines that arrived after a higher number (out of order), and lines without a number (Berth's
// "dropped N lines" notices, anything else), a few of which are kept as samples. Fed raw bytes in any chunking.
// Cheap enough for a receiver at a million lines/s: one native indexOf per line for the newline, one per chunk region
// for the marker (cached: a line without a marker does not rescan the rest of the chunk).
import { SEQ_MARKER_BYTES, seqAt } from "./benchLines.js";

export interface SeqCounts {
  /** Newline-terminated lines (plus a last unterminated one after end()). */
  readonly lines: number;
  readonly bytes: number;
  /** Lines that carry a number. */
  readonly numbered: number;
  /** Distinct numbers seen. */
  readonly distinct: number;
  /** Numbers seen again. */
  readonly duplicates: number;
  /** Numbers seen for the first time after a higher one. */
  readonly late: number;
  /** The highest number seen (-1: none). */
  readonly maxSeq: number;
  /** Lines without a number. */
  readonly unnumbered: number;
  /** Records cut off by the death of their stream (abandon()): not counted as lines. */
  readonly broken: number;
  /** The first few unnumbered lines (each cut at 300 characters). */
  readonly unnumberedSamples: readonly string[];
  /** The first numbered line as received (cut at 2,000 characters): what the sink's records look like. */
  readonly sample: string | undefined;
}

const NEWLINE = 0x0a;
const SAMPLES = 5;

type LineSink = (buf: Buffer, start: number, end: number, marker: number) => void;

/**
 * One byte stream's lines (a connection, a file): holds a partial line between chunks. A stream that dies mid-line
 * (a receiver's connection reset) leaves a broken record, which abandon() counts apart instead of as a line.
 */
export class LineFeed {
  readonly #line: LineSink;
  readonly #onBytes: (bytes: number) => void;
  readonly #onBroken: () => void;
  #partial: Buffer | undefined;

  constructor(line: LineSink, onBytes: (bytes: number) => void, onBroken: () => void) {
    this.#line = line;
    this.#onBytes = onBytes;
    this.#onBroken = onBroken;
  }

  push(chunk: Buffer): void {
    this.#onBytes(chunk.length);
    let start = 0;
    if (this.#partial !== undefined) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) {
        this.#partial = Buffer.concat([this.#partial, chunk]);
        return;
      }
      const line = Buffer.concat([this.#partial, chunk.subarray(0, nl)]);
      this.#partial = undefined;
      this.#line(line, 0, line.length, line.indexOf(SEQ_MARKER_BYTES));
      start = nl + 1;
    }
    let marker = -1;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      if (marker < start) {
        marker = chunk.indexOf(SEQ_MARKER_BYTES, start);
        if (marker < 0) marker = chunk.length; // none further on: never search again in this chunk
      }
      this.#line(chunk, start, nl, marker < nl ? marker : -1);
      start = nl + 1;
    }
    if (start < chunk.length) this.#partial = Buffer.from(chunk.subarray(start));
  }

  /** The stream's orderly end: an unterminated last line counts as a line. */
  end(): void {
    const line = this.#partial;
    this.#partial = undefined;
    if (line !== undefined) this.#line(line, 0, line.length, line.indexOf(SEQ_MARKER_BYTES));
  }

  /** The stream died: an unterminated last line is a broken record, not a line. */
  abandon(): void {
    if (this.#partial !== undefined) this.#onBroken();
    this.#partial = undefined;
  }
}

export class SeqCounter {
  #lines = 0;
  #bytes = 0;
  #numbered = 0;
  #distinct = 0;
  #duplicates = 0;
  #late = 0;
  #maxSeq = -1;
  #unnumbered = 0;
  #broken = 0;
  readonly #samples: string[] = [];
  #sample: string | undefined;
  #seen = new Uint8Array(1 << 17); // bits; grows
  readonly #feed = this.stream();

  /** A stream of its own (a connection), counted with the others. */
  stream(): LineFeed {
    return new LineFeed(
      (buf, start, end, marker) => this.#line(buf, start, end, marker),
      (bytes) => void (this.#bytes += bytes),
      () => void this.#broken++,
    );
  }

  /** Bytes of the default stream. */
  push(chunk: Buffer): void {
    this.#feed.push(chunk);
  }

  /** The default stream's end: an unterminated last line counts. */
  end(): void {
    this.#feed.end();
  }

  get counts(): SeqCounts {
    return {
      lines: this.#lines,
      bytes: this.#bytes,
      numbered: this.#numbered,
      distinct: this.#distinct,
      duplicates: this.#duplicates,
      late: this.#late,
      maxSeq: this.#maxSeq,
      unnumbered: this.#unnumbered,
      broken: this.#broken,
      unnumberedSamples: [...this.#samples],
      sample: this.#sample,
    };
  }

  /** How many of the numbers 0 … total-1 were never seen. */
  missing(total: number): number {
    let seen = 0;
    for (let seq = 0; seq < total; seq++) if (this.#has(seq)) seen++;
    return total - seen;
  }

  #has(seq: number): boolean {
    const byte = seq >>> 3;
    return byte < this.#seen.length && ((this.#seen[byte] as number) & (1 << (seq & 7))) !== 0;
  }

  #line(buf: Buffer, start: number, end: number, marker: number): void {
    this.#lines++;
    const seq = marker < 0 ? -1 : seqAt(buf, marker, end);
    if (seq < 0) {
      this.#unnumbered++;
      if (this.#samples.length < SAMPLES) this.#samples.push(buf.toString("utf8", start, Math.min(end, start + 300)));
      return;
    }
    this.#numbered++;
    if (this.#sample === undefined) this.#sample = buf.toString("utf8", start, Math.min(end, start + 2000));
    const byte = seq >>> 3;
    if (byte >= this.#seen.length) {
      let size = this.#seen.length;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#seen);
      this.#seen = grown;
    }
    const bit = 1 << (seq & 7);
    if (((this.#seen[byte] as number) & bit) !== 0) {
      this.#duplicates++;
      return;
    }
    this.#seen[byte] = (this.#seen[byte] as number) | bit;
    this.#distinct++;
    if (seq < this.#maxSeq) this.#late++;
    else this.#maxSeq = seq;
  }
}
