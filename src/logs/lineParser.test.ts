import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseIsoTime, parseLine, parseLogfmt, readTime } from "./lineParser.js";

describe("parseLine", () => {
  it("JSON object lines: the message from message/msg/log (first present), the other keys as fields, the time read", () => {
    const parsed = parseLine('{"time":"2026-11-29T20:39:34.123Z","level":"warn","msg":"slow","ms":812,"tags":["a"]}');
    assert.equal(parsed.format, "json");
    assert.equal(parsed.message, "slow");
    assert.equal(parsed.messageKey, "msg");
    assert.equal(parsed.timeKey, "time");
    assert.equal(parsed.time, Date.UTC(2026, 10, 29, 20, 39, 34, 123));
    assert.deepEqual(parsed.fields, { time: "2026-11-29T20:39:34.123Z", level: "warn", msg: "slow", ms: 812, tags: ["a"] });
    assert.equal(parseLine('{"log":"from docker\\n","message":"wins"}').message, "wins");
    assert.equal(parseLine('{"msg":{"nested":true}}').message, '{"nested":true}');
    assert.equal(parseLine('  {"msg":"indented"} ').message, "indented");
  });

  it("a JSON line without a message key has an empty message; a time that cannot be read stays a field", () => {
    const parsed = parseLine('{"a":1,"time":"yesterday"}');
    assert.equal(parsed.message, "");
    assert.equal(parsed.messageKey, undefined);
    assert.equal(parsed.time, undefined);
    assert.equal(parsed.timeKey, undefined);
  });

  it("malformed or non-object JSON is plain text", () => {
    for (const line of ['{"a":1', '{"a":}', "[1,2]", '"text"', "{not json}"]) {
      const parsed = parseLine(line);
      assert.equal(parsed.format, "text", line);
      assert.equal(parsed.message, line);
      assert.equal(parsed.fields, undefined);
    }
  });

  it("logfmt lines: pairs, quoted values with escapes, bare keys; message from msg", () => {
    const parsed = parseLine('ts=2026-11-29T20:39:34Z level=info msg="hello \\"world\\"" path=/x empty= flag');
    assert.equal(parsed.format, "logfmt");
    assert.equal(parsed.message, 'hello "world"');
    assert.equal(parsed.time, Date.UTC(2026, 10, 29, 20, 39, 34));
    assert.deepEqual(parsed.fields, { ts: "2026-11-29T20:39:34Z", level: "info", msg: 'hello "world"', path: "/x", empty: "", flag: "" });
  });

  it("prose with an = later on, unbalanced quotes and tabs are plain text", () => {
    for (const line of ["Started in 3 s, port=8080", 'a="unclosed', "a=b\tc=d", "=value", 'a=b"c', "a==b", "", "   "]) {
      assert.equal(parseLine(line).format, "text", JSON.stringify(line));
    }
  });

  it("__proto__ is an ordinary own field in JSON and logfmt lines", () => {
    const json = parseLine('{"__proto__":{"polluted":1},"msg":"x"}');
    assert.deepEqual(Object.keys(json.fields ?? {}), ["__proto__", "msg"]);
    const logfmt = parseLogfmt("__proto__=x a=b");
    assert.ok(logfmt !== undefined);
    assert.equal(Object.getPrototypeOf(logfmt), Object.prototype);
    assert.deepEqual(Object.keys(logfmt), ["__proto__", "a"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("readTime", () => {
  it("reads ISO-8601 text with or without fraction and zone, and epoch seconds, ms, µs, ns", () => {
    const t = Date.UTC(2026, 10, 29, 20, 39, 34, 123);
    assert.equal(readTime("2026-11-29T20:39:34.123Z"), t);
    assert.equal(readTime("2026-11-29T20:39:34.123456789Z"), t);
    assert.equal(readTime("2026-11-29 20:39:34,123"), t);
    assert.equal(readTime("2026-11-29T21:39:34.123+01:00"), t);
    assert.equal(readTime("2026-11-29T19:39:34.123-0100"), t);
    assert.equal(readTime(t / 1000), t);
    assert.equal(readTime(t), t);
    assert.equal(readTime(t * 1000), t);
    assert.equal(readTime(t * 1e6), t);
  });

  it("refuses what is not a time", () => {
    for (const value of ["2026-13-01T00:00:00Z", "2026-11-29", "2026-11-29T20:39:34Q", "29/11/2026 20:39:34", "2026-11-29T20:39:34.Z", 12, -5, Number.NaN, true, null]) {
      assert.equal(readTime(value), undefined, String(value));
    }
    assert.equal(parseIsoTime("0099-01-01T00:00:00Z"), undefined);
  });
});
