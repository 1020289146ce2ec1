import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LogEnricher } from "./logEnricher.js";
import type { LogEvent } from "./logEvent.js";
import { encodeLogfmt, logfmtKey, logfmtText, logfmtValue } from "./logfmtEncoder.js";
import { parseLogfmt } from "./lineParser.js";

const T = Date.UTC(2026, 10, 29, 20, 39, 34, 5);

describe("logfmtText", () => {
  it("time, msg, then the fields; values quoted when needed; newline framed", () => {
    const event: LogEvent = { time: T, stream: "stdout", message: 'say "hi"', fields: { a: "plain", b: "two words", c: "", d: 3, e: { f: 1 }, time: "x", "bad key": "v" }, truncated: false };
    const text = logfmtText(event);
    assert.equal(text, 'time=2026-11-29T20:39:34.005Z msg="say \\"hi\\"" a=plain b="two words" c="" d=3 e="{\\"f\\":1}" bad_key=v\n');
    assert.deepEqual(encodeLogfmt(event), Buffer.from(text));
  });

  it("round-trips through Berth's own logfmt parser, newlines and controls included", () => {
    const fields = { a: "line1\nline2", b: "tab\there", c: "x=y", d: "back\\slash", e: "nul\u0000" };
    const text = logfmtText({ time: T, stream: "stdout", message: "m", fields, truncated: true });
    assert.equal(text.indexOf("\n"), text.length - 1);
    assert.deepEqual(parseLogfmt(text.slice(0, -1)), { time: "2026-11-29T20:39:34.005Z", msg: "m", truncated: "true", ...fields });
  });

  it("an enriched event encodes exactly as the same plain event", () => {
    const enricher = new LogEnricher({ stream: "stdout", metadata: Object.freeze({ "task-id": "t 1", msg: "label" }) });
    const event = enricher.event("level=info msg=x a=b", false, T);
    assert.equal(logfmtText(event), logfmtText({ time: T, stream: "stdout", message: "x", fields: { ...event.fields }, truncated: false }));
  });

  it("keys and values", () => {
    assert.equal(logfmtKey(""), "_");
    assert.equal(logfmtKey('a b=c"d'), "a_b_c_d");
    assert.equal(logfmtValue(null), "null");
    assert.equal(logfmtValue("é"), "é");
    assert.equal(logfmtValue("\ud800"), '"\\ud800"');
  });
});
