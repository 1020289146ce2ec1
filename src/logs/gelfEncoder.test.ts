import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LogEvent } from "./logEvent.js";
import { gelfEncoder, gelfFieldName, gelfText } from "./gelfEncoder.js";

const T = Date.UTC(2026, 10, 29, 20, 39, 34, 5);

describe("gelfText", () => {
  it("GELF 1.1: version, host, short_message, timestamp in seconds, level, fields as _name with string or number values", () => {
    const event: LogEvent = { time: T, stream: "stderr", message: "", fields: { srchost: "agent-1", id: "x", n: 2, ok: true, none: null, deep: { a: 1 }, "a b": "c" }, truncated: true };
    assert.deepEqual(JSON.parse(gelfText(event)), {
      version: "1.1",
      host: "agent-1",
      short_message: "-",
      timestamp: T / 1000,
      level: 3,
      _truncated: "true",
      _srchost: "agent-1",
      _id_: "x",
      _n: 2,
      _ok: "true",
      _deep: '{"a":1}',
      _a_b: "c",
    });
  });

  it("NUL framing for TCP (the JSON text holds no raw NUL), none for UDP", () => {
    const event: LogEvent = { time: T, stream: "stdout", message: "a\u0000b", fields: {}, truncated: false };
    const framed = gelfEncoder({ framing: "nul", host: "h" })(event);
    assert.equal(framed.indexOf(0), framed.length - 1);
    assert.equal(JSON.parse(framed.subarray(0, -1).toString()).short_message, "a\u0000b");
    assert.equal(gelfEncoder({ framing: "none" })(event).includes(0), false);
    assert.equal(gelfFieldName("_proto__"), "___proto__");
  });
});
