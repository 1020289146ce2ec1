import assert from "node:assert/strict";
import { test } from "node:test";
import { benchLine, LINE_BYTES, LineBlock, seqOfLine } from "./benchLines.js";
import { SeqCounter } from "./seqCounter.js";

test("benchLine: exactly 200 bytes, valid JSON, its number readable", () => {
  for (const seq of [0, 7, 123_456, 9_999_999_999]) {
    const line = benchLine(seq);
    assert.equal(Buffer.byteLength(line), LINE_BYTES);
    assert.ok(line.endsWith("}\n"));
    const parsed = JSON.parse(line) as { msg: string; time: string };
    assert.match(parsed.msg, /^bench-seq=\d{10} /);
    assert.equal(seqOfLine(line), seq);
  }
  assert.throws(() => benchLine(10 ** 10), RangeError);
  assert.throws(() => benchLine(0, 40), RangeError);
});

test("LineBlock.fill renumbers in place, the same bytes as benchLine", () => {
  const block = new LineBlock(3);
  assert.equal(block.fill(41).toString("latin1"), benchLine(41) + benchLine(42) + benchLine(43));
  assert.equal(block.fill(1_000_000, 2).toString("latin1"), benchLine(1_000_000) + benchLine(1_000_001));
});

test("a number inside an encoded record (JSON-escaped, syslog) is found; lines without one are counted apart", () => {
  const counter = new SeqCounter();
  const record = `{"@timestamp":"x","message":"bench-seq=0000000000 fox","task-id":"t"}\n`;
  const syslog = `<14>1 2026-11-29T21:00:00.000Z host app - - [berth@1 a="b"] bench-seq=0000000001 fox\n`;
  counter.push(Buffer.from(`${record}${syslog}{"message":"dropped 5 lines (spool_full)"}\nbench-seq=12x\n`));
  const counts = counter.counts;
  assert.equal(counts.lines, 4);
  assert.equal(counts.distinct, 2);
  assert.equal(counts.unnumbered, 2);
  assert.deepEqual(counts.unnumberedSamples, ['{"message":"dropped 5 lines (spool_full)"}', "bench-seq=12x"]);
  assert.equal(counts.sample, record.trimEnd());
});

test("counts every line whatever the chunking: split inside the marker, the digits and the newline", () => {
  const text = Buffer.from(new LineBlock(50).fill(0).toString("latin1"));
  for (const size of [1, 7, 199, 200, 201, 4096]) {
    const counter = new SeqCounter();
    for (let i = 0; i < text.length; i += size) counter.push(text.subarray(i, i + size));
    counter.end();
    const counts = counter.counts;
    assert.equal(counts.lines, 50, `chunks of ${size}`);
    assert.equal(counts.distinct, 50);
    assert.equal(counts.bytes, text.length);
    assert.equal(counts.late + counts.duplicates + counts.unnumbered, 0);
    assert.equal(counter.missing(50), 0);
  }
});

test("shows the failures it is there to find: missing, duplicated and late lines", () => {
  const counter = new SeqCounter();
  // 0 1 2 _ 4 5 | 3 (late) | 5 (duplicate) | 9 ; 6, 7, 8 never
  for (const seq of [0, 1, 2, 4, 5, 3, 5, 9]) counter.push(Buffer.from(benchLine(seq)));
  const counts = counter.counts;
  assert.equal(counts.lines, 8);
  assert.equal(counts.distinct, 7);
  assert.equal(counts.duplicates, 1);
  assert.equal(counts.late, 1);
  assert.equal(counts.maxSeq, 9);
  assert.equal(counter.missing(10), 3);
  assert.equal(counter.missing(12), 5);
});

test("an unterminated last line counts only at end()", () => {
  const counter = new SeqCounter();
  counter.push(Buffer.from(benchLine(0) + benchLine(1).trimEnd()));
  assert.equal(counter.counts.lines, 1);
  counter.end();
  assert.equal(counter.counts.distinct, 2);
});

test("numbers far apart grow the bitmap", () => {
  const counter = new SeqCounter();
  counter.push(Buffer.from(benchLine(5_000_000) + benchLine(1)));
  assert.equal(counter.counts.distinct, 2);
  assert.equal(counter.counts.late, 1);
  assert.equal(counter.missing(2), 1);
});

test("streams of one counter: a stream that dies mid-line leaves a broken record, not a line", () => {
  const counter = new SeqCounter();
  const first = counter.stream();
  const second = counter.stream();
  first.push(Buffer.from(benchLine(0) + benchLine(1).slice(0, 80)));
  first.abandon();
  second.push(Buffer.from(benchLine(1) + benchLine(2)));
  second.end();
  const counts = counter.counts;
  assert.equal(counts.lines, 3);
  assert.equal(counts.broken, 1);
  assert.equal(counts.distinct, 3);
  assert.equal(counts.duplicates, 0);
  assert.equal(counts.bytes, LINE_BYTES + 80 + 2 * LINE_BYTES);
});
