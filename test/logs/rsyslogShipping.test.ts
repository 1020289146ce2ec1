// Log shipping into a real rsyslogd (Debian's 8.2302): plain TCP (octet-counted RFC 5424), TLS (gtls, verified),
// and RELP (imrelp, acknowledged). Lines carry a sequence number; rsyslog writes each message raw to a file, which
// the tests read back for count, order and content. The outage tests stop rsyslogd with SIGTERM mid-stream and start
// it again on the same port, and state what each protocol can guarantee across that.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger, silentLogger, type Logger } from "../../src/logger.js";
import type { Encoder, LogEvent } from "../../src/logs/logEvent.js";
import { parseSinkUrl } from "../../src/logs/ship/sinkConfig.js";
import { SinkShipper } from "../../src/logs/ship/sinkShipper.js";
import { transportFor } from "../../src/logs/ship/transportFor.js";
import { makeTestCertificates, type TestCertificates } from "../helpers/certificates.js";
import { startRsyslog, type TestRsyslog } from "../helpers/rsyslog.js";
import { waitFor } from "../helpers/waitFor.js";

// Test-only RFC 5424 encoder (the real one is logs/'s): octet-counted for TCP/TLS, bare for RELP.
const syslog = (framed: boolean): Encoder => (event) => {
  const body = Buffer.from(`<14>1 ${new Date(event.time).toISOString()} berth-test app - - - ${event.message}`);
  return framed ? Buffer.concat([Buffer.from(`${body.length} `), body]) : body;
};
const TIME = Date.parse("2026-11-29T12:00:00.000Z");
const PAD = "p".repeat(150);
const event = (i: number): LogEvent => ({ time: TIME, stream: "stdout", message: `seq=${String(i).padStart(7, "0")} ${PAD}`, fields: {}, truncated: false });
/** What rsyslog writes for line i (%rawmsg%, no framing). */
const expected = (i: number): string => syslog(false)(event(i)).toString();
const seqOf = (line: string): number => {
  const match = /seq=(\d{7}) /.exec(line);
  return match ? Number(match[1]) : -1;
};

const root = mkdtempSync(join(tmpdir(), "berth-rsyslog-ship-"));
let spools = 0;
function sink(url: string, { logger = silentLogger as Logger, framed = true, spool = true } = {}): SinkShipper {
  const config = parseSinkUrl(url);
  return new SinkShipper({ config, transport: transportFor(config), encoder: syslog(framed), spoolRoot: spool ? join(root, `spool-${spools++}`) : undefined, logger });
}

/** Pushes lines [from, to) paced over event-loop turns (an app writing steadily), `perTurn` at a time. */
async function pushPaced(target: SinkShipper, from: number, to: number, perTurn = 200, onLine?: (i: number) => Promise<void> | void): Promise<void> {
  for (let i = from; i < to; ) {
    const end = Math.min(to, i + perTurn);
    for (; i < end; i++) target.push(event(i));
    await onLine?.(i);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Sequence numbers in arrival order, after the file has `count` lines (or more). */
async function arrived(rsyslog: TestRsyslog, count: number): Promise<number[]> {
  await waitFor(() => rsyslog.lines().length >= count, { what: `${count} lines in rsyslog's file`, timeoutMs: 60_000, intervalMs: 50 });
  return rsyslog.lines().map(seqOf);
}

let certs: TestCertificates;
let rsyslog: TestRsyslog;
before(async () => {
  certs = makeTestCertificates();
  rsyslog = await startRsyslog({ relp: true, tls: { caFile: certs.ca.certFile, certFile: certs.server.certFile, keyFile: certs.server.keyFile } });
});
after(async () => {
  await rsyslog?.remove();
  certs?.remove();
  rmSync(root, { recursive: true, force: true });
});

describe("shipping to a real rsyslog", { concurrency: false }, () => {
  let offset = 0;
  /** rsyslog's file is shared by the tests: each looks at what it added. */
  const mark = (): void => void (offset = rsyslog.lines().length);
  const mine = (lines: string[]): string[] => lines.slice(offset);

  it("TCP: 50,000 lines arrive complete, in order and byte for byte", async () => {
    mark();
    const target = sink(`tcp://127.0.0.1:${rsyslog.tcpPort}?format=syslog`);
    for (let i = 0; i < 50_000; i++) target.push(event(i));
    const result = await target.flush(AbortSignal.timeout(60_000));
    assert.equal(result.complete, true, result.error);
    await arrived(rsyslog, offset + 50_000);
    const lines = mine(rsyslog.lines());
    assert.equal(lines.length, 50_000);
    for (let i = 0; i < 50_000; i++) if (lines[i] !== expected(i)) assert.fail(`line ${i}: ${lines[i]} !== ${expected(i)}`);
    assert.equal(target.counters().shipped, 50_000);
  });

  it("TLS (verified against the test CA, with a client certificate): lines arrive in order", async () => {
    mark();
    const target = sink(`tls://localhost:${rsyslog.tlsPort}?ca=${certs.ca.certFile}&cert=${certs.client.certFile}&key=${certs.client.keyFile}`);
    for (let i = 0; i < 5_000; i++) target.push(event(i));
    const result = await target.flush(AbortSignal.timeout(60_000));
    assert.equal(result.complete, true, result.error);
    await arrived(rsyslog, offset + 5_000);
    assert.deepEqual(mine(rsyslog.lines()), Array.from({ length: 5_000 }, (_, i) => expected(i)));
  });

  it("TLS with a CA that did not sign the server: refused with a clear error, nothing sent, lines kept until the deadline", async () => {
    mark();
    const log: string[] = [];
    const target = sink(`tls://localhost:${rsyslog.tlsPort}?ca=${certs.otherCa.certFile}&backoff_min=50ms&backoff_max=200ms`, { logger: createLogger((l) => log.push(l)) });
    for (let i = 0; i < 100; i++) target.push(event(i));
    await waitFor(() => target.counters().connectFailures >= 2, { what: "refused TLS connections" });
    const counters = target.counters();
    assert.match(counters.lastError ?? "", /certificate is refused \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    assert.match(log.join(""), /code=SHIP_TLS_VERIFY_FAILED/);
    assert.equal(counters.shipped, 0);
    assert.equal(counters.pendingLines, 100);
    const result = await target.flush(AbortSignal.timeout(200));
    assert.deepEqual([result.complete, result.dropped], [false, 100]);
    assert.equal(rsyslog.lines().length, offset, "nothing reached rsyslog");
  });

  it("RELP: 20,000 acknowledged lines arrive complete and in order", async () => {
    mark();
    const target = sink(`relp://127.0.0.1:${rsyslog.relpPort}`, { framed: false });
    for (let i = 0; i < 20_000; i++) target.push(event(i));
    const result = await target.flush(AbortSignal.timeout(60_000));
    assert.equal(result.complete, true, result.error);
    await arrived(rsyslog, offset + 20_000);
    assert.deepEqual(mine(rsyslog.lines()), Array.from({ length: 20_000 }, (_, i) => expected(i)));
  });

  it("spool bound low while rsyslog is down: the newest lines are dropped and counted, and rsyslog gets 'dropped N lines (spool_full)'", async () => {
    mark();
    await rsyslog.stop();
    const target = sink(`tcp://127.0.0.1:${rsyslog.tcpPort}?memory=64k&spool=200k&backoff_min=50ms&backoff_max=300ms`);
    for (let i = 0; i < 4_000; i++) target.push(event(i));
    await waitFor(() => target.counters().dropped.spool_full > 0 && target.counters().connectFailures >= 1, { what: "a full spool" });
    const dropped = target.counters().dropped.spool_full;
    await rsyslog.start();
    const result = await target.flush(AbortSignal.timeout(60_000));
    assert.equal(result.complete, true, result.error);
    const kept = 4_000 - dropped;
    await arrived(rsyslog, offset + kept + 1);
    const lines = mine(rsyslog.lines());
    assert.equal(lines.length, kept + 1);
    assert.match(lines[0]!, new RegExp(` dropped ${dropped} lines \\(spool_full\\)$`));
    assert.deepEqual(lines.slice(1), Array.from({ length: kept }, (_, i) => expected(i)));
    assert.equal(target.counters().shipped + dropped, 4_000);
  });

  it("RELP, rsyslog stopped (SIGTERM) and restarted mid-stream: every line arrives, in order; re-sent unacknowledged lines are the only duplicates", async () => {
    mark();
    const target = sink(`relp://127.0.0.1:${rsyslog.relpPort}?backoff_min=50ms&backoff_max=300ms`, { framed: false });
    let stopped: Promise<void> | undefined;
    await pushPaced(target, 0, 30_000, 200, async (i) => {
      if (i === 10_000) stopped = rsyslog.stop();
      if (i === 20_000) {
        await stopped;
        await rsyslog.start();
      }
    });
    const result = await target.flush(AbortSignal.timeout(60_000));
    assert.equal(result.complete, true, result.error);
    const seqs = mine(await arrived(rsyslog, offset + 30_000).then(() => rsyslog.lines())).map(seqOf);
    // At least once: every line is there. In order: after dropping repeats, the sequence is 0..29,999.
    const unique: number[] = [];
    let duplicates = 0;
    for (const seq of seqs) {
      if (unique.includes(seq, Math.max(0, unique.length - 1000))) duplicates++;
      else unique.push(seq);
    }
    assert.deepEqual(unique, Array.from({ length: 30_000 }, (_, i) => i));
    assert.ok(duplicates <= 128, `duplicates ${duplicates} (at most the RELP window)`);
    assert.equal(target.counters().shipped, 30_000);
    console.log(`# RELP outage: ${duplicates} duplicate(s), ${target.counters().connects} connections`);
  });

  it("plain TCP, rsyslog stopped (SIGTERM) and restarted mid-stream: in order, no duplicates, everything after the restart; lines the kernel took while rsyslog went away can be lost (TCP cannot see it), and the test reports how many", async () => {
    mark();
    const target = sink(`tcp://127.0.0.1:${rsyslog.tcpPort}?backoff_min=50ms&backoff_max=300ms`);
    let stopped: Promise<void> | undefined;
    let noticedAt: number | undefined;
    await pushPaced(target, 0, 30_000, 200, async (i) => {
      if (i === 10_000) stopped = rsyslog.stop();
      if (i > 10_000 && noticedAt === undefined && !target.counters().connected) noticedAt = i;
      if (i === 20_000) {
        await stopped;
        await rsyslog.start();
      }
    });
    const result = await target.flush(AbortSignal.timeout(60_000));
    assert.equal(result.complete, true, result.error);
    await waitFor(() => rsyslog.lines().length > offset && seqOf(rsyslog.lines().at(-1)!) === 29_999, { what: "the last line", timeoutMs: 60_000 });
    const seqs = mine(rsyslog.lines()).map(seqOf);
    for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k]! > seqs[k - 1]!, `in order, no duplicates at ${k}: ${seqs[k - 1]} then ${seqs[k]}`);
    const gaps: [number, number][] = [];
    for (let k = 1; k < seqs.length; k++) if (seqs[k]! !== seqs[k - 1]! + 1) gaps.push([seqs[k - 1]!, seqs[k]!]);
    assert.equal(seqs[0], 0);
    const lost = 30_000 - seqs.length;
    assert.ok(noticedAt !== undefined && noticedAt <= 20_000, "the sink saw the connection go");
    // Lost lines can only be lines the kernel took while rsyslog was going away: the connection it closed, or one
    // its listener still queued during its shutdown. Everything pushed once it was back arrived (checked above).
    for (const [from, to] of gaps) assert.ok(from >= 0 && to <= 20_000, `gap ${from}…${to} lies within the outage`);
    assert.ok(seqs.includes(20_000) && seqs.at(-1) === 29_999);
    assert.equal(target.counters().shipped, 30_000, "every line was handed to the kernel once: plain TCP cannot tell more");
    console.log(`# plain TCP outage: ${lost} line(s) lost silently (kernel buffers) in ${gaps.length} gap(s); the sink noticed the loss at line ${noticedAt}`);
  });
});
