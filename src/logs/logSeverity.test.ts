import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LogEvent } from "./logEvent.js";
import { severityOf, severityOfValue } from "./logSeverity.js";

const event = (stream: LogEvent["stream"], fields: LogEvent["fields"]): LogEvent => ({ time: 0, stream, message: "", fields, truncated: false });

describe("severityOf", () => {
  it("the line's level (names and pino numbers), else stderr → error, stdout and hooks → informational", () => {
    assert.equal(severityOf(event("stdout", { level: "WARN" })), 4);
    assert.equal(severityOf(event("stdout", { lvl: "fatal" })), 2);
    assert.equal(severityOf(event("stdout", { level: 50 })), 3);
    assert.equal(severityOf(event("stdout", { severity: 7 })), 7);
    assert.equal(severityOf(event("stderr", { level: "nonsense" })), 3);
    assert.equal(severityOf(event("stdout", {})), 6);
    assert.equal(severityOf(event("hook", {})), 6);
    assert.equal(severityOfValue("constructor"), undefined);
    assert.equal(severityOfValue({ level: 1 }), undefined);
  });
});
