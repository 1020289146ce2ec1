// RecordIO framing of the executor event stream (Mesos docs/recordio.md): "<decimal byte length>\n<bytes>".
// Chunk boundaries are arbitrary; anything that is not a well-formed record is garbage, and the caller treats it
// as a disconnect.
import { BerthError } from "../berthError.js";

export class RecordIOError extends BerthError {
  constructor(message: string) {
    super("MESOS_RECORDIO", message);
  }
}

/** Frames one record. */
export function encodeRecord(record: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${record.byteLength}\n`, "ascii"), record]);
}

/** Longest length prefix accepted (leading zeros allowed); the value is checked against the limit as it arrives. */
const MAX_HEADER_DIGITS = 19;

/**
 * Default bound on one record: 4 MiB. An executor event is kilobytes: SUBSCRIBED carries three small Infos, LAUNCH
 * one TaskInfo, LAUNCH_GROUP the TaskInfos of one group, the rest a few ids. What could make one large is
 * TaskInfo.data (and ExecutorInfo.data) set by the framework; Marathon keeps each app and pod definition in one
 * ZooKeeper node (1 MiB by default), so its tasks stay far below this even in JSON, where base64 adds a third. A
 * record above the bound is refused from its length prefix, before any of it is buffered; the caller treats it as
 * garbage (a disconnect), the executor's memory stays within a few times the bound while a record is decoded.
 */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

export interface RecordIODecoderOptions {
  /** Records larger than this are rejected as garbage (default MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

/** Incremental decoder: feed chunks, get whole records; throws RecordIOError on malformed input. */
export class RecordIODecoder {
  readonly #maxRecordBytes: number;
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  #expected: number | undefined;
  #header = "";

  constructor({ maxRecordBytes = MAX_RECORD_BYTES }: RecordIODecoderOptions = {}) {
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** True when no partial record is pending (a stream may end cleanly only here). */
  get idle(): boolean {
    return this.#expected === undefined && this.#header === "";
  }

  /** Whole records of the chunk that failed, up to the garbage (a stream ends at garbage, but not before it). */
  #salvaged: Buffer[] = [];

  takeDecoded(): Buffer[] {
    const records = this.#salvaged;
    this.#salvaged = [];
    return records;
  }

  decode(chunk: Uint8Array): Buffer[] {
    const records: Buffer[] = [];
    try {
      this.#decodeInto(chunk, records);
    } catch (error) {
      this.#salvaged = records;
      throw error;
    }
    return records;
  }

  #decodeInto(chunk: Uint8Array, records: Buffer[]): void {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (data.length > 0) {
      if (this.#expected === undefined) {
        const newline = data.indexOf(0x0a);
        const part = (newline === -1 ? data : data.subarray(0, newline)).toString("latin1");
        if (!/^\d*$/.test(part)) throw new RecordIOError(`invalid record length prefix ${JSON.stringify((this.#header + part).slice(0, 40))}`);
        this.#header += part;
        if (this.#header.length > MAX_HEADER_DIGITS) throw new RecordIOError("record length prefix too long");
        // Refused as soon as its digits say so, newline or not: nothing of an oversized record is ever buffered.
        const length = Number(this.#header);
        if (length > this.#maxRecordBytes) throw new RecordIOError(`record of ${newline === -1 ? "at least " : ""}${length} bytes exceeds the ${this.#maxRecordBytes}-byte limit`);
        if (newline === -1) return;
        data = data.subarray(newline + 1);
        if (this.#header === "") throw new RecordIOError("empty record length prefix");
        this.#header = "";
        this.#expected = length;
      }
      const need = this.#expected - this.#bufferedBytes;
      const take = data.subarray(0, need);
      this.#buffered.push(take);
      this.#bufferedBytes += take.length;
      data = data.subarray(take.length);
      if (this.#bufferedBytes === this.#expected) {
        records.push(Buffer.concat(this.#buffered));
        this.#buffered = [];
        this.#bufferedBytes = 0;
        this.#expected = undefined;
      }
    }
  }
}
