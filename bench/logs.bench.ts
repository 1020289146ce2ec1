// `npm run bench:logs`: what the log pipeline of the real `berth executor` (bin/berth-executor on the local agent)
// carries and costs, against baselines measured in the same run. Not a test: nothing is asserted, every number is
// reported as measured, and the lines are counted, not assumed.
//
//   a. throughput   a task writes BENCH_LINES numbered 200-byte JSON lines as fast as it can; the executor captures,
//                   parses, enriches, encodes (json_lines) and ships them to a TCP receiver (a child process that
//                   counts every line by its number). Rate = lines / (first → last byte at the receiver). Baselines:
//                   the same generator into /dev/null (it must outrun the executor), and through a plain pipe into a
//                   minimal forwarder to the same receiver (raw_ratio = ours / plain). Rounds interleaved.
//   b. CPU          the same pipeline at a steady 10,000 lines/s: the executor's utime+stime over 10 s, vs the plain
//                   forwarder at the same rate.
//   c. outage       10,000 lines/s, the TCP receiver stopped for 10 s (listener closed, connections destroyed) and
//                   restarted on the same port: executor RSS before/during, spool on disk, lines lost after the task's
//                   flush. Again with relp:// to a real rsyslogd (imrelp), which acknowledges what it took.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { LocalAgent } from "../src/agent/index.js";
import { LOG_ENV } from "../src/logs/logKnobs.js";
import { BERTH_EXECUTOR, BERTH_MAIN, TAG_VARIABLE, taggedProcesses } from "../test/helpers/berthHarness.js";
import { RSYSLOGD_BIN, startRsyslog } from "../test/helpers/rsyslog.js";
import { repoRoot } from "../test/helpers/fixtures.js";
import { describeMachine, fmt, markdownTable, positiveIntFromEnv, summarize, type Summary, writeSection } from "./benchTable.js";
import { LINE_BYTES } from "./logs/benchLines.js";
import { runExecutorTask, type ExecutorTaskResult } from "./logs/executorTask.js";
import { generatorAlone, startPlainPipe, type GeneratorStats } from "./logs/plainPipe.js";
import { CpuWindow } from "./logs/procStats.js";
import { BenchReceiver, type ReceiverStats } from "./logs/receiver.js";
import { sandboxStreamLines } from "./logs/sandboxFiles.js";
import { SeqCounter, type SeqCounts } from "./logs/seqCounter.js";

const LINES = positiveIntFromEnv("BENCH_LINES", 500_000);
const RUNS = positiveIntFromEnv("BENCH_RUNS", 3);
const RATE = 10_000;
/** Steady run: the generator runs this long; CPU is read over CPU_WINDOW_S starting CPU_SETTLE_S after TASK_RUNNING. */
const STEADY_S = 12;
const CPU_SETTLE_S = 1;
const CPU_WINDOW_S = 10;
/** Outage run: the sink goes away OUTAGE_AT_S after TASK_RUNNING, for OUTAGE_S; the generator runs OUTAGE_TOTAL_S. */
const OUTAGE_AT_S = 3;
const OUTAGE_S = 10;
const OUTAGE_TOTAL_S = 18;
/** Plain TCP may lose what the receiver had not read when it died: how much varies, so more than one run. */
const OUTAGE_TCP_RUNS = positiveIntFromEnv("BENCH_OUTAGE_TCP_RUNS", 2);
const SAMPLE_MS = 100;
const WAIT_MS = 180_000;
const BENCHMARKS_MD = join(repoRoot, "BENCHMARKS.md");
const MB = 1e6;
/**
 * A lever, measured in the throughput rounds: the same executor code on the same node with `--max-opt=1` (V8's
 * optimizing compilers off, a memory lever of BENCHMARKS "Executor" that the launcher does not take). No token to hand
 * over here (the bench's agent does not authenticate executors), so the launcher's only other job is not needed.
 */
const LEVER_ARGV = [process.execPath, "--max-semi-space-size=1", "--max-opt=1", BERTH_MAIN, "executor"];
const LEVERS = process.env.BENCH_LEVERS !== "0";

interface ThroughputSample {
  readonly linesPerS: number;
  /** Bytes at the receiver per second (the records as encoded). */
  readonly wireMBps: number;
  /** The writer's own time for all its lines. */
  readonly writerS: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly late: number;
  /** Executor only: its CPU time per line (µs), peak RSS (MiB). */
  readonly cpuUsPerLine?: number;
  readonly rssPeakMb?: number;
  readonly state?: string;
}

interface SteadyResult {
  readonly cpuPct: number;
  readonly cpuPctPerSecond: number[];
  readonly lost: number;
  readonly rssMb?: number;
  readonly state?: string;
}

interface OutageResult {
  readonly sink: string;
  readonly written: number;
  /** Lines in the sandbox's stdout files (what the capture got). */
  readonly captured: number;
  readonly distinct: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly late: number;
  readonly broken: number;
  readonly unnumbered: number;
  readonly unnumberedSamples: readonly string[];
  readonly atStop: number | undefined;
  readonly rssBeforeMb: number;
  readonly rssPeakOutageMb: number;
  readonly rssPeakAfterMb: number;
  readonly hwmMb: number;
  readonly spoolPeakMb: number;
  /** First connection after the restart − restart (TCP receiver only), s. */
  readonly reconnectS: number | undefined;
  /** The executor's "log sink up again" line after the restart: its time − the restart (s), and the lines pending then. */
  readonly upAgainS: number | undefined;
  readonly pendingAtUp: number | undefined;
  /** Restart → terminal status, s. */
  readonly restartToFinishedS: number;
  readonly state: string;
  readonly message: string;
  /** The executor's own lines about its sinks (from the sandbox's stderr). */
  readonly executorLog: readonly string[];
}

class LogBench {
  readonly throughput = { ours: [] as ThroughputSample[], lever: [] as ThroughputSample[], plain: [] as ThroughputSample[], alone: [] as GeneratorStats[], sandboxOnlyWriterS: [] as number[] };
  steady: { ours?: SteadyResult; plain?: SteadyResult; sandboxOnly?: SteadyResult; lever?: SteadyResult } = {};
  readonly outages: OutageResult[] = [];
  readonly notes: string[] = [];
  sampleRecord: string | undefined;
  readonly #agent: LocalAgent;
  readonly #dir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #signal: AbortSignal;
  #runs = 0;

  constructor(agent: LocalAgent, dir: string, env: NodeJS.ProcessEnv, signal: AbortSignal) {
    this.#agent = agent;
    this.#dir = dir;
    this.#env = env;
    this.#signal = signal;
  }

  #name(kind: string): string {
    return `${kind}-${++this.#runs}`;
  }

  async generatorAlone(): Promise<void> {
    this.throughput.alone.push(await generatorAlone(LINES, 0, join(this.#dir, `${this.#name("alone")}.json`), this.#env));
  }

  async plainThroughput(): Promise<void> {
    const receiver = await BenchReceiver.start();
    try {
      const pipe = startPlainPipe({ lines: LINES, rate: 0, port: receiver.port, dir: this.#dir, name: this.#name("plain"), env: this.#env });
      const generator = await pipe.done;
      const stats = await receiver.stats(LINES);
      this.throughput.plain.push(throughputOf(stats, generator, LINES));
    } finally {
      await receiver.close();
    }
  }

  /** `lever`: the executor started without the launcher's node flags (see LEVER_ARGV). */
  async oursThroughput(lever = false): Promise<void> {
    const receiver = await BenchReceiver.start();
    try {
      const run = await this.#executorRun(`tcp://127.0.0.1:${receiver.port}`, LINES, 0, undefined, false, lever ? LEVER_ARGV : [BERTH_EXECUTOR]);
      const stats = await receiver.stats(LINES);
      this.sampleRecord ??= stats.sample;
      const peak = Math.max(...run.sampler.samples.map((s) => s.hwmMb));
      this.throughput[lever ? "lever" : "ours"].push({ ...throughputOf(stats, run.generator, LINES), cpuUsPerLine: (run.cpuMs * 1000) / LINES, rssPeakMb: peak, state: run.final.state });
    } finally {
      await receiver.close();
    }
  }

  /** The same burst into the executor without a sink: the task's own time when only the sandbox files take its bytes. */
  async sandboxOnlyThroughput(): Promise<void> {
    // Enough rotated files for every line, so that the sandbox files can be counted.
    const keep = String(Math.ceil((LINES * LINE_BYTES) / LOG_ENV.BERTH_SANDBOX_LOG_MAX_BYTES.default) + 2);
    const run = await this.#executorRun("", LINES, 0, undefined, false, [BERTH_EXECUTOR], { BERTH_SANDBOX_LOG_KEEP: keep });
    const captured = sandboxStreamLines(run.executor.sandbox, "stdout").lines;
    if (captured !== LINES) throw new Error(`sandbox only: ${captured} of ${LINES} lines in the sandbox files`);
    this.throughput.sandboxOnlyWriterS.push(run.generator.elapsedMs / 1000);
  }

  async plainSteady(): Promise<void> {
    const receiver = await BenchReceiver.start();
    try {
      const lines = RATE * STEADY_S;
      const pipe = startPlainPipe({ lines, rate: RATE, port: receiver.port, dir: this.#dir, name: this.#name("plain-steady"), env: this.#env });
      const cpu = await cpuOver(pipe.forwarderPid, this.#signal);
      await pipe.done;
      const stats = await receiver.stats(lines);
      this.steady.plain = { ...cpu, lost: stats.missing ?? lines };
    } finally {
      await receiver.close();
    }
  }

  /** `sandboxOnly`: no sink (BERTH_LOG_SINKS empty): the executor only copies the bytes to the sandbox files. */
  async oursSteady(variant: "ours" | "sandboxOnly" | "lever" = "ours"): Promise<void> {
    const sandboxOnly = variant === "sandboxOnly";
    const receiver = await BenchReceiver.start();
    try {
      const lines = RATE * STEADY_S;
      let cpu: { cpuPct: number; cpuPctPerSecond: number[] } | undefined;
      const during = async ({ executor }: { executor: { pid: number | undefined } }): Promise<void> => {
        cpu = await cpuOver(executor.pid as number, this.#signal);
      };
      const run = await this.#executorRun(sandboxOnly ? "" : `tcp://127.0.0.1:${receiver.port}`, lines, RATE, during, false, variant === "lever" ? LEVER_ARGV : [BERTH_EXECUTOR]);
      if (!cpu) throw new Error("no CPU window");
      const rss = summarize(run.sampler.samples.map((s) => s.rssMb)).median;
      // Without a sink, "lost" is what is missing from the sandbox's stdout files.
      const lost = sandboxOnly ? lines - sandboxStreamLines(run.executor.sandbox, "stdout").lines : ((await receiver.stats(lines)).missing ?? lines);
      this.steady[variant] = { ...cpu, lost, rssMb: rss, state: run.final.state };
    } finally {
      await receiver.close();
    }
  }

  async tcpOutage(round: number): Promise<void> {
    const receiver = await BenchReceiver.start();
    try {
      const lines = RATE * OUTAGE_TOTAL_S;
      const { run, times } = await this.#outageRun(`tcp://127.0.0.1:${receiver.port}`, lines, async () => (await receiver.stop()).distinct, () => receiver.restart());
      const { restartAt } = times;
      const stats = await receiver.stats(lines);
      // The receiver's clock: the first accept after the restart, relative to its `now` when asked.
      const restartOnReceiverClock = stats.now - (performance.now() - restartAt);
      const reconnect = stats.acceptedAt.find((at) => at >= restartOnReceiverClock);
      this.outages.push(
        outageOf(`tcp:// (Node receiver), run ${round}`, run, stats, lines, { ...times, reconnectS: reconnect === undefined ? undefined : (reconnect - restartOnReceiverClock) / 1000 }),
      );
    } finally {
      await receiver.close();
    }
  }

  async relpOutage(): Promise<void> {
    const rsyslog = await startRsyslog({ relp: true });
    try {
      const lines = RATE * OUTAGE_TOTAL_S;
      const { run, times } = await this.#outageRun(
        `relp://127.0.0.1:${rsyslog.relpPort}`,
        lines,
        async () => {
          await rsyslog.stop();
          return countFile(rsyslog.outFile).distinct;
        },
        () => rsyslog.start(),
      );
      await rsyslog.stop(); // writes out what it took
      const counter = new SeqCounter();
      if (existsSync(rsyslog.outFile)) counter.push(readFileSync(rsyslog.outFile));
      counter.end();
      const stats = { ...counter.counts, missing: counter.missing(lines) };
      this.outages.push(outageOf("relp:// (rsyslogd imrelp)", run, stats, lines, { ...times, reconnectS: undefined }));
    } finally {
      await rsyslog.remove();
    }
  }

  /** A paced run whose sink is stopped OUTAGE_AT_S after TASK_RUNNING and started again OUTAGE_S later. */
  async #outageRun(sinks: string, lines: number, stopSink: () => Promise<number | undefined>, startSink: () => Promise<void>) {
    const times = { stopAt: 0, restartAt: 0, restartWall: 0, atStop: undefined as number | undefined };
    const run = await this.#executorRun(sinks, lines, RATE, async ({ runningAt }) => {
      await delay(Math.max(0, runningAt + OUTAGE_AT_S * 1000 - performance.now()), undefined, { signal: this.#signal });
      times.stopAt = performance.now();
      times.atStop = await stopSink();
      await delay(Math.max(0, times.stopAt + OUTAGE_S * 1000 - performance.now()), undefined, { signal: this.#signal });
      await startSink();
      times.restartAt = performance.now();
      times.restartWall = Date.now();
    }, true);
    return { run, times };
  }

  #executorRun(
    sinks: string,
    lines: number,
    rate: number,
    during?: Parameters<typeof runExecutorTask>[0]["during"],
    sampleSpool = false,
    argv: readonly string[] = [BERTH_EXECUTOR],
    env: Readonly<Record<string, string>> = {},
  ): Promise<ExecutorTaskResult> {
    return runExecutorTask({
      agent: this.#agent,
      argv,
      env: sinks === "" ? { ...env } : { ...env, BERTH_LOG_SINKS: sinks },
      taskId: this.#name("task"),
      // The predecessor's label, as its users set it: the task's JSON lines are shipped to BERTH_LOG_SINKS.
      labels: { "log-scraping": "logstash" },
      lines,
      rate,
      dir: this.#dir,
      sampleMs: SAMPLE_MS,
      sampleSpool,
      timeoutMs: WAIT_MS,
      signal: this.#signal,
      ...(during ? { during } : {}),
    });
  }
}

function countFile(path: string): SeqCounts {
  const counter = new SeqCounter();
  if (existsSync(path)) counter.push(readFileSync(path));
  counter.end();
  return counter.counts;
}

function throughputOf(stats: ReceiverStats, generator: GeneratorStats, lines: number): ThroughputSample {
  const seconds = stats.firstAt !== undefined && stats.lastAt !== undefined ? (stats.lastAt - stats.firstAt) / 1000 : NaN;
  return {
    linesPerS: stats.distinct / seconds,
    wireMBps: stats.bytes / MB / seconds,
    writerS: generator.elapsedMs / 1000,
    lost: stats.missing ?? lines,
    duplicates: stats.duplicates,
    late: stats.late,
  };
}

/** CPU % of one core of `pid` over CPU_WINDOW_S, starting CPU_SETTLE_S from now; per second too. */
async function cpuOver(pid: number, signal: AbortSignal): Promise<{ cpuPct: number; cpuPctPerSecond: number[] }> {
  await delay(CPU_SETTLE_S * 1000, undefined, { signal });
  const whole = new CpuWindow(pid);
  const perSecond: number[] = [];
  const t0 = performance.now();
  for (let i = 1; i <= CPU_WINDOW_S; i++) {
    const second = new CpuWindow(pid);
    await delay(Math.max(0, t0 + i * 1000 - performance.now()), undefined, { signal });
    perSecond.push(second.read().pct);
  }
  return { cpuPct: whole.read().pct, cpuPctPerSecond: perSecond };
}

/** One of the executor's logfmt diagnostics, shortened to its message and the fields that say what happened. */
function compactLogLine(line: string): string {
  const field = (key: string): string | undefined => new RegExp(`\\b${key}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line)?.[1];
  const message = field("msg") ?? line.slice(0, 120);
  const extra = ["code", "error", "down_ms", "pending", "dropped", "reason"].map((key) => [key, field(key)] as const).filter(([, value]) => value !== undefined);
  return [message.replace(/^"|"$/g, ""), ...extra.map(([key, value]) => `${key}=${value}`)].join(" ");
}

/** The first "log sink up again" diagnostic of the executor at or after `wallMs`: when (s after it) and its pending lines. */
function upAgain(stderrLines: readonly string[], wallMs: number): { upAgainS: number | undefined; pendingAtUp: number | undefined } {
  for (const line of stderrLines) {
    if (!line.includes("log sink up again")) continue;
    const ts = /\bts=(\S+)/.exec(line)?.[1];
    const at = ts === undefined ? NaN : Date.parse(ts);
    if (!Number.isFinite(at) || at < wallMs - 1000) continue;
    const pending = /\bpending=(\d+)/.exec(line)?.[1];
    return { upAgainS: (at - wallMs) / 1000, pendingAtUp: pending === undefined ? undefined : Number(pending) };
  }
  return { upAgainS: undefined, pendingAtUp: undefined };
}

function outageOf(
  sink: string,
  run: ExecutorTaskResult,
  stats: (ReceiverStats | SeqCounts) & { missing?: number },
  lines: number,
  times: { stopAt: number; restartAt: number; restartWall: number; atStop: number | undefined; reconnectS: number | undefined },
): OutageResult {
  const samples = run.sampler.samples;
  const rss = (from: number, to: number): number[] => samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rssMb);
  const before = rss(run.runningAt + 1000, times.stopAt);
  const during = rss(times.stopAt, times.restartAt);
  const after = rss(times.restartAt, Infinity);
  const stderr = existsSync(join(run.executor.sandbox, "stderr")) ? readFileSync(join(run.executor.sandbox, "stderr"), "utf8").split("\n") : [];
  return {
    sink,
    written: run.generator.lines,
    captured: sandboxStreamLines(run.executor.sandbox, "stdout").lines,
    distinct: stats.distinct,
    lost: stats.missing ?? lines,
    duplicates: stats.duplicates,
    late: stats.late,
    broken: stats.broken,
    unnumbered: stats.unnumbered,
    unnumberedSamples: stats.unnumberedSamples,
    atStop: times.atStop,
    rssBeforeMb: before.length > 0 ? summarize(before).median : NaN,
    rssPeakOutageMb: during.length > 0 ? Math.max(...during) : NaN,
    rssPeakAfterMb: after.length > 0 ? Math.max(...after) : NaN,
    hwmMb: run.sampler.last?.hwmMb ?? NaN,
    spoolPeakMb: Math.max(0, ...samples.map((s) => s.extra)) / (1024 * 1024),
    reconnectS: times.reconnectS,
    ...upAgain(stderr, times.restartWall),
    restartToFinishedS: (run.finishedAt - times.restartAt) / 1000,
    state: run.final.state,
    message: run.final.message ?? "",
    executorLog: stderr.filter((l) => /msg="[^"]*(sink|spool|dropp|deliver)/i.test(l)).slice(0, 8).map(compactLogLine),
  };
}

// ── report ────────────────────────────────────────────────────────────────────────────────────────────────────

const num = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "—");

function row(label: string, s: Summary, digits: number, versus = ""): string[] {
  return [label, String(s.n), num(s.median, digits), num(s.min, digits), num(s.max, digits), versus];
}

function report(bench: LogBench, machine: string, load: { start: number[]; end: number[] }): { body: string; summaryLine: string; table: string } {
  const ours = bench.throughput.ours;
  const plain = bench.throughput.plain;
  const alone = bench.throughput.alone;
  const oursRate = summarize(ours.map((s) => s.linesPerS));
  const plainRate = summarize(plain.map((s) => s.linesPerS));
  const aloneRate = summarize(alone.map((g) => g.lines / (g.elapsedMs / 1000)));
  const oursMB = summarize(ours.map((s) => (s.linesPerS * LINE_BYTES) / MB));
  const plainMB = summarize(plain.map((s) => (s.linesPerS * LINE_BYTES) / MB));
  const rawRatio = oursRate.median / plainRate.median;
  const x = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : "—");
  const throughputTable = markdownTable(
    ["throughput, " + num(LINES) + " lines of 200 B", "n", "median", "min", "max", "vs baseline"],
    [
      row("**berth**: task → capture → parse → enrich → json_lines → TCP receiver (lines/s)", oursRate, 0, `${x(oursRate.median, plainRate.median)} plain pipe (raw_ratio)`),
      row("**berth**: the same in MB/s of the task's bytes", oursMB, 1, ""),
      row("**berth**: MB/s at the receiver (the enriched records)", summarize(ours.map((s) => s.wireMBps)), 1, ""),
      row("**berth**: the task's own time to write them all (s)", summarize(ours.map((s) => s.writerS)), 2, `${x(summarize(ours.map((s) => s.writerS)).median, summarize(plain.map((s) => s.writerS)).median)} into the plain pipe`),
      row("**berth**: executor CPU per line (µs, TASK_RUNNING → terminal status)", summarize(ours.map((s) => s.cpuUsPerLine ?? NaN)), 2, ""),
      row("**berth**: executor peak RSS (VmHWM, MiB)", summarize(ours.map((s) => s.rssPeakMb ?? NaN)), 1, ""),
      ...(bench.throughput.lever.length > 0
        ? [
          row(
            "lever: the same executor with `--max-opt=1` (lines/s)",
            summarize(bench.throughput.lever.map((s) => s.linesPerS)),
            0,
            `${x(summarize(bench.throughput.lever.map((s) => s.linesPerS)).median, plainRate.median)} plain pipe, ${x(summarize(bench.throughput.lever.map((s) => s.linesPerS)).median, oursRate.median)} berth`,
          ),
          row("lever: its CPU per line (µs)", summarize(bench.throughput.lever.map((s) => s.cpuUsPerLine ?? NaN)), 2, ""),
          row("lever: its peak RSS (VmHWM, MiB)", summarize(bench.throughput.lever.map((s) => s.rssPeakMb ?? NaN)), 1, ""),
        ]
        : []),
      row("baseline: generator → FIFO → node forwarder → same TCP receiver (lines/s)", plainRate, 0, ""),
      row("baseline: the same in MB/s", plainMB, 1, ""),
      row("baseline: the writer's time into the plain pipe (s)", summarize(plain.map((s) => s.writerS)), 2, ""),
      row(
        "baseline: the task's own time into the executor without a sink (sandbox files only, s)",
        summarize(bench.throughput.sandboxOnlyWriterS),
        2,
        `${x(summarize(bench.throughput.sandboxOnlyWriterS).median, summarize(plain.map((s) => s.writerS)).median)} into the plain pipe`,
      ),
      row("generator alone into /dev/null (lines/s)", aloneRate, 0, `${x(aloneRate.median, oursRate.median)} berth`),
    ],
    ["left", "right", "right", "right", "right", "left"],
  );
  const lostThroughput = [...ours, ...bench.throughput.lever].reduce((a, s) => a + s.lost, 0);
  const plainLost = plain.reduce((a, s) => a + s.lost, 0);

  const so = bench.steady.ours;
  const sp = bench.steady.plain;
  const ss = bench.steady.sandboxOnly;
  const sl = bench.steady.lever;
  const steadyRow = (label: string, r: SteadyResult | undefined): string[] => [
    label,
    r ? fmt(r.cpuPct) : "—",
    r ? fmt(Math.max(...r.cpuPctPerSecond)) : "—",
    r ? String(r.lost) : "—",
    r?.rssMb !== undefined ? fmt(r.rssMb) : "—",
  ];
  const steadyTable = markdownTable(
    [`steady ${num(RATE)} lines/s, CPU over ${CPU_WINDOW_S} s`, "CPU % of one core", "max of 1 s", "lines lost", "RSS (MiB, median)"],
    [
      steadyRow("**berth** executor (utime+stime of its process)", so),
      ...(sl ? [steadyRow("lever: the same with `--max-opt=1`", sl)] : []),
      steadyRow("baseline: the same executor without a sink (sandbox files only; lost = missing there)", ss),
      steadyRow("baseline: node forwarder of the plain pipe", sp),
    ],
    ["left", "right", "right", "right", "right"],
  );

  const outageRows: [string, (o: OutageResult) => string][] = [
    ["lines written by the task", (o) => num(o.written)],
    ["lines in the sandbox's stdout files (captured)", (o) => num(o.captured)],
    ["lines at the receiver when it stopped", (o) => (o.atStop === undefined ? "—" : num(o.atStop))],
    ["distinct lines received in the end", (o) => num(o.distinct)],
    ["**lost** (written, never received)", (o) => `**${num(o.lost)}**`],
    ["duplicates / out of order / broken records", (o) => `${o.duplicates} / ${o.late} / ${o.broken}`],
    ["other records (drop notices…)", (o) => String(o.unnumbered)],
    ["executor RSS before the outage (MiB, median)", (o) => fmt(o.rssBeforeMb)],
    ["executor RSS peak during the outage (MiB)", (o) => fmt(o.rssPeakOutageMb)],
    ["executor RSS peak after the restart: replay and flush (MiB)", (o) => fmt(o.rssPeakAfterMb)],
    ["executor VmHWM at the end (MiB)", (o) => fmt(o.hwmMb)],
    ["spool on disk, peak (MiB)", (o) => fmt(o.spoolPeakMb, 2)],
    ["sink back → first connection at the receiver (s)", (o) => (o.reconnectS === undefined ? "—" : fmt(o.reconnectS, 2))],
    ["sink back → the executor's \"log sink up again\" (s); lines pending then", (o) => (o.upAgainS === undefined ? "—" : `${fmt(o.upAgainS, 2)}; ${o.pendingAtUp === undefined ? "—" : num(o.pendingAtUp)}`)],
    ["sink back → terminal status (s)", (o) => fmt(o.restartToFinishedS, 1)],
    ["terminal status", (o) => o.state],
  ];
  const outageTable = markdownTable(
    [`${OUTAGE_S} s sink outage at ${num(RATE)} lines/s`, ...bench.outages.map((o) => o.sink)],
    outageRows.map(([label, cell]) => [label, ...bench.outages.map(cell)]),
    ["left", ...bench.outages.map(() => "right" as const)],
  );
  const tcpRuns = bench.outages.filter((o) => o.sink.startsWith("tcp"));
  const outageNotes = bench.outages.flatMap((o) => [
    ...(o.unnumberedSamples.length > 0 ? [`${o.sink}: records without a line number: ${o.unnumberedSamples.map((s) => `\`${s.replaceAll("`", "'").slice(0, 160)}\``).join(", ")}`] : []),
    ...(o.executorLog.length > 0 ? [`${o.sink}: the executor's diagnostics about its sink, in order: ${o.executorLog.map((l) => `\`${l.replaceAll("`", "'").slice(0, 300)}\``).join("; ")}`] : []),
    ...(o.state !== "TASK_FINISHED" ? [`${o.sink}: terminal status ${o.state}: ${o.message}`] : []),
  ]);

  const summaryLine =
    `logs: lines_per_s=${Math.round(oursRate.median)} mb_per_s=${fmt(oursMB.median)} raw_ratio=${rawRatio.toFixed(2)}` +
    ` cpu_pct_at_10k=${so ? fmt(so.cpuPct) : "NaN"} outage_rss_mb=${tcpRuns.length > 0 ? fmt(Math.max(...tcpRuns.map((o) => o.hwmMb))) : "NaN"}` +
    ` lost=${tcpRuns.length > 0 ? tcpRuns.reduce((sum, o) => sum + o.lost, 0) : "NaN"}`;
  const table = [throughputTable, steadyTable, outageTable].join("\n\n");
  const loadText = (l: number[]): string => l.map((v) => v.toFixed(1)).join(" / ");
  const body = `Reproduce with \`npm run bench:logs\` (\`BENCH_LINES=N\` lines per throughput run, \`BENCH_RUNS=N\` throughput rounds,
\`BENCH_OUTAGE_TCP_RUNS=N\` TCP outages, \`BENCH_LEVERS=0\` without the lever).
Run: ${machine}; load average (1/5/15 min) ${loadText(load.start)} at the start, ${loadText(load.end)} at the end. The machine is
shared with other work: the rates are only comparable within one run (baselines interleaved with the executor).
The executor is the real \`bin/berth-executor\` launched by the local agent, one task each run, its sink given by
\`BERTH_LOG_SINKS\`. The task is a Node generator writing numbered 200-byte JSON lines (\`{"time":…,"level":"info",
"logger":…,"msg":"bench-seq=0000000042 …"}\`); every receiver counts each line by its number (missing, duplicate,
out of order, broken), so "lost" is counted, never inferred.

${table}

- **throughput**: ${RUNS} rounds, each: the generator alone into /dev/null, the plain pipe, the executor, the executor without a sink${LEVERS ? ", the lever" : ""}. Rate = distinct
  lines received / (first → last byte at the receiver, a separate Node process reading the TCP connection as fast
  as it can). MB/s of the task's bytes = lines/s × 200 B. raw_ratio = berth's median / the plain pipe's median.
  Lever: the same executor code started as \`node --max-semi-space-size=1 --max-opt=1 dist/src/cli/main.js executor\`
  (V8's optimizing compilers off, a memory lever of BENCHMARKS "Executor" that the launcher no longer takes).
  The task's own time to write its lines shows whether the app was slowed: the executor's main thread reads the
  task's pipe and only copies the bytes (to the sandbox files, at the disk's pace, and to the log thread, which
  parses, encodes and ships; what it has no room for waits in memory, then on disk), so the task waits only for the
  sandbox files and for CPU: the log thread takes one of this machine's two cores while it catches up, and the task,
  the executor's main thread, the file writes and the receiver share the other. The writer's time into the plain
  pipe is the floor, the executor without a sink shows the sandbox files' share, and the generator alone into
  /dev/null shows that it can outrun all of them.
  Lines not delivered in the throughput runs: berth ${lostThroughput}, plain pipe ${plainLost}.
  The executor's records are larger than the task's lines (the envelope and the task's fields), e.g.:
  \`${(bench.sampleRecord ?? "").replaceAll("`", "'").slice(0, 600)}\`
- **CPU**: the generator paced at ${num(RATE)} lines/s (every 10 ms what is due) for ${STEADY_S} s; the executor's utime+stime
  from /proc/<pid>/stat over ${CPU_WINDOW_S} s starting ${CPU_SETTLE_S} s after TASK_RUNNING (all its threads, not the task's
  CPU). Baselines: the same executor without a sink (it only copies the task's bytes to the sandbox files), and the
  plain pipe's forwarder at the same rate.
- **outage**: the same paced generator for ${OUTAGE_TOTAL_S} s; ${OUTAGE_AT_S} s after TASK_RUNNING the receiver stops (TCP:
  listener closed and connections destroyed at once, as when the receiver dies: what it had not read is gone;
  rsyslogd: SIGTERM, its orderly shutdown), ${OUTAGE_S} s later it listens again on the same port. RSS = VmRSS sampled every
  ${SAMPLE_MS} ms; spool = bytes of the files in the sandbox's subdirectories, same samples. Lost = lines written minus
  distinct lines received after the terminal status (the executor flushes before sending it, within
  \`BERTH_LOG_FLUSH_TIMEOUT\`, default 5 s). In the last line, outage_rss_mb is the highest VmHWM of the TCP runs'
  executors (the kernel's peak of VmRSS over the executor's life, which the 100 ms samples can miss: here the
  replay and the flush after the sink's return, higher than the outage itself), and
  lost is the sum of the TCP runs' losses. Plain TCP can only lose what the kernel had accepted but the receiver
  had not read when it died (TCP has no acknowledgement by the application); RELP's receiver acknowledges what it
  took, and unacknowledged records are sent again. The bound on the
  executor's memory for a sink is its memory queue (\`memory=\`, default 8 MiB of encoded records) plus a 1 MiB tail
  waiting to be spooled and a 1 MiB TCP send window; beyond that the spool on disk (\`spool=\`, default 256 MiB),
  then drops, counted and announced. Before the sinks, the task's raw output waiting for the log thread is bounded
  by \`BERTH_LOG_BUFFER_BYTES\` (16 MiB) in memory, then \`BERTH_LOG_BACKLOG_BYTES\` (256 MiB) on disk; the log thread
  itself (its own V8 heap) is the rest of the difference to the executor without a sink in the CPU table. "Sink back → “log sink up again”" is how long the executor's reconnect backoff
  (100 ms doubling to 30 s, with jitter) kept it away from the sink that was back; the flush at the task's end
  retries at once.
${outageNotes.map((n) => `- ${n}`).join("\n")}
${bench.notes.map((n) => `- ${n}`).join("\n")}

The predecessor (issue 8, measured there on this kind of machine, not in this run): about 62,000 lines/s when
lossless (by slowing the app to that pace), 54,000 lines/s while silently dropping 84 % with its default buffer, about
20 % of a core at 10,000 lines/s, no reconnection of a lost TCP connection, no local copy; a plain pipe into the
same TCP sink carried about 1.9 million lines/s there. Targets of the issue: ≥ 250,000 lines/s (aim 500,000),
< 10 % of a core at 10,000 lines/s, 0 lost, bounded outage RSS.

\`\`\`
${summaryLine}
\`\`\``;
  return { body, summaryLine, table };
}

async function main(): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const load = { start: loadavg(), end: [] as number[] };
  const tag = randomUUID();
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-logs-"));
  const env = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", [TAG_VARIABLE]: tag };
  let agent: LocalAgent | undefined;
  let bench: LogBench | undefined;
  let leftovers: number[] = [];
  try {
    agent = await LocalAgent.start({ heartbeatIntervalMs: 0, registrationTimeoutMs: WAIT_MS, executorEnvironmentVariables: env, signal: stop.signal });
    bench = new LogBench(agent, dir, env, stop.signal);
    const step = (text: string): void => void process.stderr.write(`logs bench: ${text}\n`);
    for (let i = 0; i < RUNS; i++) {
      step(`throughput round ${i + 1}/${RUNS}`);
      await bench.generatorAlone();
      await bench.plainThroughput();
      await bench.oursThroughput();
      await bench.sandboxOnlyThroughput();
      if (LEVERS) await bench.oursThroughput(true);
    }
    step(`steady ${RATE} lines/s: plain pipe, berth, berth without a sink${LEVERS ? ", the lever" : ""}`);
    await bench.plainSteady();
    await bench.oursSteady();
    await bench.oursSteady("sandboxOnly");
    if (LEVERS) await bench.oursSteady("lever");
    for (let round = 1; round <= OUTAGE_TCP_RUNS; round++) {
      step(`outage: tcp, run ${round}/${OUTAGE_TCP_RUNS}`);
      await bench.tcpOutage(round);
    }
    if (existsSync(RSYSLOGD_BIN)) {
      step("outage: relp to rsyslogd");
      await bench.relpOutage();
    } else {
      bench.notes.push(`No rsyslogd at ${RSYSLOGD_BIN}: the RELP outage was not run.`);
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await agent?.stop();
    leftovers = taggedProcesses(tag).map((line) => Number(line.split(" ")[0]));
    for (const pid of leftovers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (leftovers.length > 0) process.stderr.write(`logs bench: killed ${leftovers.length} leftover process(es): ${leftovers.join(", ")}\n`);
  if (stop.signal.aborted || !bench) {
    process.stderr.write("logs bench: interrupted (cleaned up, BENCHMARKS.md unchanged)\n");
    process.exitCode = 130;
    return;
  }
  load.end = loadavg();
  const { body, summaryLine, table } = report(bench, describeMachine(), load);
  const write = process.env.BENCH_NO_WRITE === undefined;
  if (write) writeSection(BENCHMARKS_MD, "## Log pipeline", body);
  process.stdout.write(`${table}\n\n${write ? '(written to the "## Log pipeline" section of BENCHMARKS.md)\n' : ""}${summaryLine}\n`);
}

await main();
