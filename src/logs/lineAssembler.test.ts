import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cutUtf8, DEFAULT_MAX_LINE_BYTES, LineAssembler } from "./lineAssembler.js";

function assemble(chunks: readonly (Buffer | string)[], maxLineBytes?: number): { lines: [string, boolean][]; assembler: LineAssembler } {
  const lines: [string, boolean][] = [];
  const assembler = new LineAssembler((text, truncated) => lines.push([text, truncated]), maxLineBytes === undefined ? {} : { maxLineBytes });
  for (const chunk of chunks) assembler.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  assembler.end();
  return { lines, assembler };
}

describe("LineAssembler", () => {
  it("splits across chunks, accepts \\r\\n (also split between chunks) and keeps a character split between chunks whole", () => {
    const euro = Buffer.from("€");
    const { lines, assembler } = assemble([Buffer.concat([Buffer.from("a"), euro.subarray(0, 2)]), Buffer.concat([euro.subarray(2), Buffer.from("b\r")]), "\nc\n\n", "d\r\r\nlast"]);
    assert.deepEqual(lines, [["a€b", false], ["c", false], ["", false], ["d\r", false], ["last", false]]);
    assert.equal(assembler.counters.lines, 5);
    assert.equal(assembler.counters.bytes, Buffer.byteLength("a€b\r\nc\n\nd\r\r\nlast"));
    assert.equal(assembler.counters.invalidUtf8, 0);
  });

  it("cuts a line at the maximum (in UTF-8 bytes, on a character boundary), marks it and counts the dropped rest", () => {
    const { lines, assembler } = assemble([`${"x".repeat(15)}€€tail\nnext\n`], 20);
    // 15 + 3 = 18 bytes fit, the second € (3 bytes) would end at 21.
    assert.deepEqual(lines, [[`${"x".repeat(15)}€`, true], ["next", false]]);
    assert.equal(assembler.counters.truncatedLines, 1);
    assert.equal(assembler.counters.droppedBytes, Buffer.byteLength("€tail"));
  });

  it("passes a 10 MB line without newline on at the limit, at once, and drops the rest up to its newline", () => {
    const lines: [string, boolean][] = [];
    const assembler = new LineAssembler((text, truncated) => lines.push([text, truncated]));
    const piece = Buffer.alloc(64 * 1024, "y");
    for (let i = 0; i < 160; i++) {
      assembler.push(piece);
      // Passed on as soon as it is longer than the limit, not when (if ever) its newline comes.
      if (i >= 1) assert.equal(lines.length, 1);
    }
    assembler.push(Buffer.from("yyy\nafter\n"));
    assembler.end();
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], ["y".repeat(DEFAULT_MAX_LINE_BYTES), true]);
    assert.deepEqual(lines[1], ["after", false]);
    assert.equal(assembler.counters.droppedBytes, 160 * 64 * 1024 + 3 - DEFAULT_MAX_LINE_BYTES);
    assert.equal(assembler.counters.truncatedLines, 1);
  });

  it("a line exactly at the limit is whole; one byte more is cut", () => {
    assert.deepEqual(assemble([`${"a".repeat(16)}\n${"b".repeat(17)}\n`], 16).lines, [["a".repeat(16), false], ["b".repeat(16), true]]);
  });

  it("replaces invalid UTF-8 and binary output with U+FFFD and counts only the replacements it made", () => {
    const genuine = Buffer.from("\uFFFD");
    const { lines, assembler } = assemble([
      Buffer.from([0x61, 0xff, 0x62, 0x0a]),
      Buffer.concat([genuine.subarray(0, 1)]),
      Buffer.concat([genuine.subarray(1), Buffer.from([0x00, 0x01, 0xc3, 0x0a])]),
      Buffer.from([0xe2, 0x82]), // a truncated "€" at the very end
    ]);
    assert.deepEqual(lines, [["a\uFFFDb", false], ["\uFFFD\u0000\u0001\uFFFD", false], ["\uFFFD", false]]);
    // 0xff, the lone 0xc3 and the incomplete e2 82: three; the encoded U+FFFD split across chunks is not one.
    assert.equal(assembler.counters.invalidUtf8, 3);
  });

  it("end() is idempotent and a line pending when it is called is passed on", () => {
    const lines: string[] = [];
    const assembler = new LineAssembler((text) => lines.push(text));
    assembler.push(Buffer.from("no newline"));
    assembler.end();
    assembler.end();
    assert.deepEqual(lines, ["no newline"]);
  });

  it("refuses a maximum below 16 bytes", () => {
    assert.throws(() => new LineAssembler(() => undefined, { maxLineBytes: 15 }), RangeError);
  });
});

describe("cutUtf8", () => {
  it("never splits a character or a surrogate pair", () => {
    assert.deepEqual(cutUtf8("ab😀c", 5), { text: "ab", byteLength: 2 });
    assert.deepEqual(cutUtf8("ab😀c", 6), { text: "ab😀", byteLength: 6 });
    assert.deepEqual(cutUtf8("€€", 4), { text: "€", byteLength: 3 });
    assert.deepEqual(cutUtf8("short", 100), { text: "short", byteLength: 5 });
  });
});
