// Property tests of the line assembly (src/logs/lineAssembler.ts) against a model that sees the whole stream at once:
// for any bytes (newlines, "\r", invalid UTF-8 and encoded U+FFFD frequent) in any chunking, the same lines, the same
// truncation marks and the same counters come out.
//
// Runs: fixed seed and a few hundred cases per property in CI; deeper with BERTH_FUZZ_RUNS / BERTH_FUZZ_SEED
// (see ../fuzz/fuzzParameters.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cutUtf8, LineAssembler } from "../../src/logs/lineAssembler.js";
import { fuzzParameters } from "../fuzz/fuzzParameters.js";

interface Outcome {
  lines: [string, boolean][];
  truncatedLines: number;
  droppedBytes: number;
  invalidUtf8: number;
}

function model(stream: Buffer, maxLineBytes: number): Outcome {
  const out: Outcome = { lines: [], truncatedLines: 0, droppedBytes: 0, invalidUtf8: 0 };
  let start = 0;
  while (start < stream.length) {
    const newline = stream.indexOf(0x0a, start);
    const end = newline === -1 ? stream.length : newline;
    const stripped = newline !== -1 && end > start && stream[end - 1] === 0x0d ? 1 : 0;
    const text = stream.toString("utf8", start, end - stripped);
    const bytes = Buffer.byteLength(text);
    if (bytes > maxLineBytes) {
      const cut = cutUtf8(text, maxLineBytes);
      out.lines.push([cut.text, true]);
      out.truncatedLines++;
      out.droppedBytes += bytes + stripped - cut.byteLength;
    } else {
      out.lines.push([text, false]);
    }
    start = end + 1;
  }
  const decoded = stream.toString("utf8");
  let replacements = 0;
  for (const char of decoded) if (char === "\uFFFD") replacements++;
  let genuine = 0;
  for (let at = stream.indexOf("\uFFFD"); at !== -1; at = stream.indexOf("\uFFFD", at + 3)) genuine++;
  out.invalidUtf8 = replacements - genuine;
  return out;
}

function assembled(chunks: readonly Buffer[], maxLineBytes: number): Outcome {
  const lines: [string, boolean][] = [];
  const assembler = new LineAssembler((text, truncated) => lines.push([text, truncated]), { maxLineBytes });
  for (const chunk of chunks) assembler.push(chunk);
  assembler.end();
  const { truncatedLines, droppedBytes, invalidUtf8 } = assembler.counters;
  assert.equal(assembler.counters.lines, lines.length);
  return { lines, truncatedLines, droppedBytes, invalidUtf8 };
}

/** Bytes where the interesting ones are frequent: newline, CR, ASCII, UTF-8 pieces, invalid bytes, encoded U+FFFD. */
const piece = fc.oneof(
  fc.constantFrom(Buffer.from("\n"), Buffer.from("\r"), Buffer.from("\r\n"), Buffer.from("\uFFFD"), Buffer.from("€"), Buffer.from("😀"), Buffer.from([0xff]), Buffer.from([0xe2, 0x82]), Buffer.from([0xc3])),
  fc.string({ maxLength: 40 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
);
const stream = fc.array(piece, { maxLength: 40 }).map((pieces) => Buffer.concat(pieces));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

function chunked(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((n) => (bytes.length === 0 ? 0 : n % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

test("any chunking gives the model's lines, marks and counters", () => {
  fc.assert(
    fc.property(stream, cuts, fc.integer({ min: 16, max: 64 }), (bytes, at, maxLineBytes) => {
      assert.deepEqual(assembled(chunked(bytes, at), maxLineBytes), model(bytes, maxLineBytes));
    }),
    fuzzParameters(400),
  );
});

test("byte-at-a-time equals all-at-once", () => {
  fc.assert(
    fc.property(stream, (bytes) => {
      const single = [...bytes].map((byte) => Buffer.from([byte]));
      assert.deepEqual(assembled(single, 16), assembled([bytes], 16));
    }),
    fuzzParameters(200),
  );
});
