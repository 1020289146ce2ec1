import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { waitFor } from "../../../test/helpers/waitFor.js";
import { freePort } from "../../dev/freePort.js";
import { createLogger, silentLogger } from "../../logger.js";
import type { Encoder, LogEvent } from "../logEvent.js";
import { parseSinkUrl } from "./sinkConfig.js";
import { SinkShipper, type SinkCounters } from "./sinkShipper.js";
import { transportFor } from "./transportFor.js";

// Test-only encoder: the event as JSON, one per line (the real encoders are logs/'s).
const jsonLine: Encoder = (event) => Buffer.from(`${JSON.stringify(event)}\n`);
const event = (i: number, size = 0): LogEvent => ({ time: Date.now(), stream: "stdout", message: `line ${i} ${"x".repeat(size)}`, fields: { i }, truncated: false });

const root = mkdtempSync(join(tmpdir(), "berth-shipper-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const spoolRoot = (): string => join(root, `spool-${dirs++}`);

/** A TCP receiver that collects lines (or, with `read: false`, accepts and never reads). */
async function receiver(port = 0, { read = true } = {}): Promise<{ server: Server; port: number; lines: string[]; sockets: Socket[]; close(): Promise<void> }> {
  const lines: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    if (!read) {
      socket.pause();
      return;
    }
    let rest = "";
    socket.on("data", (chunk) => {
      const parts = (rest + chunk.toString()).split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
    });
    socket.on("end", () => socket.end());
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : port,
    lines,
    sockets,
    close: () => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

const until = (check: () => boolean, what: string): Promise<true> => waitFor(() => check() || undefined, { what, timeoutMs: 30_000, intervalMs: 5 });

const messages = (lines: string[]): string[] => lines.map((line) => (JSON.parse(line) as LogEvent).message);
const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i} `);

function shipper(url: string, root?: string, logger = silentLogger): SinkShipper {
  const config = parseSinkUrl(url);
  return new SinkShipper({ config, transport: transportFor(config), encoder: jsonLine, spoolRoot: root, logger });
}

describe("SinkShipper", () => {
  it("ships many lines in order to a TCP receiver, and flush says everything was read", async () => {
    const rx = await receiver();
    const sink = shipper(`tcp://127.0.0.1:${rx.port}`, spoolRoot());
    for (let i = 0; i < 20_000; i++) sink.push(event(i));
    const result = await sink.flush(AbortSignal.timeout(30_000));
    assert.deepEqual(result, { sink: `tcp://127.0.0.1:${rx.port}`, complete: true, dropped: 0 });
    assert.deepEqual(messages(rx.lines), range(0, 20_000));
    const counters: SinkCounters = sink.counters();
    assert.equal(counters.received, 20_000);
    assert.equal(counters.shipped, 20_000);
    assert.equal(counters.pendingLines, 0);
    await rx.close();
  });

  it("spools while the receiver is down, replays in order when it comes, and logs the outage once", async () => {
    const port = await freePort();
    const log: string[] = [];
    const dir = spoolRoot();
    const sink = shipper(`tcp://127.0.0.1:${port}?memory=64k&backoff_min=20ms&backoff_max=200ms`, dir, createLogger((line) => log.push(line)));
    for (let i = 0; i < 5_000; i++) sink.push(event(i, 100));
    await until(() => sink.counters().spooled === 5_000 && sink.counters().connectFailures >= 3, "everything spooled and some retries");
    assert.ok(readdirSync(dir).length === 1, "the sink's spool directory");
    assert.ok(sink.counters().lagMs >= 0);
    assert.equal(log.filter((l) => l.includes("log sink down")).length, 1, log.join(""));
    assert.match(log[0]!, /code=SHIP_CONNECT_FAILED .*ECONNREFUSED/);
    const rx = await receiver(port);
    for (let i = 5_000; i < 6_000; i++) sink.push(event(i, 100));
    const result = await sink.flush(AbortSignal.timeout(30_000));
    assert.equal(result.complete, true);
    assert.deepEqual(messages(rx.lines).map((m) => m.slice(0, m.indexOf(" ", 5) + 1)), range(0, 6_000));
    assert.equal(sink.counters().shipped, 6_000);
    assert.ok(log.some((l) => l.includes("log sink up again")));
    await rx.close();
  });

  it("beyond the disk bound drops the newest lines, counts them, and sends 'dropped N lines (spool_full)' once back", async () => {
    const port = await freePort();
    const sink = shipper(`tcp://127.0.0.1:${port}?memory=64k&spool=100k&backoff_min=20ms&backoff_max=100ms`, spoolRoot());
    for (let i = 0; i < 3_000; i++) sink.push(event(i, 100));
    await until(() => sink.counters().dropped.spool_full > 0 && sink.counters().connectFailures >= 2, "the spool filled up");
    const dropped = sink.counters().dropped.spool_full;
    assert.ok(dropped > 1_000 && dropped < 3_000, `dropped ${dropped}`);
    const rx = await receiver(port);
    const result = await sink.flush(AbortSignal.timeout(30_000));
    assert.equal(result.complete, true);
    const got = messages(rx.lines);
    assert.equal(got[0], `dropped ${dropped} lines (spool_full)`);
    assert.deepEqual(got.slice(1).map((m) => m.slice(0, m.indexOf(" ", 5) + 1)), range(0, 3_000 - dropped));
    assert.equal(sink.counters().shipped + dropped, 3_000);
    assert.equal(sink.counters().notices, 1);
    await rx.close();
  });

  it("a flush that runs out of time counts what is left as dropped (shutdown) and deletes the spool", async () => {
    const port = await freePort();
    const dir = spoolRoot();
    const sink = shipper(`tcp://127.0.0.1:${port}?memory=64k`, dir);
    for (let i = 0; i < 2_000; i++) sink.push(event(i, 100));
    const result = await sink.flush(AbortSignal.timeout(300));
    assert.equal(result.complete, false);
    assert.equal(result.dropped, 2_000);
    assert.equal(sink.counters().dropped.shutdown, 2_000);
    assert.equal(sink.counters().pendingLines, 0);
    assert.deepEqual(readdirSync(join(dir, readdirSync(dir)[0]!)), []);
  });

  it("a receiver that accepts and never reads: memory stays bounded, the rest goes to disk", async () => {
    const rx = await receiver(0, { read: false });
    const sink = shipper(`tcp://127.0.0.1:${rx.port}?memory=256k`, spoolRoot());
    let maxMemory = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 1_000; i++) sink.push(event(round * 1_000 + i, 150));
      await new Promise((resolve) => setImmediate(resolve));
      maxMemory = Math.max(maxMemory, sink.counters().memoryBytes);
    }
    await until(() => sink.counters().spooled > 0 && sink.counters().pendingLines + sink.counters().shipped === 40_000, "spooling");
    const counters = sink.counters();
    // memory queue (256k) + in flight (1 MiB window) + the tail before it is spooled (1 MiB), with the records' size
    assert.ok(maxMemory < 2.5 * 1024 * 1024, `memory ${maxMemory}`);
    assert.ok(counters.spooled > 10_000, `spooled ${counters.spooled}`);
    assert.equal(Object.values(counters.dropped).reduce((a, b) => a + b, 0), 0);
    const result = await sink.flush(AbortSignal.timeout(500));
    assert.equal(result.complete, false);
    assert.equal(result.dropped, counters.pendingLines);
    await rx.close();
  });

  it("a spool directory that cannot be made: one clear log line, memory only, drops counted", async () => {
    const port = await freePort();
    const log: string[] = [];
    const sink = shipper(`tcp://127.0.0.1:${port}?memory=64k`, "/dev/null/sandbox", createLogger((line) => log.push(line)));
    for (let i = 0; i < 2_000; i++) sink.push(event(i, 100));
    await until(() => sink.counters().dropped.spool_unavailable > 0, "drops");
    for (let i = 0; i < 2_000; i++) sink.push(event(i, 100));
    await new Promise((resolve) => setImmediate(resolve));
    const counters = sink.counters();
    assert.equal(counters.received, 4_000);
    assert.equal(counters.pendingLines + counters.dropped.spool_unavailable, 4_000);
    assert.ok(counters.memoryBytes <= 2 * 64 * 1024, `memory ${counters.memoryBytes}`);
    assert.equal(counters.spoolAvailable, false);
    assert.equal(log.filter((l) => l.includes("disk spool failed")).length, 1);
    assert.match(log.find((l) => l.includes("disk spool failed"))!, /ENOTDIR/);
    sink.close();
  });

  it("UDP: one datagram per record, an oversize record dropped and counted", async () => {
    const { createSocket } = await import("node:dgram");
    const socket = createSocket("udp4");
    const got: string[] = [];
    socket.on("message", (message) => got.push(message.toString()));
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    const sink = shipper(`udp://127.0.0.1:${socket.address().port}?max_datagram=1000`);
    sink.push(event(0));
    sink.push(event(1, 2000));
    sink.push(event(2));
    await until(() => got.length === 3, "three datagrams");
    assert.deepEqual(messages(got.map((g) => g.trimEnd())), ["dropped 1 lines (oversize)", "line 0 ", "line 2 "], "the notice leads the next batch");
    assert.equal(sink.counters().dropped.oversize, 1);
    const result = await sink.flush(AbortSignal.timeout(10_000));
    assert.equal(result.complete, true);
    socket.close();
  });

  it("file: appends every record in order", async () => {
    const path = join(root, "task.log");
    const sink = shipper(`file://${path}`);
    for (let i = 0; i < 10_000; i++) sink.push(event(i));
    assert.equal((await sink.flush(AbortSignal.timeout(20_000))).complete, true);
    assert.deepEqual(messages(readFileSync(path, "utf8").trimEnd().split("\n")), range(0, 10_000));
  });
});
