import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LogEnricher } from "./logEnricher.js";
import type { LogEvent } from "./logEvent.js";
import { headerField, sdName, sdValue, syslogEncoder, syslogText } from "./syslogEncoder.js";

const T = Date.UTC(2026, 10, 29, 20, 39, 34, 5);
const fields = { "task-id": "shop_cart.1", srchost: "agent 1", app: "/shop/cart", scid: 7, level: "warn", q: 'a"b]c\\d' };

describe("syslogText", () => {
  it("RFC 5424: PRI from the level, header from the fields, the fields as SD-PARAMs with \", ] and \\ escaped", () => {
    const event: LogEvent = { time: T, stream: "stdout", message: "hello", fields, truncated: false };
    assert.equal(
      syslogText(event),
      '<12>1 2026-11-29T20:39:34.005Z agent_1 /shop/cart shop_cart.1 stdout [berth@32473 task-id="shop_cart.1" srchost="agent 1" app="/shop/cart" scid="7" level="warn" q="a\\"b\\]c\\\\d"] hello',
    );
  });

  it("octet-counted prefixes the byte length; unframed is the bare record; an empty message has no trailing space", () => {
    const event: LogEvent = { time: T, stream: "stderr", message: "€", fields: {}, truncated: true };
    const bare = syslogText(event, { facility: 16 });
    assert.equal(bare, '<131>1 2026-11-29T20:39:34.005Z - - - stderr [berth@32473 truncated="true"] €');
    const framed = syslogEncoder({ framing: "octet-counted", facility: 16 })(event);
    assert.equal(framed.toString(), `${Buffer.byteLength(bare)} ${bare}`);
    assert.deepEqual(syslogEncoder({ framing: "none", facility: 16 })(event), Buffer.from(bare));
    assert.ok(syslogText({ ...event, message: "" }).endsWith('truncated="true"]'));
  });

  it("fixed header values and SD-ID from the options", () => {
    const text = syslogEncoder({ framing: "none", hostname: "h o", appName: "x".repeat(60), procId: "p", sdId: "my id@1" })({ time: T, stream: "hook", message: "m", fields: {}, truncated: false }).toString();
    assert.equal(text, `<14>1 2026-11-29T20:39:34.005Z h_o ${"x".repeat(48)} p hook [my_id@1] m`);
    assert.throws(() => syslogEncoder({ framing: "none", facility: 24 }), RangeError);
  });

  it("an enriched event encodes exactly as the same plain event", () => {
    const enricher = new LogEnricher({ stream: "stdout", metadata: Object.freeze({ "task-id": "t", srchost: "h" }) });
    const event = enricher.event('{"msg":"x","level":"error","k]":"v"}', true, T);
    const encode = syslogEncoder({ framing: "octet-counted" });
    assert.deepEqual(encode(event), encode({ time: T, stream: "stdout", message: "x", fields: { ...event.fields }, truncated: true }));
  });

  it("names and values", () => {
    assert.equal(sdName("a=b c]d\"e"), "a_b_c_d_e");
    assert.equal(sdName("x".repeat(40)), "x".repeat(32));
    assert.equal(sdName(""), "_");
    assert.equal(sdValue({ a: "]" }), '{\\"a\\":\\"\\]\\"}');
    assert.equal(headerField("", 10), "-");
    assert.equal(headerField("é", 10), "_");
  });
});
