import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { silentLogger } from "../../logger.js";
import type { Encoder, LogEvent } from "../logEvent.js";
import { LogShipper } from "./logShipper.js";
import { parseSinkUrl, type SinkFraming } from "./sinkConfig.js";

const dir = mkdtempSync(join(tmpdir(), "berth-log-shipper-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const event = (message: string): LogEvent => ({ time: 0, stream: "stdout", message, fields: {}, truncated: false });

describe("LogShipper", () => {
  it("encodes once per distinct encoder, asks for each sink's framing, and adds up the counters", async () => {
    let calls = 0;
    const plain: Encoder = (e) => (calls++, Buffer.from(`${e.message}\n`));
    const shouting: Encoder = (e) => {
      if (e.message === "bad") throw new Error("cannot encode");
      return Buffer.from(`${e.message.toUpperCase()}\n`);
    };
    const framings: SinkFraming[] = [];
    const shipper = new LogShipper({
      sinks: [parseSinkUrl(`file://${dir}/a.log`), parseSinkUrl(`file://${dir}/b.log`), parseSinkUrl(`file://${dir}/c.log?format=logfmt`)],
      encoderFor: (config, framing) => (framings.push(framing), config.format === "logfmt" ? shouting : plain),
      logger: silentLogger,
    });
    for (const message of ["one", "bad", "two"]) shipper.push(event(message));
    assert.equal(calls, 3, "a and b share an encoder: one call per event");
    assert.deepEqual(framings, ["newline", "newline"], "one encoder per format and framing");
    const result = await shipper.flush(AbortSignal.timeout(10_000));
    assert.equal(result.complete, true);
    assert.equal(readFileSync(join(dir, "a.log"), "utf8"), "one\nbad\ntwo\n");
    assert.equal(readFileSync(join(dir, "b.log"), "utf8"), "one\nbad\ntwo\n");
    assert.equal(readFileSync(join(dir, "c.log"), "utf8"), "DROPPED 1 LINES (ENCODE_ERROR)\nONE\nTWO\n");
    const { total, sinks } = shipper.counters();
    assert.deepEqual([total.received, total.shipped, total.notices, total.dropped.encode_error], [9, 8, 1, 1]);
    assert.deepEqual(sinks.map((s) => s.shipped), [3, 3, 2]);
    shipper.push(event("late"));
    assert.equal(shipper.counters().total.dropped.shutdown, 3, "a line after the flush is counted as dropped by each sink");
  });
});
