import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineJoiner, STACK_TRACE_CONTINUATION } from "./lineJoiner.js";

const TRACE = [
  "Exception in thread main java.lang.IllegalStateException: boom",
  "\tat a.B.c(B.java:10)",
  "\tat a.B.main(B.java:3)",
  "Caused by: java.io.IOException: disk",
  "\t... 2 more",
];

describe("LineJoiner", () => {
  it("joins continuation lines into the line before them and passes a record on when a new one starts", () => {
    const got: [string, boolean][] = [];
    const joiner = new LineJoiner((text, truncated) => got.push([text, truncated]), { pattern: STACK_TRACE_CONTINUATION });
    for (const line of ["before", ...TRACE, "after"]) joiner.push(line, false);
    assert.deepEqual(got, [["before", false], [TRACE.join("\n"), false]]);
    joiner.close();
    assert.deepEqual(got.at(-1), ["after", false]);
    assert.equal(joiner.counters.joinedLines, 4);
  });

  it("bounds a record in lines and characters; a cut line keeps the record truncated", () => {
    const got: [string, boolean][] = [];
    const joiner = new LineJoiner((text, truncated) => got.push([text, truncated]), { pattern: /^ /, maxLines: 3, maxChars: 12 });
    for (const line of ["a", " 1", " 2", " 3", " 4"]) joiner.push(line, false);
    joiner.push(" y", true);
    // Longer than maxChars on its own: a record of its own (the line length bound applies to it).
    joiner.push(" long continuation", false);
    joiner.push(" x", false);
    joiner.close();
    assert.deepEqual(got, [["a\n 1\n 2", false], [" 3\n 4\n y", true], [" long continuation", false], [" x", false]]);
  });

  it("a global pattern does not carry lastIndex from one line to the next", () => {
    const got: string[] = [];
    const joiner = new LineJoiner((text) => got.push(text), { pattern: /^ /g });
    for (const line of ["a", " b", " c", " d"]) joiner.push(line, false);
    joiner.close();
    assert.deepEqual(got, ["a\n b\n c\n d"]);
  });

  it("passes a pending record on once the stream has been quiet for flushAfterMs", async () => {
    let resolveFlushed: (text: string) => void = () => undefined;
    const flushed = new Promise<string>((resolve) => (resolveFlushed = resolve));
    const joiner = new LineJoiner((text) => resolveFlushed(text), { pattern: STACK_TRACE_CONTINUATION, flushAfterMs: 20 });
    const start = performance.now();
    joiner.push("head", false);
    joiner.push("  continued", false);
    const deadline = setTimeout(() => resolveFlushed("no flush within 10 s"), 10_000);
    assert.equal(await flushed, "head\n  continued");
    clearTimeout(deadline);
    assert.ok(performance.now() - start >= 19);
    joiner.close();
  });
});
