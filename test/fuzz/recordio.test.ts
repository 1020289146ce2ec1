// Property tests of the RecordIO decoder (src/mesos/recordio.ts) against a model decoder written for clarity: for
// any bytes in any chunking the decoder delivers exactly the records before the first malformed byte, throws only
// RecordIOError and only in the chunk that holds that byte, and never waits for the body of a record longer than
// its limit (so it never buffers more than the limit).
//
// Runs: fixed seed and a few hundred cases per property in CI; deeper with BERTH_FUZZ_RUNS=100000 and
// BERTH_FUZZ_SEED=random (see ./fuzzParameters.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encodeRecord, MAX_RECORD_BYTES, RecordIODecoder, RecordIOError } from "../../src/mesos/recordio.js";
import { fuzzParameters } from "./fuzzParameters.js";

/** The decoder's documented bounds: the length prefix has at most 19 digits. */
const MAX_HEADER_DIGITS = 19;

interface ModelResult {
  records: Buffer[];
  /** Offset of the first byte that makes the stream malformed, if any. */
  errorAt?: number;
  /** The stream ends between records. */
  idle: boolean;
}

/**
 * Offset (within `digits`) of the first digit at which the length read so far exceeds `limit`: the decoder refuses
 * a record from its prefix as soon as the digits say it is too long, newline or not.
 */
function firstOverflow(digits: string, limit: number): number | undefined {
  for (let i = 0; i < digits.length; i++) if (Number(digits.slice(0, i + 1)) > limit) return i;
  return undefined;
}

/** RecordIO as docs/recordio.md defines it, decoded from the whole stream at once. */
function modelDecode(stream: Buffer, maxRecordBytes: number): ModelResult {
  const records: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    let digits = 0;
    let i = at;
    for (; i < stream.length && stream[i] !== 0x0a; i++) {
      const byte = stream[i] as number;
      if (byte < 0x30 || byte > 0x39) return { records, errorAt: i, idle: false };
      if (++digits > MAX_HEADER_DIGITS) return { records, errorAt: i, idle: false };
      if (Number(stream.subarray(at, i + 1).toString("latin1")) > maxRecordBytes) return { records, errorAt: i, idle: false };
    }
    if (i === stream.length) return { records, idle: false }; // inside a length prefix
    if (digits === 0) return { records, errorAt: i, idle: false };
    const length = Number(stream.subarray(at, i).toString("latin1"));
    const start = i + 1;
    if (start + length > stream.length) return { records, idle: false };
    records.push(stream.subarray(start, start + length));
    at = start + length;
  }
  return { records, idle: true };
}

/** Cut points for a stream of `length` bytes: sorted, possibly repeated (empty chunks), 0 and length implied. */
const cuts = fc.array(fc.nat(), { maxLength: 12 });

function chunksOf(stream: Buffer, points: readonly number[]): Buffer[] {
  const sorted = points.map((p) => p % (stream.length + 1)).sort((a, b) => a - b);
  const bounds = [0, ...sorted, stream.length];
  return bounds.slice(1).map((end, i) => stream.subarray(bounds[i], end));
}

/** Streams that are mostly RecordIO: good records, length prefixes of every kind, and garbage, in any order. */
const streamPieces = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }).map((record) => encodeRecord(record)) },
    { weight: 1, arbitrary: fc.stringMatching(/^\d{0,22}\n?$/).map((text) => Buffer.from(text, "latin1")) },
    { weight: 1, arbitrary: fc.constantFrom("\n", "0\n", "-1\n", "1e3\n", " 5\n", "5\r\n", "HTTP/1.1 200 OK\r\n", "99999999999999999999\n").map((t) => Buffer.from(t, "latin1")) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)) },
  ),
  { maxLength: 8 },
);

interface Observed {
  records: Buffer[];
  /** Index of the chunk whose decode threw, if any. */
  threwAt?: number;
  idle: boolean;
}

/** Feeds the chunks as AgentConnection does: stop at the first error, salvage the records before it. */
function feed(decoder: RecordIODecoder, chunks: readonly Uint8Array[]): Observed {
  const records: Buffer[] = [];
  for (const [index, chunk] of chunks.entries()) {
    try {
      records.push(...decoder.decode(chunk));
    } catch (error) {
      if (!(error instanceof RecordIOError)) throw new Error(`decode threw ${String(error)}, not a RecordIOError`, { cause: error });
      assert.equal(error.code, "MESOS_RECORDIO");
      assert.ok(error.message.length < 200, `an error message of ${error.message.length} chars`);
      records.push(...decoder.takeDecoded());
      return { records, threwAt: index, idle: decoder.idle };
    }
  }
  return { records, idle: decoder.idle };
}

/** Index of the chunk that holds stream offset `offset`. */
function chunkIndexOf(chunks: readonly Buffer[], offset: number): number {
  let end = 0;
  for (const [index, chunk] of chunks.entries()) {
    end += chunk.length;
    if (offset < end) return index;
  }
  throw new Error(`offset ${offset} beyond the stream`);
}

test("any bytes in any chunking: the records before the first malformed byte, then RecordIOError in its chunk", () => {
  const limit = fc.oneof(fc.constant(64 * 1024 * 1024), fc.integer({ min: 0, max: 48 }));
  fc.assert(
    fc.property(streamPieces, cuts, limit, (pieces, points, maxRecordBytes) => {
      const stream = Buffer.concat(pieces);
      const chunks = chunksOf(stream, points);
      const model = modelDecode(stream, maxRecordBytes);
      const seen = feed(new RecordIODecoder({ maxRecordBytes }), chunks);
      assert.deepStrictEqual(seen.records, model.records);
      if (model.errorAt === undefined) {
        assert.equal(seen.threwAt, undefined, "a well-formed stream was rejected");
        assert.equal(seen.idle, model.idle, "idle at the end of the stream");
      } else {
        assert.equal(seen.threwAt, chunkIndexOf(chunks, model.errorAt), `the chunk holding the malformed byte at ${model.errorAt}`);
      }
      for (const record of seen.records) assert.ok(record.length <= maxRecordBytes);
    }),
    fuzzParameters(500),
  );
});

test("encodeRecord then decode gives the same records for any chunking, also from views into a larger buffer", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), cuts, fc.nat({ max: 7 }), (records, points, offset) => {
      // The stream sits at `offset` inside a larger buffer: chunks are views with a non-zero byteOffset.
      const framed = Buffer.concat(records.map((record) => encodeRecord(record)));
      const backing = Buffer.concat([Buffer.alloc(offset, 0x41), framed, Buffer.from("garbage")]);
      const stream = backing.subarray(offset, offset + framed.length);
      const decoder = new RecordIODecoder({ maxRecordBytes: 300 });
      const seen = feed(decoder, chunksOf(stream, points));
      assert.equal(seen.threwAt, undefined);
      assert.deepStrictEqual(seen.records, records.map((record) => Buffer.from(record)));
      assert.ok(seen.idle);
    }),
    fuzzParameters(300),
  );
});

test("garbage after good records: every good record is still delivered, then RecordIOError", () => {
  const garbage = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 20 }).filter((bytes) => (bytes[0] as number) < 0x30 || (bytes[0] as number) > 0x39),
    fc.constantFrom("\n", "x\n", "12a\n", "HTTP/1.1 500\r\n", "99999999999999999999\n").map((t) => Buffer.from(t)),
  );
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { minLength: 1, maxLength: 6 }), garbage, cuts, (records, junk, points) => {
      const stream = Buffer.concat([...records.map((record) => encodeRecord(record)), junk]);
      const seen = feed(new RecordIODecoder(), chunksOf(stream, points));
      assert.deepStrictEqual(seen.records, records.map((record) => Buffer.from(record)));
      assert.notEqual(seen.threwAt, undefined, "garbage was accepted");
    }),
    fuzzParameters(300),
  );
});

test("a record longer than the limit is rejected at its length prefix, before any of its body is buffered", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1024 }), fc.integer({ min: 1, max: 10 ** 12 }), cuts, (maxRecordBytes, excess, points) => {
      const length = String(maxRecordBytes + excess);
      const header = Buffer.from(`${length}\n`);
      // Only the prefix arrives (as an agent would send it before a huge body): the decoder must not wait for more,
      // not even for the newline: the digit that makes the length too long is enough.
      const seen = feed(new RecordIODecoder({ maxRecordBytes }), chunksOf(header, points));
      assert.equal(seen.threwAt, chunkIndexOf(chunksOf(header, points), firstOverflow(length, maxRecordBytes) as number));
      assert.deepStrictEqual(seen.records, []);
    }),
    fuzzParameters(300),
  );
});

test("a length prefix that never ends is rejected once it is longer than any valid one", () => {
  fc.assert(
    fc.property(fc.integer({ min: MAX_HEADER_DIGITS + 1, max: 4096 }), cuts, (digits, points) => {
      const chunks = chunksOf(Buffer.alloc(digits, "7"), points);
      const seen = feed(new RecordIODecoder(), chunks);
      // Whichever comes first: a length beyond the default limit, or more digits than any length has.
      const rejectedAt = Math.min(firstOverflow("7".repeat(digits), MAX_RECORD_BYTES) ?? Infinity, MAX_HEADER_DIGITS);
      assert.equal(seen.threwAt, chunkIndexOf(chunks, rejectedAt));
    }),
    fuzzParameters(200),
  );
});
