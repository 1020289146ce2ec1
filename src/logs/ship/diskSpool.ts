// A sink's disk spool: records that do not fit its memory queue (or arrive while the sink is down), in order, in
// segment files under one directory of the sandbox, bounded in bytes. Each record is stored as a 12-byte header
// (length u32 BE, receive time f64 BE) and its encoded bytes, so that it replays byte for byte. Synchronous I/O in
// batches (one write per batch, one read per refill): appends go to the page cache, and the order of records is the
// order of calls. A segment file is deleted once it is read to its end.
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, ftruncateSync, writeSync, fstatSync } from "node:fs";
import { join } from "node:path";
import type { RecordBatch } from "./recordQueue.js";
import { errorCode, ShipError } from "./shipError.js";

const HEADER = 12;
const SEGMENT_NAME = /^spool-\d{10}\.seg$/;

interface Segment {
  readonly path: string;
  size: number;
}

export interface DiskSpoolOptions {
  readonly dir: string;
  /** Bytes on disk (headers included) beyond which append refuses records. */
  readonly maxBytes: number;
  /** A new segment file is started beyond this size. */
  readonly segmentBytes?: number;
}

export class DiskSpool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #segmentBytes: number;
  #segments: Segment[] = [];
  #writeFd: number | undefined;
  #readFd: number | undefined;
  #readOffset = 0;
  #next = 0;
  #records = 0;
  #diskBytes = 0;
  #headTime: number | undefined;
  #ready = false;

  constructor({ dir, maxBytes, segmentBytes = Math.max(64 * 1024, Math.min(16 * 1024 * 1024, Math.floor(maxBytes / 8))) }: DiskSpoolOptions) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.#segmentBytes = segmentBytes;
  }

  /** Records waiting on disk. */
  get records(): number {
    return this.#records;
  }

  /** Bytes the spool's files take (read but not yet deleted included). */
  get diskBytes(): number {
    return this.#diskBytes;
  }

  oldestTime(): number | undefined {
    return this.#records > 0 ? this.#headTime : undefined;
  }

  /**
   * Appends the longest prefix of `batch` that fits the bound and returns its length (the caller drops the rest).
   * Throws SHIP_SPOOL_UNAVAILABLE when the directory or a write fails (nothing of the batch is then stored).
   */
  append(batch: RecordBatch): number {
    let count = 0;
    let size = 0;
    while (count < batch.records.length && this.#diskBytes + size + HEADER + batch.records[count]!.length <= this.maxBytes) {
      size += HEADER + batch.records[count]!.length;
      count++;
    }
    if (count === 0) return 0;
    const data = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const record = batch.records[i]!;
      data.writeUInt32BE(record.length, at);
      data.writeDoubleBE(batch.times[i]!, at + 4);
      record.copy(data, at + HEADER);
      at += HEADER + record.length;
    }
    const segment = this.#writableSegment();
    try {
      let written = 0;
      while (written < size) written += writeSync(this.#writeFd!, data, written, size - written);
    } catch (cause) {
      try {
        ftruncateSync(this.#writeFd!, segment.size);
      } catch {
        // the segment keeps a torn tail we never read: reads stop at segment.size
      }
      throw spoolError(`cannot write the spool in ${this.dir}`, cause);
    }
    if (this.#records === 0) this.#headTime = batch.times[0];
    segment.size += size;
    this.#diskBytes += size;
    this.#records += count;
    return count;
  }

  /** Removes and returns the oldest records, at least one when any, up to about `maxBytes`. */
  read(maxBytes: number): RecordBatch {
    const records: Buffer[] = [];
    const times: number[] = [];
    let bytes = 0;
    while (this.#records > 0 && (records.length === 0 || bytes < maxBytes)) {
      const segment = this.#segments[0]!;
      if (this.#readOffset >= segment.size) {
        this.#dropHeadSegment();
        continue;
      }
      this.#readFd ??= this.#open(segment.path, "r");
      const before = records.length;
      const want = Math.min(segment.size - this.#readOffset, Math.max(HEADER, maxBytes - bytes + HEADER));
      const chunk = this.#readExactly(want, this.#readOffset);
      let at = 0;
      while (at + HEADER <= chunk.length) {
        const length = chunk.readUInt32BE(at);
        if (at + HEADER + length > chunk.length) {
          if (at > 0) break;
          // one record larger than the chunk: read it whole
          const whole = this.#readExactly(HEADER + length, this.#readOffset);
          records.push(whole.subarray(HEADER));
          times.push(whole.readDoubleBE(4));
          at = HEADER + length;
          bytes += length;
          break;
        }
        records.push(chunk.subarray(at + HEADER, at + HEADER + length));
        times.push(chunk.readDoubleBE(at + 4));
        bytes += length;
        at += HEADER + length;
        if (bytes >= maxBytes) break;
      }
      this.#readOffset += at;
      this.#records -= records.length - before;
      if (this.#readOffset >= segment.size && segment !== this.#segments.at(-1)) this.#dropHeadSegment();
    }
    this.#peekHeadTime();
    return { records, times, bytes };
  }

  /** Deletes every segment; returns how many records were still waiting. */
  clear(): number {
    const dropped = this.#records;
    this.#closeFds();
    for (const segment of this.#segments) rmSync(segment.path, { force: true });
    this.#segments = [];
    this.#readOffset = 0;
    this.#records = 0;
    this.#diskBytes = 0;
    this.#headTime = undefined;
    return dropped;
  }

  #peekHeadTime(): void {
    if (this.#records === 0) {
      while (this.#segments.length > 0) this.#dropHeadSegment(); // all read: give the bound back
      return;
    }
    while (this.#segments.length > 1 && this.#readOffset >= this.#segments[0]!.size) this.#dropHeadSegment();
    this.#readFd ??= this.#open(this.#segments[0]!.path, "r");
    this.#headTime = this.#readExactly(HEADER, this.#readOffset).readDoubleBE(4);
  }

  #readExactly(length: number, position: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let got = 0;
    try {
      while (got < length) {
        const n = readSync(this.#readFd!, buffer, got, length - got, position + got);
        if (n === 0) throw new Error("the spool segment ended early");
        got += n;
      }
    } catch (cause) {
      throw spoolError(`cannot read the spool in ${this.dir}`, cause);
    }
    return buffer;
  }

  #writableSegment(): Segment {
    if (!this.#ready) {
      try {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        // Leftovers of an earlier run of this sink cannot be trusted to be whole: start empty.
        for (const name of readdirSync(this.dir)) if (SEGMENT_NAME.test(name)) rmSync(join(this.dir, name), { force: true });
      } catch (cause) {
        throw spoolError(`cannot use the spool directory ${this.dir}`, cause);
      }
      this.#ready = true;
    }
    const last = this.#segments.at(-1);
    if (last && this.#writeFd !== undefined && last.size < this.#segmentBytes) return last;
    if (this.#writeFd !== undefined) closeSync(this.#writeFd);
    this.#writeFd = undefined;
    const path = join(this.dir, `spool-${String(this.#next++).padStart(10, "0")}.seg`);
    this.#writeFd = this.#open(path, "w");
    const segment = { path, size: fstatSync(this.#writeFd).size };
    this.#segments.push(segment);
    return segment;
  }

  #dropHeadSegment(): void {
    const segment = this.#segments.shift();
    if (!segment) return;
    if (this.#readFd !== undefined) closeSync(this.#readFd);
    this.#readFd = undefined;
    if (this.#segments.length === 0 && this.#writeFd !== undefined) {
      closeSync(this.#writeFd);
      this.#writeFd = undefined;
    }
    this.#readOffset = 0;
    this.#diskBytes -= segment.size;
    rmSync(segment.path, { force: true });
  }

  #open(path: string, flags: "r" | "w"): number {
    try {
      return openSync(path, flags, 0o600);
    } catch (cause) {
      throw spoolError(`cannot open the spool file ${path}`, cause);
    }
  }

  #closeFds(): void {
    for (const fd of [this.#readFd, this.#writeFd]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.#readFd = undefined;
    this.#writeFd = undefined;
  }
}

function spoolError(message: string, cause: unknown): ShipError {
  const code = errorCode(cause);
  return new ShipError("SHIP_SPOOL_UNAVAILABLE", `${message}${code !== undefined ? ` (${code})` : ""}`, { cause });
}
