import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnrichedEvent, fieldOf, LogEnricher, PREDECESSOR_TEXT_FIELDS } from "./logEnricher.js";

const metadata = Object.freeze({ "task-id": "t1", srchost: "h", stream: "stdout" });

describe("LogEnricher", () => {
  it("a plain text line carries the shared metadata object itself, and the time of the read", () => {
    const enricher = new LogEnricher({ stream: "stdout", metadata });
    const a = enricher.event("hello", false, 1000);
    const b = enricher.event("world", true, 2000);
    assert.equal(a.fields, metadata);
    assert.equal(b.fields, metadata);
    assert.deepEqual([a.message, a.time, a.truncated, a.stream], ["hello", 1000, false, "stdout"]);
    assert.equal(b.truncated, true);
  });

  it("line fields first, then metadata, which the line never overwrites; message and time keys and dropped keys left out", () => {
    const enricher = new LogEnricher({ stream: "stdout", metadata, dropKeys: ["secret"] });
    const event = enricher.event('{"srchost":"forged","msg":"m","time":"2026-11-29T20:39:34Z","a":1,"secret":"s","b":{"c":[1]}}', false, 5);
    assert.ok(event instanceof EnrichedEvent);
    assert.equal(event.message, "m");
    assert.equal(event.time, Date.UTC(2026, 10, 29, 20, 39, 34));
    assert.deepEqual(event.lineFields, { a: 1, b: { c: [1] } });
    assert.deepEqual(Object.entries(event.fields), [["a", 1], ["b", { c: [1] }], ["task-id", "t1"], ["srchost", "h"], ["stream", "stdout"]]);
    assert.equal(fieldOf(event, "srchost"), "h");
    assert.equal(fieldOf(event, "a"), 1);
    assert.equal(fieldOf(event, "nope"), undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(event)), { time: event.time, stream: "stdout", message: "m", fields: { ...event.fields }, truncated: false });
  });

  it("text fields (the predecessor's level/logger for non-JSON lines) go on plain lines only, never over metadata", () => {
    const enricher = new LogEnricher({ stream: "stdout", metadata, textFields: { ...PREDECESSOR_TEXT_FIELDS, srchost: "forged" } });
    const text = enricher.event("not json", false, 1);
    assert.deepEqual(text.fields, { level: "INFO", logger: "invalid-format", "task-id": "t1", srchost: "h", stream: "stdout" });
    assert.deepEqual(enricher.event('{"msg":"json","level":"debug"}', false, 1).fields, { level: "debug", "task-id": "t1", srchost: "h", stream: "stdout" });
  });

  it("a structured line whose fields are all consumed has no line fields", () => {
    const event = new LogEnricher({ stream: "stderr", metadata }).event('{"msg":"only"}', false, 1);
    assert.equal(event.lineFields, undefined);
    assert.equal(event.fields, metadata);
  });
});
