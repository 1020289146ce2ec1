// Property tests of the encoders (src/logs/*Encoder.ts): for any event — messages, field names and values with NUL,
// newlines, "]", '"', "\", "=", spaces, lone surrogates, nested values — every record is correctly framed and parses
// back to what was encoded (lone surrogates: as escapes in JSON and logfmt, as U+FFFD through syslog's UTF-8).
//
// Runs: fixed seed and a few hundred cases per property in CI; deeper with BERTH_FUZZ_RUNS / BERTH_FUZZ_SEED
// (see ../fuzz/fuzzParameters.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { gelfEncoder } from "../../src/logs/gelfEncoder.js";
import { encodeJsonLine } from "../../src/logs/jsonLinesEncoder.js";
import { LogEnricher } from "../../src/logs/logEnricher.js";
import type { FieldValue, LogEvent } from "../../src/logs/logEvent.js";
import { encodeLogfmt, logfmtKey } from "../../src/logs/logfmtEncoder.js";
import { parseLogfmt } from "../../src/logs/lineParser.js";
import { sdName, syslogEncoder } from "../../src/logs/syslogEncoder.js";
import { fuzzParameters } from "../fuzz/fuzzParameters.js";

const hostileString = fc
  .array(
    fc.oneof(
      fc.constantFrom("]", '"', "\\", "\n", "\r", "\u0000", "\ud800", "\udfff", "=", " ", "\t", "€", "😀", "\u2028", "[", "-"),
      fc.string({ maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }).map((codes) => String.fromCharCode(...codes)),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(""));

const value: fc.Arbitrary<FieldValue> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3, noNullPrototype: true }),
);

const event: fc.Arbitrary<LogEvent> = fc.record({
  time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  stream: fc.constantFrom("stdout" as const, "stderr" as const, "hook" as const),
  message: hostileString,
  fields: fc.dictionary(hostileString, value, { maxKeys: 6, noNullPrototype: true }),
  truncated: fc.boolean(),
});

/** The same event, as the enricher builds it (the encoders' fast path), when its fields allow. */
const events = fc.oneof(
  event,
  fc.tuple(event, fc.dictionary(hostileString, hostileString, { maxKeys: 4, noNullPrototype: true })).map(([e, metadata]) => {
    const enricher = new LogEnricher({ stream: e.stream, metadata: Object.freeze({ ...metadata }) });
    return enricher.fromParsed(
      { format: "json", message: e.message, fields: { ...e.fields }, messageKey: undefined, time: e.time, timeKey: undefined },
      e.truncated,
      0,
    );
  }),
);

/** What a value looks like after a round trip through UTF-8 (lone surrogates become U+FFFD). */
const viaUtf8 = (text: string): string => Buffer.from(text).toString("utf8");

test("json_lines: one newline, at the end; valid UTF-8 JSON; message and fields as encoded", () => {
  fc.assert(
    fc.property(events, (e) => {
      const record = encodeJsonLine(e);
      assert.equal(record.indexOf(0x0a), record.length - 1);
      const text = record.toString("utf8");
      assert.equal(Buffer.from(text).equals(record), true, "valid UTF-8");
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.equal(parsed.message, e.message);
      assert.equal(parsed["@version"], "1");
      assert.equal(parsed["@timestamp"], new Date(e.time).toISOString());
      if (e.truncated) assert.equal(parsed.truncated, true);
      for (const [key, fieldValue] of Object.entries(e.fields)) {
        if (["@timestamp", "@version", "message"].includes(key) || (e.truncated && key === "truncated")) continue;
        assert.deepEqual(parsed[key], fieldValue, key);
      }
    }),
    fuzzParameters(300),
  );
});

test("logfmt: one newline, at the end; parses back (keys mapped by logfmtKey, the last of equal keys wins)", () => {
  fc.assert(
    fc.property(events, (e) => {
      const record = encodeLogfmt(e);
      assert.equal(record.indexOf(0x0a), record.length - 1);
      const parsed = parseLogfmt(record.toString("utf8").slice(0, -1));
      assert.ok(parsed !== undefined, record.toString());
      // Lone surrogates are quoted as \uXXXX escapes: the message comes back exactly.
      assert.equal(parsed.msg, e.message);
      assert.equal(parsed.time, new Date(e.time).toISOString());
      const expected: Record<string, string> = {};
      for (const [key, fieldValue] of Object.entries(e.fields)) {
        if (["time", "msg"].includes(key) || (e.truncated && key === "truncated")) continue;
        expected[logfmtKey(key)] = typeof fieldValue === "string" ? fieldValue : JSON.stringify(fieldValue);
      }
      if (e.truncated) expected.truncated = "true";
      for (const [key, text] of Object.entries(expected)) assert.equal(parsed[key], text, key);
    }),
    fuzzParameters(300),
  );
});

/** A strict reader of one RFC 5424 record: header fields, SD-ELEMENTs with escaped PARAM-VALUEs, MSG. */
function readSyslog(record: string): { pri: number; header: string[]; params: [string, string][]; message: string | undefined } {
  const header = /^<(\d{1,3})>1 (\S+) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) /.exec(record);
  assert.ok(header, `header of ${JSON.stringify(record.slice(0, 200))}`);
  const pri = Number(header[1]);
  assert.ok(pri <= 191);
  assert.ok(!Number.isNaN(Date.parse(header[2] as string)));
  let i = header[0].length;
  const params: [string, string][] = [];
  const name = (): string => {
    const start = i;
    while (i < record.length && /[\x21-\x7e]/.test(record[i] as string) && !"= ]\"".includes(record[i] as string)) i++;
    assert.ok(i > start && i - start <= 32, `SD-NAME at ${start}`);
    return record.slice(start, i);
  };
  assert.equal(record[i++], "[");
  name();
  while (record[i] === " ") {
    i++;
    const key = name();
    assert.equal(record.slice(i, i + 2), '="');
    i += 2;
    let text = "";
    for (;;) {
      const c = record[i++];
      assert.ok(c !== undefined, "unterminated PARAM-VALUE");
      if (c === "\\") {
        const next = record[i++] as string;
        assert.ok(['"', "\\", "]"].includes(next), `escape of ${JSON.stringify(next)}`);
        text += next;
      } else if (c === '"') {
        break;
      } else {
        assert.notEqual(c, "]", "unescaped ]");
        text += c;
      }
    }
    params.push([key, text]);
  }
  assert.equal(record[i++], "]");
  if (i === record.length) return { pri, header: header.slice(2, 7) as string[], params, message: undefined };
  assert.equal(record[i++], " ");
  return { pri, header: header.slice(2, 7) as string[], params, message: record.slice(i) };
}

test("syslog: octet-counted frames the exact byte length; the record is RFC 5424 and its values unescape to the fields", () => {
  const encode = syslogEncoder({ framing: "octet-counted" });
  fc.assert(
    fc.property(events, (e) => {
      const framed = encode(e);
      const space = framed.indexOf(0x20);
      const length = Number(framed.subarray(0, space).toString("latin1"));
      assert.match(framed.subarray(0, space).toString("latin1"), /^[1-9]\d*$/);
      assert.equal(length, framed.length - space - 1);
      const record = readSyslog(framed.subarray(space + 1).toString("utf8"));
      assert.equal(record.header[4], e.stream);
      assert.equal(record.message ?? "", viaUtf8(e.message));
      const expected: [string, string][] = e.truncated ? [["truncated", "true"]] : [];
      for (const [key, fieldValue] of Object.entries(e.fields)) {
        if (e.truncated && key === "truncated") continue;
        expected.push([sdName(key), viaUtf8(typeof fieldValue === "string" ? fieldValue : JSON.stringify(fieldValue))]);
      }
      // Sorted: an object lists integer-like keys first, so merged fields may be ordered unlike the encoded ones.
      const sorted = (pairs: [string, string][]): [string, string][] => [...pairs].sort((a, b) => (a[0] + "\0" + a[1] < b[0] + "\0" + b[1] ? -1 : 1));
      assert.deepEqual(sorted(record.params), sorted(expected));
    }),
    fuzzParameters(300),
  );
});

test("GELF: one NUL, at the end; valid JSON with the required keys", () => {
  const encode = gelfEncoder({ framing: "nul" });
  fc.assert(
    fc.property(events, (e) => {
      const record = encode(e);
      assert.equal(record.indexOf(0), record.length - 1);
      const parsed = JSON.parse(record.subarray(0, -1).toString("utf8")) as Record<string, unknown>;
      assert.equal(parsed.version, "1.1");
      assert.equal(typeof parsed.host, "string");
      assert.equal(parsed.short_message, e.message === "" ? "-" : e.message);
      for (const [key, fieldValue] of Object.entries(parsed)) {
        if (["version", "host", "short_message", "timestamp", "level"].includes(key)) continue;
        assert.match(key, /^_[\w.-]*$/);
        assert.notEqual(key, "_id");
        assert.ok(typeof fieldValue === "string" || typeof fieldValue === "number", key);
      }
    }),
    fuzzParameters(300),
  );
});
