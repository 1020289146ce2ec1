import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeJsonLine, jsonLineText } from "./jsonLinesEncoder.js";
import { LogEnricher } from "./logEnricher.js";
import type { LogEvent } from "./logEvent.js";

const T = Date.UTC(2026, 10, 29, 20, 39, 34, 5);

describe("jsonLineText", () => {
  it("Logstash's envelope first, then the fields; newline framed; envelope keys in fields left out", () => {
    const event: LogEvent = { time: T, stream: "stdout", message: "hi\n\u0000", fields: { a: 1, message: "dup", "@version": 9, nested: { b: [true, null] } }, truncated: false };
    const text = jsonLineText(event);
    assert.equal(text, '{"@timestamp":"2026-11-29T20:39:34.005Z","@version":"1","message":"hi\\n\\u0000","a":1,"nested":{"b":[true,null]}}\n');
    assert.deepEqual(encodeJsonLine(event), Buffer.from(text));
  });

  it("a truncated line carries truncated: true, which a field of that name cannot hide", () => {
    const text = jsonLineText({ time: T, stream: "stdout", message: "cut", fields: { truncated: false }, truncated: true });
    assert.deepEqual(JSON.parse(text), { "@timestamp": "2026-11-29T20:39:34.005Z", "@version": "1", message: "cut", truncated: true });
  });

  it("an enriched event encodes exactly as the same plain event (the metadata rendered once)", () => {
    const enricher = new LogEnricher({ stream: "stderr", metadata: Object.freeze({ "task-id": "t", message: "from a label", truncated: "label" }) });
    for (const [line, truncated] of [['{"msg":"x","a":"b","truncated":1}', true], ['{"msg":"x","a":"b"}', false], ["plain", false], ["plain", true]] as const) {
      const event = enricher.event(line, truncated, T);
      const plain: LogEvent = { time: event.time, stream: event.stream, message: event.message, fields: { ...event.fields }, truncated };
      assert.equal(jsonLineText(event), jsonLineText(plain), line);
      assert.equal(jsonLineText(event), jsonLineText(event));
    }
  });

  it("lone surrogates become escapes: the record is valid UTF-8 JSON", () => {
    const text = jsonLineText({ time: T, stream: "stdout", message: "a\ud800b", fields: { k: "\udc00" }, truncated: false });
    const buffer = Buffer.from(text);
    assert.equal(buffer.toString("utf8"), text);
    assert.equal(JSON.parse(text).message, "a\ud800b");
  });
});
