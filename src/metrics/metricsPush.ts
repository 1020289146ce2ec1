// Pushes every sample at an interval, as the predecessor pushed to Graphite: StatsD gauges over UDP, or Graphite's
// plaintext protocol over TCP. Counters go as their running totals (gauges), so that a lost datagram loses nothing.
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** "berth.berth_hook_duration_seconds_sum.hook.consul.phase.healthy": label names and values as path components. */
export function samplePath(prefix: string, sample: Sample): string {
  const parts = [prefix, clean(sample.name)];
  for (const key of Object.keys(sample.labels).sort()) parts.push(clean(key), clean(String(sample.labels[key])));
  return parts.join(".");
}

/** A path component: only [A-Za-z0-9_-]; anything else (dots included) becomes "_", and empty becomes "none". */
function clean(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_") || "none";
}

export function statsdLines(prefix: string, samples: readonly Sample[]): string[] {
  return samples.filter((s) => Number.isFinite(s.value)).map((s) => `${samplePath(prefix, s)}:${s.value}|g`);
}

export function graphiteLines(prefix: string, samples: readonly Sample[], nowSeconds: number): string[] {
  return samples.filter((s) => Number.isFinite(s.value)).map((s) => `${samplePath(prefix, s)} ${s.value} ${nowSeconds}`);
}

export interface MetricsPushOptions {
  readonly protocol: "statsd" | "graphite";
  readonly host: string;
  readonly port: number;
  readonly prefix: string;
  readonly intervalMs: number;
  readonly samples: () => Promise<readonly Sample[]>;
  /** A failed push is reported here (once per failure streak) and retried at the next interval. */
  readonly onError: (message: string) => void;
  readonly signal: AbortSignal;
}

/** StatsD datagrams stay under a typical MTU so that no gauge is cut. */
const MAX_DATAGRAM = 1_400;

export function startMetricsPush(options: MetricsPushOptions): { pushNow(): Promise<void> } {
  let timer: LongTimer | undefined;
  let failing = false;
  const pushNow = async (): Promise<void> => {
    try {
      const samples = await options.samples();
      if (options.protocol === "statsd") await sendStatsd(options, statsdLines(options.prefix, samples));
      else await sendGraphite(options, graphiteLines(options.prefix, samples, Math.floor(Date.now() / 1000)));
      failing = false;
    } catch (error) {
      if (!failing) options.onError(`metrics push to ${options.protocol}://${options.host}:${options.port} failed: ${error instanceof Error ? error.message : String(error)}`);
      failing = true;
    }
  };
  const schedule = (): void => {
    if (options.signal.aborted) return;
    timer = setLongTimeout(() => void pushNow().finally(schedule), options.intervalMs).unref();
  };
  options.signal.addEventListener("abort", () => timer?.clear(), { once: true });
  schedule();
  return { pushNow };
}

async function sendStatsd(target: { host: string; port: number; signal: AbortSignal }, lines: readonly string[]): Promise<void> {
  const socket = createSocket(target.host.includes(":") ? "udp6" : "udp4");
  try {
    let batch = "";
    const flush = async (): Promise<void> => {
      if (batch === "") return;
      const payload = batch;
      batch = "";
      await new Promise<void>((resolve, reject) => socket.send(payload, target.port, target.host, (error) => (error ? reject(error) : resolve())));
    };
    for (const line of lines) {
      if (batch.length + line.length + 1 > MAX_DATAGRAM) await flush();
      batch += batch === "" ? line : `\n${line}`;
    }
    await flush();
  } finally {
    socket.close();
  }
}

async function sendGraphite(target: { host: string; port: number; signal: AbortSignal }, lines: readonly string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, signal: target.signal });
    socket.setTimeout(10_000, () => socket.destroy(new Error("no progress within 10 s")));
    socket.once("error", reject);
    socket.once("connect", () => socket.end(lines.map((l) => `${l}\n`).join(""), () => resolve()));
  });
}
