import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encoderFor } from "./encoderFor.js";
import type { LogEvent } from "./logEvent.js";

const event: LogEvent = { time: 0, stream: "stdout", message: "m", fields: { srchost: "h" }, truncated: false };

describe("encoderFor", () => {
  it("every format with its framings", () => {
    assert.equal(encoderFor("json_lines", "newline")(event).toString(), '{"@timestamp":"1970-01-01T00:00:00.000Z","@version":"1","message":"m","srchost":"h"}\n');
    assert.equal(encoderFor("json_lines", "none")(event).toString(), '{"@timestamp":"1970-01-01T00:00:00.000Z","@version":"1","message":"m","srchost":"h"}');
    assert.equal(encoderFor("logfmt", "newline")(event).toString(), "time=1970-01-01T00:00:00.000Z msg=m srchost=h\n");
    assert.equal(encoderFor("logfmt", "none")(event).toString(), "time=1970-01-01T00:00:00.000Z msg=m srchost=h");
    const syslog = '<14>1 1970-01-01T00:00:00.000Z h - - stdout [berth@32473 srchost="h"] m';
    assert.equal(encoderFor("syslog", "none")(event).toString(), syslog);
    assert.equal(encoderFor("syslog", "octet-counted")(event).toString(), `${syslog.length} ${syslog}`);
    assert.equal(encoderFor("syslog", "none", { syslog: { facility: 16, appName: "shop" } })(event).toString().slice(0, 5), "<134>");
    assert.equal(encoderFor("gelf", "nul")(event).at(-1), 0);
    assert.equal(JSON.parse(encoderFor("gelf", "none", { gelfHost: "g" })(event).toString()).host, "g");
  });

  it("an impossible pair is a RangeError", () => {
    assert.throws(() => encoderFor("syslog", "newline"), /no newline framing for the syslog format/);
    assert.throws(() => encoderFor("gelf", "octet-counted"), RangeError);
    assert.throws(() => encoderFor("json_lines", "nul"), RangeError);
  });
});
