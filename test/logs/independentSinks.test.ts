// Several sinks at once, each on its own: a Logstash-style receiver (the json_lines receiver double) gets every line
// while another sink accepts and never reads and a third names a host that does not resolve.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createLogger } from "../../src/logger.js";
import type { Encoder, LogEvent } from "../../src/logs/logEvent.js";
import { LogShipper } from "../../src/logs/ship/logShipper.js";
import { parseSinkUrl } from "../../src/logs/ship/sinkConfig.js";
import { startJsonLinesReceiver } from "../doubles/jsonLinesReceiver.js";
import { waitFor } from "../helpers/waitFor.js";

// Test-only Logstash json_lines encoder (the real one is logs/'s).
const logstash: Encoder = (event) =>
  Buffer.from(`${JSON.stringify({ "@timestamp": new Date(event.time).toISOString(), "@version": "1", message: event.message, stream: event.stream, ...event.fields })}\n`);
const event = (i: number): LogEvent => ({ time: Date.now(), stream: "stdout", message: `line ${i} ${"x".repeat(150)}`, fields: { seq: i }, truncated: false });

const root = mkdtempSync(join(tmpdir(), "berth-sinks-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("LogShipper with several sinks (json_lines receiver double)", () => {
  it("a sink that never reads and an unresolvable one do not hold up a working one; flush reports each", async () => {
    const good = await startJsonLinesReceiver();
    const stuck = await startJsonLinesReceiver({ read: false });
    const log: string[] = [];
    const shipper = new LogShipper({
      sinks: [
        parseSinkUrl(`tcp://127.0.0.1:${good.port}?name=good`),
        parseSinkUrl(`tcp://127.0.0.1:${stuck.port}?name=stuck&memory=256k`),
        parseSinkUrl("tcp://berth-no-such-host.invalid:5000?name=nowhere&memory=256k&backoff_min=50ms&backoff_max=500ms"),
      ],
      encoderFor: () => logstash,
      spoolRoot: root,
      logger: createLogger((line) => log.push(line)),
    });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1_000; i++) shipper.push(event(round * 1_000 + i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => good.events.length === 50_000, { what: "every line at the working receiver", timeoutMs: 60_000 });
    assert.deepEqual(good.problems, []);
    assert.deepEqual(good.events.map((e) => e.seq), Array.from({ length: 50_000 }, (_, i) => i));
    const [, stuckCounters, nowhere] = shipper.counters().sinks;
    assert.ok(stuckCounters!.spooled > 0 && stuckCounters!.memoryBytes < 3 * 1024 * 1024, JSON.stringify(stuckCounters));
    assert.equal(nowhere!.connected, false);
    assert.match(nowhere!.lastError ?? "", /cannot resolve berth-no-such-host\.invalid/);
    assert.match(log.join(""), /sink=nowhere code=SHIP_RESOLVE_FAILED/);
    assert.equal(nowhere!.pendingLines, 50_000);

    const result = await shipper.flush(AbortSignal.timeout(2_000));
    assert.deepEqual(result.sinks.map((s) => [s.sink, s.complete]), [["good", true], ["stuck", false], ["nowhere", false]]);
    const counters = shipper.counters();
    assert.equal(counters.total.received, 150_000);
    assert.equal(counters.total.shipped + counters.total.dropped.shutdown, 150_000, "every line shipped or counted as dropped");
    assert.equal(result.dropped, counters.total.dropped.shutdown);
    assert.equal(counters.sinks[2]!.dropped.shutdown, 50_000);
    await good.stop();
    await stuck.stop();
  });

  it("json_lines receiver restarted (stopped and started on its port): the sink reconnects and replays in order", async () => {
    const rx = await startJsonLinesReceiver();
    const shipper = new LogShipper({
      sinks: [parseSinkUrl(`tcp://127.0.0.1:${rx.port}?backoff_min=20ms&backoff_max=200ms`)],
      encoderFor: () => logstash,
      spoolRoot: root,
      logger: createLogger(() => undefined),
    });
    for (let i = 0; i < 1_000; i++) shipper.push(event(i));
    await waitFor(() => rx.events.length === 1_000, { what: "the first lines" });
    await rx.stop();
    // The next lines meet a closed connection or a refused one: kept, then replayed.
    for (let i = 1_000; i < 3_000; i++) shipper.push(event(i));
    await waitFor(() => shipper.counters().sinks[0]!.connectFailures >= 1, { what: "a refused reconnect" });
    await rx.start();
    const result = await shipper.flush(AbortSignal.timeout(30_000));
    assert.equal(result.complete, true);
    assert.deepEqual(rx.problems, []);
    const seqs = rx.events.map((e) => e.seq as number);
    // Lines written into the connection that the receiver's stop destroyed may be gone (plain TCP); the rest is in
    // order with no duplicates, and everything after the refused reconnect is there.
    for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k]! > seqs[k - 1]!, `in order at ${k}`);
    assert.equal(seqs.at(-1), 2_999);
    await rx.stop();
  });
});
