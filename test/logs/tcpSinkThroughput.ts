// Not a test: a quick measurement of the TCP sink alone with pre-encoded 200-byte records (the pipeline's capture,
// parsing and encoding are logs/'s and measured by bench:logs). Run: node dist/test/logs/tcpSinkThroughput.js
// Prints lines/s against the same bytes written straight to a socket, the CPU share at a steady 10,000 lines/s,
// and the RSS peak through a 10 s outage at 10,000 lines/s (spooling to a temp dir).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/dev/freePort.js";
import { silentLogger } from "../../src/logger.js";
import { parseSinkUrl } from "../../src/logs/ship/sinkConfig.js";
import { SinkShipper } from "../../src/logs/ship/sinkShipper.js";
import { transportFor } from "../../src/logs/ship/transportFor.js";

const RECORD = Buffer.from(`${JSON.stringify({ "@timestamp": "2026-11-29T12:00:00.000Z", "@version": "1", message: "x".repeat(120), task: "t" })}`.padEnd(199, " ") + "\n");
const N = 2_000_000;
const CHUNK = 1_000; // lines per event-loop turn, about what capture hands over per read

/** A receiver in its own process that counts bytes and prints the total when told (stdin closes). */
async function receiver(port: number): Promise<{ bytes(): Promise<number>; stop(): void }> {
  const code = `const net=require("net");let n=0;net.createServer(s=>s.on("data",d=>n+=d.length)).listen(${port},"127.0.0.1",()=>console.log("ready"));setInterval(()=>console.log(n),50)`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  let last = 0;
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  child.stdout.on("data", (d: Buffer) => (last = Number(d.toString().trim().split("\n").at(-1))));
  return { bytes: async () => last, stop: () => child.kill() };
}

async function untilBytes(rx: { bytes(): Promise<number> }, total: number): Promise<void> {
  while ((await rx.bytes()) < total) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function raw(port: number): Promise<number> {
  const rx = await receiver(port);
  const socket = connect({ port, host: "127.0.0.1" });
  await new Promise((resolve) => socket.once("connect", resolve));
  const start = performance.now();
  const chunk = Buffer.concat(Array.from({ length: CHUNK }, () => RECORD));
  for (let i = 0; i < N; i += CHUNK) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  await untilBytes(rx, N * RECORD.length);
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  rx.stop();
  return N / seconds;
}

async function ours(port: number): Promise<number> {
  const rx = await receiver(port);
  const config = parseSinkUrl(`tcp://127.0.0.1:${port}`);
  const sink = new SinkShipper({ config, transport: transportFor(config), encoder: () => RECORD, logger: silentLogger });
  await new Promise((resolve) => setTimeout(resolve, 100)); // connected
  const start = performance.now();
  for (let i = 0; i < N; i += CHUNK) {
    for (let k = 0; k < CHUNK; k++) sink.pushEncoded(RECORD);
    // An app writes as fast as it can; capture reads a chunk per turn. Without backpressure, the sink's queue spills
    // to disk (none here): yield so that the sink's pump runs between chunks, as it would between reads.
    await new Promise((resolve) => setImmediate(resolve));
    while (sink.counters().memoryBytes > 4 * 1024 * 1024) await new Promise((resolve) => setImmediate(resolve));
  }
  await untilBytes(rx, N * RECORD.length);
  const seconds = (performance.now() - start) / 1000;
  const { dropped } = sink.counters();
  sink.close();
  rx.stop();
  if (Object.values(dropped).some((n) => n > 0)) throw new Error(`drops: ${JSON.stringify(dropped)}`);
  return N / seconds;
}

async function steady(port: number, seconds: number, down: boolean): Promise<{ cpuPct: number; rssPeakMb: number; shipped: number; spooled: number }> {
  const rx = down ? undefined : await receiver(port);
  const dir = mkdtempSync(join(tmpdir(), "berth-tput-"));
  const config = parseSinkUrl(`tcp://127.0.0.1:${port}?backoff_max=1s`);
  const sink = new SinkShipper({ config, transport: transportFor(config), encoder: () => RECORD, logger: silentLogger, spoolRoot: dir });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const cpu = process.cpuUsage();
  const start = performance.now();
  let rssPeak = 0;
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * 10_000);
    for (; sent < due; sent++) sink.pushEncoded(RECORD);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const used = process.cpuUsage(cpu);
  const elapsed = performance.now() - start;
  const { shipped, spooled } = sink.counters();
  sink.close();
  rx?.stop();
  rmSync(dir, { recursive: true, force: true });
  return { cpuPct: ((used.user + used.system) / 1000 / elapsed) * 100, rssPeakMb: rssPeak / 2 ** 20, shipped, spooled };
}

const rawRate = await raw(await freePort());
const ourRate = await ours(await freePort());
const idle = await steady(await freePort(), 5, false);
const outage = await steady(await freePort(), 10, true);
console.log(`| measure | value |\n|---|---|`);
console.log(`| plain socket, lines/s (200 B) | ${Math.round(rawRate)} |`);
console.log(`| TCP sink, lines/s (200 B, pre-encoded) | ${Math.round(ourRate)} |`);
console.log(`| ratio sink / plain | ${(ourRate / rawRate).toFixed(2)} |`);
console.log(`| CPU % of a core at 10,000 lines/s (sink only, incl. the test's pacing loop) | ${idle.cpuPct.toFixed(1)} |`);
console.log(`| RSS peak MB, steady 10,000 lines/s to a live sink | ${idle.rssPeakMb.toFixed(0)} |`);
console.log(`| RSS peak MB, 10 s outage at 10,000 lines/s (spooled ${outage.spooled}) | ${outage.rssPeakMb.toFixed(0)} |`);
console.log(`tcp_sink: lines_per_s=${Math.round(ourRate)} raw_lines_per_s=${Math.round(rawRate)} ratio=${(ourRate / rawRate).toFixed(2)} cpu_pct_at_10k=${idle.cpuPct.toFixed(1)} outage_rss_mb=${outage.rssPeakMb.toFixed(0)}`);
