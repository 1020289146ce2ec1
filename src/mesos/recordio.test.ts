import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeRecord, MAX_RECORD_BYTES, RecordIODecoder, RecordIOError } from "./recordio.js";

const records = [Buffer.from("hello"), Buffer.from("ünïcödé ✓"), Buffer.alloc(300, 7), Buffer.from("x")];
const stream = Buffer.concat(records.map(encodeRecord));

test("length prefix counts bytes, not characters", () => {
  assert.equal(encodeRecord(Buffer.from("✓")).toString("latin1").split("\n")[0], "3");
});

test("decodes the same records for every split of the stream into two chunks", () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const decoder = new RecordIODecoder();
    const out = [...decoder.decode(stream.subarray(0, cut)), ...decoder.decode(stream.subarray(cut))];
    assert.deepEqual(out, records, `cut at ${cut}`);
    assert.ok(decoder.idle);
  }
});

test("decodes byte by byte", () => {
  const decoder = new RecordIODecoder();
  const out: Buffer[] = [];
  for (const byte of stream) out.push(...decoder.decode(Buffer.from([byte])));
  assert.deepEqual(out, records);
});

test("reports a partial record as not idle", () => {
  const decoder = new RecordIODecoder();
  decoder.decode(Buffer.from("10\nabc"));
  assert.equal(decoder.idle, false);
});

for (const [name, garbage] of [
  ["letters in the length", "12a\nxxxx"],
  ["HTTP text", "HTTP/1.1 200 OK\r\n"],
  ["an empty length", "\nabc"],
  ["a negative length", "-1\n"],
  ["an overlong prefix", "99999999999999999999999\n"],
] as const) {
  test(`rejects ${name}`, () => {
    assert.throws(() => new RecordIODecoder().decode(Buffer.from(garbage)), RecordIOError);
  });
}

test("rejects records above the size limit", () => {
  assert.throws(() => new RecordIODecoder({ maxRecordBytes: 10 }).decode(Buffer.from("11\n")), /record of 11 bytes exceeds the 10-byte limit/);
});

test("the default limit is MAX_RECORD_BYTES (4 MiB): a record of that size passes, one byte more does not", () => {
  const decoder = new RecordIODecoder();
  const [record] = decoder.decode(encodeRecord(Buffer.alloc(MAX_RECORD_BYTES)));
  assert.equal(record?.length, MAX_RECORD_BYTES);
  assert.throws(() => decoder.decode(Buffer.from(`${MAX_RECORD_BYTES + 1}\n`)), /exceeds the 4194304-byte limit/);
});

test("an oversized length is refused from its digits, before its newline and its bytes arrive", () => {
  const decoder = new RecordIODecoder({ maxRecordBytes: 100 });
  decoder.decode(Buffer.from("10"));
  assert.throws(() => decoder.decode(Buffer.from("1")), /record of at least 101 bytes exceeds the 100-byte limit/);
});

test("leading zeros do not count against the limit", () => {
  assert.deepEqual(new RecordIODecoder({ maxRecordBytes: 3 }).decode(Buffer.from("0003\nabc")), [Buffer.from("abc")]);
});

test("records before garbage in the same chunk are salvaged", () => {
  const decoder = new RecordIODecoder();
  assert.throws(() => decoder.decode(Buffer.concat([encodeRecord(Buffer.from("kill")), Buffer.from("zz\n")])), RecordIOError);
  assert.deepEqual(decoder.takeDecoded(), [Buffer.from("kill")]);
  assert.deepEqual(decoder.takeDecoded(), []);
});
