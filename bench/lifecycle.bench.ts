// `npm run bench:lifecycle`: what the real `berth executor` costs over a task's whole life, against baselines measured
// in the same run. Not a test: nothing is asserted, every number is reported as measured.
//
//   1. health checks   one executor, 100 tasks (tiny Perl HTTP servers) with a 1 s HTTP health check each: the
//                      executor's CPU % and RSS over a 60 s window (sampled every second) vs an idle executor with one
//                      task and no check (15 s window), and per check vs a bare Node process probing the same servers
//   2. kill → SIGTERM  the agent writes KILL → the task's SIGTERM trap runs, vs the same task signalled by this process
//   3. launch/kill     1,000 cycles LAUNCH → TASK_RUNNING → KILL → TASK_KILLED on one executor, 20 in parallel, of
//                      tasks that leave descendants every way they can (a child, a setsid child, a daemon that setsids
//                      and double-forks), then the processes left behind (tagged environment, /proc/*/environ), and
//                      the executor's RSS raw and after a forced GC (heap slack is not a leak)
//   4. containment     what finding escaped processes costs: spawnGroup with a cgroup / the environment marker / none,
//                      and the kill-time scan of each on a machine with BENCH_SCAN_PROCESSES extra processes
//
// Every agent record's `at` is performance.now() of this process. The SIGTERM task stamps bash's $EPOCHREALTIME (wall
// clock, µs) in its trap; the stamp is converted to this process's performance clock with an offset measured at an
// edge of Date.now(), as bench/executor.bench.ts does (here keeping only tightly bracketed samples: see below).
import { toPerfMs, wallClockOffsetMs } from "./benchClock.js";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { AgentError, LocalAgent, type ExecutorHandle, type TaskInput, type UpdateRecord } from "../src/agent/index.js";
import { isTerminalState, type TaskStatus } from "../src/mesos/types.js";
import type { ContainmentMode } from "../src/process/containment.js";
import { EnvMarker } from "../src/process/envMarker.js";
import { listProcStats } from "../src/process/procStat.js";
import { ProcessTree } from "../src/process/processTree.js";
import { signalGroup, waitGroupGone } from "../src/process/signalGroup.js";
import { spawnGroup, type GroupHandle } from "../src/process/spawnGroup.js";
import { ownCgroupDirectory } from "../src/process/taskCgroup.js";
import { BERTH_MAIN, shellTask, taggedProcesses } from "../test/helpers/berthHarness.js";
import { repoRoot } from "../test/helpers/fixtures.js";
import { waitFor } from "../test/helpers/waitFor.js";
import { describeMachine, fmt, markdownTable, positiveIntFromEnv, ratio, summarize, summaryCells, writeSection } from "./benchTable.js";

// The defaults are the benchmark; the variables only exist to try the script quickly.
const HEALTH_TASKS = positiveIntFromEnv("BENCH_HEALTH_TASKS", 100);
const HEALTH_WINDOW_S = positiveIntFromEnv("BENCH_HEALTH_WINDOW_S", 60);
/** Shorter than the health window to keep the run time down: an idle executor's rate is steady. */
const IDLE_WINDOW_S = positiveIntFromEnv("BENCH_IDLE_WINDOW_S", 15);
const FLOOR_WINDOW_S = positiveIntFromEnv("BENCH_FLOOR_WINDOW_S", 15);
/** Settling time before a window starts (the start burst of 100 tasks, a prober's first round). */
const SETTLE_MS = 2_000;
const KILL_RUNS = positiveIntFromEnv("BENCH_KILL_RUNS", 20);
const KILL_WARMUP = 1;
/** Quiet time between "the task is ready" and the kill, so that the kill does not compete with the launch. */
const KILL_QUIET_MS = 100;
const CYCLES = positiveIntFromEnv("BENCH_CYCLES", 1000);
const CYCLE_PARALLEL = positiveIntFromEnv("BENCH_CYCLE_PARALLEL", 20);
const SPAWN_RUNS = positiveIntFromEnv("BENCH_SPAWN_RUNS", 100);
const SCAN_RUNS = positiveIntFromEnv("BENCH_SCAN_RUNS", 30);
/** Extra processes (sleeps) on the machine while the scans are measured: a busy host. */
const SCAN_PROCESSES = positiveIntFromEnv("BENCH_SCAN_PROCESSES", 1000);
const WAIT_MS = 30_000;
/** Optional: a directory for `node --cpu-prof` profiles of every executor (an investigation aid: skews the numbers). */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;

const BENCHMARKS_MD = join(repoRoot, "BENCHMARKS.md");
/** The variable taggedProcesses (test/helpers/berthHarness.ts) looks for. Not BERTH_*: Berth keeps those from tasks. */
const TAG_VARIABLE = "E2E_RUN_TAG";
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
/** Widest accepted bracket around a Date.now() tick when measuring the clock offset. */
const PORT_RANGE = { min: 20_000, max: 30_000 }; // below the ephemeral range, so probes' own sockets never take one

// One request at a time, no keep-alive, no TERM handler (SIGTERM's default action ends it at once). It appends one
// byte to HITS_FILE per answered request: the number of checks is the file's size.
const HTTP_SERVER_PL = `use strict; use warnings; use IO::Socket::INET;
my $server = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ENV{PORT}, Proto => "tcp", Listen => 128, ReuseAddr => 1)
  or die "listen on $ENV{PORT}: $!";
open(my $hits, ">>", $ENV{HITS_FILE}) or die "open $ENV{HITS_FILE}: $!";
$hits->autoflush(1);
while (1) {
  my $client = $server->accept or next;
  while (my $line = <$client>) { last if $line =~ /^\\r?\\n$/; }
  print $client "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nok\\n";
  close $client;
  print $hits ".";
}
`;

// The floor of an HTTP check in Node: the same GET as Berth's probe (no keep-alive, whole body read, next run one
// interval after the result), nothing else. SIGUSR2 prints the number of answered checks.
const NODE_PROBER = `const http = require("node:http");
let count = 0;
const probe = (port) => {
  const again = () => setTimeout(probe, 1000, port);
  const req = http.request({ host: "127.0.0.1", port, path: "/health", method: "GET", agent: false, headers: { "user-agent": "floor", accept: "*/*" } },
    (res) => { res.on("end", () => { count++; again(); }); res.resume(); });
  req.on("error", again);
  req.end();
};
for (const port of process.env.PORTS.split(",")) probe(Number(port));
process.on("SIGUSR2", () => process.stdout.write(count + "\\n"));
process.stdout.write("ready\\n");
`;

// Stamps the wall clock when its SIGTERM trap runs. \`wait\` returns as soon as a trapped signal arrives, and the
// group's sleep gets the same SIGTERM, so nothing is left behind.
const TERM_STAMP_SH = `trap 'printf %s "$EPOCHREALTIME" > "$1"; exit 0' TERM
sleep infinity &
printf ready > "$2"
wait
`;

// A cycle task leaves descendants every way it can: a child in its group, a child in its own session (setsid), and a
// daemon that setsids and double-forks (its parent exits at once: reparented to init, no parent chain left). It
// creates $1 once all three exist, and the cycle kills it only then, so that each kill has them to find.
const ESCAPING_TASK_SH = `sleep 30 &
setsid sleep 30 &
setsid sh -c 'sleep 30 & exit 0' &
wait $!
: > "$1"
exec sleep 30
`;

// ── clocks and /proc ─────────────────────────────────────────────────────────────────────────────────────────


function readStampMs(path: string): number {
  const text = readFileSync(path, "utf8").trim();
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`bad stamp in ${path}: ${JSON.stringify(text)}`);
  return seconds * 1000;
}

/** utime + stime of one process (its own CPU, not its children's), in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state) of proc(5); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function vmRssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

interface Window {
  seconds: number;
  wallMs: number;
  /** CPU time used in the window (ms). */
  cpuMs: number;
  /** Mean CPU % of one core over the window. */
  cpuPct: number;
  /** CPU % of each 1 s sample. */
  cpuPctPerSecond: number[];
  rssMb: number[];
}

/** Samples a process's CPU time and RSS every second for `seconds` (on an absolute schedule: no drift). */
async function observe(pid: number, seconds: number, signal: AbortSignal, onStart?: () => void): Promise<Window> {
  const t0 = performance.now();
  const c0 = cpuMs(pid);
  onStart?.();
  let lastCpu = c0;
  let lastAt = t0;
  const cpuPctPerSecond: number[] = [];
  const rssMb: number[] = [];
  for (let i = 1; i <= seconds; i++) {
    await delay(Math.max(0, t0 + i * 1000 - performance.now()), undefined, { signal });
    const at = performance.now();
    const cpu = cpuMs(pid);
    rssMb.push(vmRssMb(pid));
    cpuPctPerSecond.push(((cpu - lastCpu) / (at - lastAt)) * 100);
    lastCpu = cpu;
    lastAt = at;
  }
  const wallMs = lastAt - t0;
  return { seconds, wallMs, cpuMs: lastCpu - c0, cpuPct: ((lastCpu - c0) / wallMs) * 100, cpuPctPerSecond, rssMb };
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const max = (values: readonly number[]): number => Math.max(...values);

/** `count` free TCP ports on 127.0.0.1, from a random start in PORT_RANGE. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const span = PORT_RANGE.max - PORT_RANGE.min;
  const start = PORT_RANGE.min + Math.floor(Math.random() * span);
  for (let i = 0; i < span && ports.length < count; i++) {
    const port = PORT_RANGE.min + ((start - PORT_RANGE.min + i) % span);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) ports.push(port);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} free ports in ${PORT_RANGE.min}-${PORT_RANGE.max}`);
  return ports;
}

// ── waiting for status updates ───────────────────────────────────────────────────────────────────────────────

interface Waiter {
  taskId: string;
  accept: (status: TaskStatus) => boolean;
  resolve: (record: UpdateRecord) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Hands each accepted status update of one executor to whoever waits for it. handle.waitForUpdate re-filters the
 * whole update log on every change the agent records, which with 20 waiters and thousands of updates would make this
 * process the bottleneck of the cycles; this reads each record once. It wakes on the executor's events (every
 * accepted executor update is followed by its ACKNOWLEDGED), and every wait has a deadline.
 */
class UpdateWatch {
  readonly #handle: ExecutorHandle;
  readonly #signal: AbortSignal;
  readonly #seen = new Map<string, UpdateRecord[]>();
  readonly #waiters = new Set<Waiter>();
  #cursor = 0;

  constructor(handle: ExecutorHandle, signal: AbortSignal) {
    this.#handle = handle;
    this.#signal = signal;
    void this.#loop();
  }

  /** The first accepted update of `taskId` that `accept` takes; rejects if the task ends otherwise first. */
  until(taskId: string, accept: (status: TaskStatus) => boolean, timeoutMs = WAIT_MS): Promise<UpdateRecord> {
    this.#drain();
    for (const record of this.#seen.get(taskId) ?? []) {
      if (accept(record.status)) return Promise.resolve(record);
      if (isTerminalState(record.status.state)) return Promise.reject(endedOtherwise(record.status));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        taskId,
        accept,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const seen = (this.#seen.get(taskId) ?? []).map((r) => r.status.state).join(", ");
          reject(new Error(`timed out after ${timeoutMs} ms waiting for an update of ${taskId} (seen: ${seen || "none"})`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  async #loop(): Promise<void> {
    for (;;) {
      this.#drain();
      if (this.#signal.aborted) break;
      try {
        await this.#handle.waitForEvent(() => true, { from: this.#handle.events.length, timeoutMs: 5_000, signal: this.#signal });
      } catch (error) {
        if (error instanceof AgentError && error.code === "AGENT_WAIT_TIMEOUT") continue; // quiet: look again
        break; // aborted, or the agent stopped
      }
    }
    this.#drain();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`stopped waiting for an update of ${waiter.taskId}`));
    }
    this.#waiters.clear();
  }

  #drain(): void {
    const log = this.#handle.updateLog;
    for (; this.#cursor < log.length; this.#cursor++) {
      const record = log[this.#cursor] as UpdateRecord;
      if (record.disposition !== "accepted") continue;
      const taskId = record.status.task_id.value;
      const list = this.#seen.get(taskId);
      if (list) list.push(record);
      else this.#seen.set(taskId, [record]);
      for (const waiter of this.#waiters) {
        if (waiter.taskId !== taskId) continue;
        if (waiter.accept(record.status)) waiter.resolve(record);
        else if (isTerminalState(record.status.state)) waiter.reject(endedOtherwise(record.status));
        else continue;
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
      }
    }
  }
}

function endedOtherwise(status: TaskStatus): Error {
  return new Error(`task ${status.task_id.value} ended ${status.state}: ${status.message ?? ""}`);
}

const isState =
  (state: TaskStatus["state"]) =>
  (status: TaskStatus): boolean =>
    status.state === state;

// ── the benchmark ────────────────────────────────────────────────────────────────────────────────────────────

interface HealthResults {
  idle: Window;
  berth: Window;
  berthChecks: number;
  /** Updates reporting healthy=false during the window (the checks should all pass). */
  unhealthyUpdates: number;
  floor: Window;
  floorChecks: number;
}

interface KillResults {
  berth: number[];
  direct: number[];
  /** KILL written → TASK_KILLED read. */
  killToKilled: number[];
}

interface CycleResults {
  cycles: number;
  wallMs: number;
  launchToRunning: number[];
  killToKilled: number[];
  /** Cycles that did not end TASK_KILLED (with the first few messages). */
  failures: number;
  failureMessages: string[];
  leftovers: string[];
  rssBeforeMb: number;
  rssAfterMb: number;
  /** After a forced full GC in the executor (bench/gcOnSignal.ts), before and after the cycles. */
  gcBefore: GcMemory;
  gcAfter: GcMemory;
  /** The executor's CPU time during the cycles (ms). */
  cpuMs: number;
}

interface GcMemory {
  rssMb: number;
  heapUsedMb: number;
}

class LifecycleBench {
  readonly #agent: LocalAgent;
  readonly #dir: string;
  readonly #env: Record<string, string>;
  readonly #signal: AbortSignal;
  readonly #cycleTag = randomUUID();
  readonly #serverScript: string;
  readonly #termScript: string;
  readonly #escapingScript: string;
  #gcSeq = new Map<number, number>();
  /** Processes this benchmark spawned itself (baselines), killed on the way out whatever happens. */
  readonly #children = new Set<ChildProcess>();

  constructor(agent: LocalAgent, dir: string, env: Record<string, string>, signal: AbortSignal) {
    this.#agent = agent;
    this.#dir = dir;
    this.#env = env;
    this.#signal = signal;
    this.#serverScript = join(dir, "health-server.pl");
    this.#termScript = join(dir, "term-stamp.sh");
    writeFileSync(this.#serverScript, HTTP_SERVER_PL);
    writeFileSync(this.#termScript, TERM_STAMP_SH);
    this.#escapingScript = join(dir, "escaping-task.sh");
    writeFileSync(this.#escapingScript, ESCAPING_TASK_SH);
  }

  get cycleTag(): string {
    return this.#cycleTag;
  }

  killChildren(): void {
    for (const child of this.#children) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  #launchBerth(): ExecutorHandle {
    // On the command line: Node 20 refuses --cpu-prof in NODE_OPTIONS (and would then not start at all).
    const profile = CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
    // A SIGUSR2 handler that forces a full GC and reports the memory after it (gcRss).
    const gc = ["--expose-gc", `--import=${pathToFileURL(join(repoRoot, "dist", "bench", "gcOnSignal.js")).href}`];
    return this.#agent.launchExecutor({ command: { argv: [process.execPath, ...profile, ...gc, BERTH_MAIN, "executor"] } });
  }

  /** Forces a full GC in the executor and returns its memory right after (from the line it writes to its stderr). */
  async gcRss(handle: ExecutorHandle): Promise<GcMemory> {
    const pid = handle.pid as number;
    const seq = (this.#gcSeq.get(pid) ?? 0) + 1;
    this.#gcSeq.set(pid, seq);
    process.kill(pid, "SIGUSR2");
    const line = await waitFor(
      () => readFileSync(join(handle.sandbox, "stderr"), "utf8").split("\n").find((l) => l.startsWith(`bench-gc seq=${seq} `)),
      { what: "the executor's GC report", timeoutMs: WAIT_MS },
    );
    const field = (name: string): number => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1]) / 2 ** 20;
    return { rssMb: field("rss_bytes"), heapUsedMb: field("heap_used_bytes") };
  }

  /** An executor with one long task, so that it does not exit when the tasks of a measurement are gone. */
  async startIdleExecutor(): Promise<{ handle: ExecutorHandle; watch: UpdateWatch }> {
    const handle = this.#launchBerth();
    const watch = new UpdateWatch(handle, this.#signal);
    handle.launch(shellTask("anchor", "exec sleep 3600"));
    await watch.until("anchor", isState("TASK_RUNNING"));
    // Idle: the RUNNING update acknowledged, nothing left for the executor to do.
    await waitFor(() => handle.updates("anchor").every((u) => u.ack === "sent"), { what: "the anchor's acks", timeoutMs: WAIT_MS });
    return { handle, watch };
  }

  async idleWindow(handle: ExecutorHandle): Promise<Window> {
    await delay(SETTLE_MS, undefined, { signal: this.#signal });
    return observe(handle.pid as number, IDLE_WINDOW_S, this.#signal);
  }

  async health(idle: Window): Promise<HealthResults> {
    const ports = await freePorts(HEALTH_TASKS);
    const hitsFiles = ports.map((port) => join(this.#dir, `hits-${port}`));
    const handle = this.#launchBerth();
    const watch = new UpdateWatch(handle, this.#signal);
    const taskIds = ports.map((port) => `health-${port}`);
    ports.forEach((port, i) => {
      const task: TaskInput = shellTask(taskIds[i] as string, `exec perl '${this.#serverScript}'`, {
        command: { environment: { variables: [{ name: "PORT", value: String(port) }, { name: "HITS_FILE", value: hitsFiles[i] as string }] } },
        health_check: { type: "HTTP", http: { port, path: "/health" }, interval_seconds: 1, delay_seconds: 0, grace_period_seconds: 10 },
      });
      handle.launch(task);
    });
    await Promise.all(taskIds.map((id) => watch.until(id, (s) => s.healthy === true, 60_000)));
    await delay(SETTLE_MS, undefined, { signal: this.#signal });

    const hits = (): number => hitsFiles.reduce((sum, file) => sum + (existsSync(file) ? statSync(file).size : 0), 0);
    const pid = handle.pid as number;
    const fromUpdate = handle.updateLog.length;
    let hitsBefore = 0;
    const berth = await observe(pid, HEALTH_WINDOW_S, this.#signal, () => (hitsBefore = hits()));
    const berthChecks = hits() - hitsBefore;
    const unhealthyUpdates = handle.updateLog.slice(fromUpdate).filter((r) => r.status.healthy === false).length;

    // The floor runs next to the still-checking executor (on 2 cores it costs that one ~a tenth of a core): its own
    // CPU time is what is compared, and the servers need their tasks.
    const floor = await this.#floor(ports);

    handle.shutdown();
    await handle.waitForExit({ timeoutMs: WAIT_MS, signal: this.#signal });
    return { idle, berth, berthChecks, unhealthyUpdates, floor: floor.window, floorChecks: floor.checks };
  }

  async #floor(ports: readonly number[]): Promise<{ window: Window; checks: number }> {
    const child = spawn(process.execPath, ["-e", NODE_PROBER], {
      env: { ...this.#env, PORTS: ports.join(",") },
      cwd: this.#dir,
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#children.add(child);
    const lines: string[] = [];
    let wake: (() => void) | undefined;
    let buffered = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      lines.push(...parts);
      wake?.();
    });
    const nextLine = async (): Promise<string> => {
      const deadline = performance.now() + WAIT_MS;
      while (lines.length === 0) {
        if (child.exitCode !== null || performance.now() > deadline) throw new Error("the floor prober did not answer");
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return lines.shift() as string;
    };
    try {
      if ((await nextLine()) !== "ready") throw new Error("the floor prober did not start");
      await delay(SETTLE_MS, undefined, { signal: this.#signal });
      const count = async (): Promise<number> => {
        process.kill(child.pid as number, "SIGUSR2");
        return Number(await nextLine());
      };
      let started: Promise<number> | undefined;
      const window = await observe(child.pid as number, FLOOR_WINDOW_S, this.#signal, () => (started = count()));
      const before = await (started as Promise<number>);
      const after = await count();
      return { window, checks: after - before };
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
      this.#children.delete(child);
    }
  }

  async kills(handle: ExecutorHandle, watch: UpdateWatch): Promise<KillResults> {
    const results: KillResults = { berth: [], direct: [], killToKilled: [] };
    for (let i = 0; i < KILL_WARMUP + KILL_RUNS; i++) {
      const berth = await this.#berthKill(handle, watch, i);
      const direct = await this.#directKill(i);
      if (i < KILL_WARMUP) continue;
      results.berth.push(berth.sigtermMs);
      results.killToKilled.push(berth.killedMs);
      results.direct.push(direct);
    }
    return results;
  }

  async #berthKill(handle: ExecutorHandle, watch: UpdateWatch, i: number): Promise<{ sigtermMs: number; killedMs: number }> {
    const taskId = `term-${i}`;
    const stamp = join(this.#dir, `${taskId}.stamp`);
    const ready = join(this.#dir, `${taskId}.ready`);
    handle.launch(shellTask(taskId, `exec /bin/bash '${this.#termScript}' '${stamp}' '${ready}'`));
    await watch.until(taskId, isState("TASK_RUNNING"));
    await waitFor(() => existsSync(ready), { what: `${taskId} ready`, intervalMs: 5, timeoutMs: WAIT_MS });
    await delay(KILL_QUIET_MS, undefined, { signal: this.#signal });
    handle.kill(taskId);
    const kill = handle.events[handle.events.length - 1];
    if (kill?.type !== "KILL" || kill.event.kill?.task_id.value !== taskId || !kill.delivered) throw new Error(`no delivered KILL recorded for ${taskId}`);
    const killed = await watch.until(taskId, isState("TASK_KILLED"));
    const sigtermAt = toPerfMs(readStampMs(stamp), wallClockOffsetMs());
    return { sigtermMs: sigtermAt - kill.at, killedMs: killed.at - kill.at };
  }

  async #directKill(i: number): Promise<number> {
    const stamp = join(this.#dir, `direct-${i}.stamp`);
    const ready = join(this.#dir, `direct-${i}.ready`);
    const child = spawn("/bin/bash", [this.#termScript, stamp, ready], { env: this.#env, cwd: this.#dir, detached: true, stdio: "ignore" });
    this.#children.add(child);
    try {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await waitFor(() => existsSync(ready), { what: `direct task ${i} ready`, intervalMs: 5, timeoutMs: WAIT_MS });
      await delay(KILL_QUIET_MS, undefined, { signal: this.#signal });
      const sentAt = performance.now();
      process.kill(-(child.pid as number), "SIGTERM"); // the whole group, as Berth signals it
      await exited;
      return toPerfMs(readStampMs(stamp), wallClockOffsetMs()) - sentAt;
    } finally {
      this.#children.delete(child);
    }
  }

  async cycles(handle: ExecutorHandle, watch: UpdateWatch): Promise<CycleResults> {
    const pid = handle.pid as number;
    const rssBeforeMb = vmRssMb(pid);
    const gcBefore = await this.gcRss(handle);
    const launchToRunning: number[] = [];
    const killToKilled: number[] = [];
    const failureMessages: string[] = [];
    let failures = 0;
    let next = 0;
    // The tag in the task's own environment (it wins over the executor's): the leftover scan sees these tasks only.
    const environment = { variables: [{ name: TAG_VARIABLE, value: this.#cycleTag }] };
    const worker = async (): Promise<void> => {
      while (next < CYCLES && !this.#signal.aborted) {
        const taskId = `cycle-${next++}`;
        const ready = join(this.#dir, `${taskId}.ready`);
        try {
          const launchedAt = performance.now();
          handle.launch(shellTask(taskId, `exec /bin/sh '${this.#escapingScript}' '${ready}'`, { command: { environment } }));
          const running = await watch.until(taskId, isState("TASK_RUNNING"));
          launchToRunning.push(running.at - launchedAt);
          // Killed once its child, setsid child and double-forked daemon exist: each kill has them to find.
          await waitFor(() => existsSync(ready), { what: `${taskId}'s descendants`, intervalMs: 5, timeoutMs: WAIT_MS });
          const killAt = performance.now();
          handle.kill(taskId);
          const killed = await watch.until(taskId, isState("TASK_KILLED"));
          killToKilled.push(killed.at - killAt);
        } catch (error) {
          if (this.#signal.aborted) return;
          failures++;
          if (failureMessages.length < 3) failureMessages.push((error as Error).message);
        }
      }
    };
    const t0 = performance.now();
    const cpu0 = cpuMs(pid);
    await Promise.all(Array.from({ length: CYCLE_PARALLEL }, worker));
    const wallMs = performance.now() - t0;
    const cpuUsed = cpuMs(pid) - cpu0;
    // Counted at once: Berth sends TASK_KILLED only once every process of the task is gone.
    const leftovers = taggedProcesses(this.#cycleTag);
    const rssAfterMb = vmRssMb(pid);
    const gcAfter = await this.gcRss(handle);
    return { cycles: next, wallMs, launchToRunning, killToKilled, failures, failureMessages, leftovers, rssBeforeMb, rssAfterMb, gcBefore, gcAfter, cpuMs: cpuUsed };
  }
}

// ── containment cost ─────────────────────────────────────────────────────────────────────────────────────────

interface ContainmentResults {
  /** Why no cgroup could be made here (the cgroup rows are then missing). */
  noCgroup: string | undefined;
  /** spawnGroup → pid (ms), by mechanism. */
  spawn: Partial<Record<"none" | ContainmentMode, number[]>>;
  /** Removing the cgroup once the task is gone (ms). */
  release: number[];
  /** Processes on the machine during the scans. */
  processes: number;
  /** One kill-time scan (ms): process tree only, with the cgroup, with the marker (first, then remembered). */
  scan: Partial<Record<"tree" | "cgroup" | "markerFirst" | "marker" | "freeze", number[]>>;
}

/**
 * What finding escaped processes costs, in this process with src/process directly: spawnGroup of /bin/true with
 * each mechanism (alternating), then ProcessTree.scan() of a running double-forking task with each, while
 * SCAN_PROCESSES extra sleeps make the machine busy.
 */
async function containmentCost(dir: string, env: Record<string, string>, signal: AbortSignal): Promise<ContainmentResults> {
  let noCgroup: string | undefined;
  try {
    ownCgroupDirectory();
    if (process.getuid?.() !== 0) noCgroup = "not root";
  } catch (error) {
    noCgroup = (error as Error).message;
  }
  const modes: ("none" | ContainmentMode)[] = noCgroup === undefined ? ["none", "auto", "marker"] : ["none", "marker"];
  const results: ContainmentResults = { noCgroup, spawn: {}, release: [], processes: 0, scan: {} };
  const options = { env, cwd: dir, stdout: "ignore", stderr: "ignore" } as const;

  for (let i = 0; i < SPAWN_RUNS + 1; i++) {
    for (const mode of modes) {
      signal.throwIfAborted();
      const t0 = performance.now();
      const handle = await spawnGroup({ kind: "argv", file: "/bin/true", args: [] }, { ...options, ...(mode === "none" ? {} : { contain: { label: "bench", mode } }) });
      const spawnMs = performance.now() - t0;
      await handle.exited;
      await waitGroupGone(new ProcessTree(handle.pid, handle.containment), { signal: AbortSignal.timeout(WAIT_MS) });
      const t1 = performance.now();
      handle.containment?.release();
      if (i === 0) continue; // warm-up
      (results.spawn[mode] ??= []).push(spawnMs);
      if (mode === "auto") results.release.push(performance.now() - t1);
    }
  }

  // A busy machine: the scans read every /proc/<pid>/stat (and, for the marker's first scan, every environ).
  const crowd = spawn("/bin/sh", ["-c", `i=0; while [ $i -lt ${SCAN_PROCESSES} ]; do sleep 600 & i=$((i+1)); done; wait`], {
    env,
    detached: true,
    stdio: "ignore",
  });
  const tasks: GroupHandle[] = [];
  try {
    await waitFor(() => listProcStats().filter((p) => p.pgrp === crowd.pid).length > SCAN_PROCESSES, { what: "the extra processes", timeoutMs: 60_000 });
    const script = "setsid sh -c 'sleep 600 & exit 0' & wait; exec sleep 600";
    for (const mode of modes.filter((m) => m !== "none") as ContainmentMode[]) {
      tasks.push(await spawnGroup({ kind: "shell", script }, { ...options, contain: { label: "bench-scan", mode } }));
    }
    // Each: its leader (sleep) and the daemon (sleep); the daemon's parent exited at once.
    await waitFor(() => tasks.every((t) => new ProcessTree(t.pid, t.containment).scan().length === 2), { what: "the scan tasks' daemons", timeoutMs: WAIT_MS });
    results.processes = listProcStats().length;
    const time = (key: keyof ContainmentResults["scan"], scan: () => void): void => {
      const samples = (results.scan[key] ??= []);
      const t0 = performance.now();
      scan();
      samples.push(performance.now() - t0);
    };
    for (let i = 0; i < SCAN_RUNS; i++) {
      signal.throwIfAborted();
      const [first] = tasks;
      time("tree", () => new ProcessTree(first!.pid).scan());
      for (const task of tasks) {
        const mechanism = task.containment!.mechanism;
        time(mechanism, () => new ProcessTree(task.pid, task.containment).scan());
        // A stop signal to a task with a cgroup is sent with the group frozen.
        if (mechanism === "cgroup") {
          time("freeze", () => {
            task.containment!.freeze();
            task.containment!.thaw();
          });
        }
        // The first scan with a marker reads every environ on the machine; a fresh marker does that work again.
        if (mechanism === "marker") {
          time("markerFirst", () => new ProcessTree(task.pid, { members: (c) => new EnvMarker().holders(c), killAll: () => false }).scan());
        }
      }
      await delay(10, undefined, { signal });
    }
  } finally {
    for (const task of tasks) {
      const tree = new ProcessTree(task.pid, task.containment);
      signalGroup(tree, "SIGKILL");
      await waitGroupGone(tree, { signal: AbortSignal.timeout(WAIT_MS) }).catch(() => undefined);
      task.containment?.release();
    }
    process.kill(-(crowd.pid as number), "SIGKILL");
    await waitGroupGone(crowd.pid as number, { signal: AbortSignal.timeout(WAIT_MS) }).catch(() => undefined);
  }
  return results;
}

// ── report ───────────────────────────────────────────────────────────────────────────────────────────────────

interface Report {
  tables: string;
  summaryLine: string;
}

function containmentTable(c: ContainmentResults): string {
  const row = (label: string, samples: number[] | undefined): string[] =>
    samples && samples.length > 0 ? [label, ...summaryCells(summarize(samples), 2)] : [label, "—", "—", "—", "—", "—"];
  const cgroupNote = c.noCgroup === undefined ? "" : ` (no cgroup here: ${c.noCgroup})`;
  return markdownTable(
    ["measurement", "n", "median", "p90", "min", "max"],
    [
      row("spawnGroup → pid, no containment (ms)", c.spawn.none),
      row(`spawnGroup → pid, **cgroup**: mkdir, Berth moves in and out around spawn() (ms)${cgroupNote}`, c.spawn.auto),
      row("spawnGroup → pid, **marker** in the environment (ms)", c.spawn.marker),
      row(`removing the task's cgroup once it is gone (ms)${cgroupNote}`, c.release),
      row(`kill-time scan, ${c.processes} processes on the machine: session, group and parent chain only (ms)`, c.scan.tree),
      row("the same scan + the cgroup's cgroup.procs (ms)", c.scan.cgroup),
      row("freezing and thawing the task's cgroup (around a stop signal) (ms)", c.scan.freeze),
      row("the same scan + the marker, first scan: every /proc/<pid>/environ read (ms)", c.scan.markerFirst),
      row("the same scan + the marker, later scans: only new processes read (ms)", c.scan.marker),
    ],
    ["left", "right", "right", "right", "right", "right"],
  );
}

function report(health: HealthResults, kills: KillResults, cycles: CycleResults, containment: ContainmentResults): Report {
  const { idle, berth, floor } = health;
  const idleRate = idle.cpuMs / idle.wallMs; // CPU ms per wall ms
  const berthChecksPerS = (health.berthChecks / berth.wallMs) * 1000;
  const floorChecksPerS = (health.floorChecks / floor.wallMs) * 1000;
  const perCheckBerth = (berth.cpuMs - idleRate * berth.wallMs) / health.berthChecks;
  const perCheckFloor = floor.cpuMs / health.floorChecks;
  const rssPerTaskMb = (mean(berth.rssMb) - mean(idle.rssMb)) / HEALTH_TASKS;
  const windowRow = (label: string, w: Window, checksPerS: string, perCheck: string): string[] => [
    label,
    String(w.seconds),
    fmt(w.cpuPct),
    fmt(max(w.cpuPctPerSecond)),
    fmt(mean(w.rssMb)),
    fmt(max(w.rssMb)),
    checksPerS,
    perCheck,
  ];
  const healthTable = markdownTable(
    ["measurement", "window (s)", "CPU % mean", "CPU % max (1 s)", "RSS MiB mean", "RSS MiB max", "checks/s", "CPU ms per check"],
    [
      windowRow(`**berth**, ${HEALTH_TASKS} tasks with a 1 s HTTP health check`, berth, fmt(berthChecksPerS), `${fmt(perCheckBerth, 2)} (idle subtracted)`),
      windowRow("baseline: **berth** idle, 1 task, no check", idle, "—", "—"),
      windowRow(`floor: bare Node prober, the same ${HEALTH_TASKS} servers`, floor, fmt(floorChecksPerS), fmt(perCheckFloor, 2)),
    ],
    ["left", "right", "right", "right", "right", "right", "right", "right"],
  );

  const s = { berth: summarize(kills.berth), direct: summarize(kills.direct), killed: summarize(kills.killToKilled) };
  const killTable = markdownTable(
    ["measurement", "n", "median", "p90", "min", "max", "median vs baseline"],
    [
      ["**berth** KILL written by the agent → task's SIGTERM trap runs (ms)", ...summaryCells(s.berth, 2), ratio(s.berth.median, s.direct.median)],
      ["baseline: process.kill(-pgid, SIGTERM) here → the same trap runs (ms)", ...summaryCells(s.direct, 2), ""],
      ["**berth** KILL written → TASK_KILLED read by the agent (ms)", ...summaryCells(s.killed, 2), ""],
    ],
    ["left", "right", "right", "right", "right", "right", "left"],
  );

  const running = summarize(cycles.launchToRunning.length > 0 ? cycles.launchToRunning : [NaN]);
  const killed = summarize(cycles.killToKilled.length > 0 ? cycles.killToKilled : [NaN]);
  const cycleTable = markdownTable(
    ["measurement", "value"],
    [
      ["cycles (LAUNCH → TASK_RUNNING → KILL → TASK_KILLED), one executor", `${cycles.cycles}, ${CYCLE_PARALLEL} at a time`],
      ["wall time (s) / cycles per second", `${fmt(cycles.wallMs / 1000)} / ${fmt((cycles.cycles / cycles.wallMs) * 1000)}`],
      ["LAUNCH → TASK_RUNNING (ms), median / p90 / max", `${fmt(running.median)} / ${fmt(running.p90)} / ${fmt(running.max)}`],
      ["KILL → TASK_KILLED (ms), median / p90 / max", `${fmt(killed.median)} / ${fmt(killed.p90)} / ${fmt(killed.max)}`],
      ["executor CPU during the cycles: % of a core / ms per cycle", `${fmt((cycles.cpuMs / cycles.wallMs) * 100)} / ${fmt(cycles.cpuMs / cycles.cycles, 2)}`],
      ["cycles that did not end TASK_KILLED", String(cycles.failures)],
      ["**leftover processes** (tagged, live) right after the last TASK_KILLED", `**${cycles.leftovers.length}**`],
      ["executor RSS before → after the cycles (MiB)", `${fmt(cycles.rssBeforeMb)} → ${fmt(cycles.rssAfterMb)}`],
      ["executor RSS after a forced GC, before → after the cycles (MiB)", `${fmt(cycles.gcBefore.rssMb)} → ${fmt(cycles.gcAfter.rssMb)}`],
      ["executor heap used after a forced GC, before → after the cycles (MiB)", `${fmt(cycles.gcBefore.heapUsedMb)} → ${fmt(cycles.gcAfter.heapUsedMb)}`],
    ],
    ["left", "right"],
  );

  const notes: string[] = [];
  if (health.unhealthyUpdates > 0) notes.push(`${health.unhealthyUpdates} update(s) reported healthy=false during the health window.`);
  if (cycles.failureMessages.length > 0) notes.push(`First cycle failures: ${cycles.failureMessages.join("; ")}`);
  if (cycles.leftovers.length > 0) notes.push(`Leftovers: ${cycles.leftovers.slice(0, 10).join(", ")}`);
  if (CPU_PROF_DIR) notes.push(`Profiled run (BENCH_CPU_PROF_DIR): the executors ran under --cpu-prof, their numbers are inflated.`);

  const tables = [
    `### Health checks\n\n${healthTable}`,
    `### Kill → SIGTERM\n\n${killTable}`,
    `### Launch/kill cycles\n\n${cycleTable}`,
    `### Containment (finding escaped processes)\n\n${containmentTable(containment)}`,
    ...(notes.length > 0 ? [notes.map((n) => `- ${n}`).join("\n")] : []),
  ].join("\n\n");
  const derived =
    `${HEALTH_TASKS} checks cost ${fmt(berth.cpuPct - idle.cpuPct)} % of a core over idle (${fmt(perCheckBerth, 2)} ms CPU per check, ` +
    `${ratio(perCheckBerth, perCheckFloor)} the bare Node prober's ${fmt(perCheckFloor, 2)} ms) and ${fmt(rssPerTaskMb, 2)} MiB RSS per task over idle.`;
  const summaryLine =
    `lifecycle: tasks=${HEALTH_TASKS} cpu_pct=${fmt(berth.cpuPct)} rss_mb=${fmt(mean(berth.rssMb))} ` +
    `kill_to_sigterm_ms=${fmt(s.berth.median, 2)} cycles=${cycles.cycles} leftovers=${cycles.leftovers.length} ` +
    `gc_rss_mb=${fmt(cycles.gcBefore.rssMb)}->${fmt(cycles.gcAfter.rssMb)}`;
  return { tables: `${tables}\n\n${derived}`, summaryLine };
}

function sectionBody({ tables, summaryLine }: Report, machine: string): string {
  return `Reproduce with \`npm run bench:lifecycle\` (about 3 minutes on 2 cores). Run: ${machine}.
The real \`berth executor\` on the local agent; baselines measured in the same run. CPU % is of one core, from
utime+stime in /proc/<pid>/stat of the executor process alone (all its threads, so above 100 is possible; not its
tasks); RSS is VmRSS; both sampled every second.

${tables}

- **health checks**: one executor runs ${HEALTH_TASKS} tasks, each \`exec perl\` of a ~10-line HTTP server (~8 MiB RSS,
  one request at a time, no keep-alive; Node servers would cost ~40 MiB each), with \`health_check\` type HTTP,
  interval 1 s, delay 0, grace 10 s. The ${HEALTH_WINDOW_S} s window starts ${SETTLE_MS / 1000} s after every task reported
  healthy; checks are counted by the servers (one byte appended to a file per answered request). Baseline: an idle
  executor with one \`sleep\` task and no check, over a ${IDLE_WINDOW_S} s window (shorter to save time; its rate is
  flat). CPU per check = (executor CPU − idle rate × window) / checks. Floor: a bare Node process doing the same GET
  (\`http.request\`, \`agent: false\`, body read, next run 1 s after the result) against the same servers for
  ${FLOOR_WINDOW_S} s, while the executor still checks them (its own CPU time is what counts).
- **kill → SIGTERM**: a task \`bash\` whose SIGTERM trap writes \`$EPOCHREALTIME\` (its \`sleep infinity &\` child is in
  the same group); from the agent's KILL event record (written on the event stream) to the stamp, converted to this
  process's clock. Baseline: the same script spawned here in its own group, \`process.kill(-pgid, "SIGTERM")\` → stamp.
  ${KILL_RUNS} runs after ${KILL_WARMUP} warm-up, alternating, ${KILL_QUIET_MS} ms after the task is ready; the default kill grace.
- **cycles**: on one executor (kept alive by one long \`sleep\` task), ${CYCLE_PARALLEL} workers each loop LAUNCH of a
  task that leaves descendants every way it can (a \`sleep\` child, a \`setsid sleep\` child, and a daemon that
  setsids and double-forks, its parent exiting at once) → wait for TASK_RUNNING and for the three to exist → KILL →
  wait for TASK_KILLED, until ${CYCLES} cycles are done. Each cycle task carries its own \`${TAG_VARIABLE}\` in
  TaskInfo.command.environment; right after the last TASK_KILLED every live (non-zombie) process with that tag in
  /proc/*/environ counts as left over (\`taggedProcesses\` of test/helpers/berthHarness.ts). RSS "after a forced GC":
  the executors run with \`--expose-gc\` and bench/gcOnSignal.ts, which on SIGUSR2 runs a full GC and reports
  \`process.memoryUsage()\`: heap slack is not a leak.
- **containment**: in the benchmark process, with src/process directly: \`spawnGroup\` of \`/bin/true\` until its pid is
  known, ${SPAWN_RUNS} times per mechanism (alternating, after one warm-up), then the exit and the group's removal;
  \`ProcessTree.scan()\` (what every kill and every wait for the group runs) of a task with a double-forked daemon,
  ${SCAN_RUNS} times per mechanism, with ${SCAN_PROCESSES} extra \`sleep\` processes on the machine.

\`\`\`
${summaryLine}
\`\`\``;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const runTag = randomUUID();
  const dir = mkdtempSync(join(tmpdir(), "berth-lifecycle-"));
  const env = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", [TAG_VARIABLE]: runTag };
  const progress = (what: string): void => void process.stderr.write(`lifecycle bench: ${what}\n`);
  let agent: LocalAgent | undefined;
  let bench: LifecycleBench | undefined;
  let results: { health: HealthResults; kills: KillResults; cycles: CycleResults; containment: ContainmentResults } | undefined;
  let cleanupLeftovers: string[] = [];
  let failure: unknown;
  try {
    progress(`containment: ${SPAWN_RUNS} spawns per mechanism, ${SCAN_RUNS} scans among ${SCAN_PROCESSES} extra processes`);
    const containment = await containmentCost(dir, env, stop.signal);
    agent = await LocalAgent.start({ heartbeatIntervalMs: 0, registrationTimeoutMs: WAIT_MS, executorEnvironmentVariables: env, signal: stop.signal });
    bench = new LifecycleBench(agent, dir, env, stop.signal);
    progress(`idle executor, ${IDLE_WINDOW_S} s window`);
    const { handle, watch } = await bench.startIdleExecutor();
    const idle = await bench.idleWindow(handle);
    progress(`${HEALTH_TASKS} health-checked tasks, ${HEALTH_WINDOW_S} s window, then the ${FLOOR_WINDOW_S} s floor`);
    const health = await bench.health(idle);
    progress(`kill → SIGTERM, ${KILL_WARMUP + KILL_RUNS} runs`);
    const kills = await bench.kills(handle, watch);
    progress(`${CYCLES} launch/kill cycles, ${CYCLE_PARALLEL} at a time`);
    const cycles = await bench.cycles(handle, watch);
    handle.shutdown();
    await handle.waitForExit({ timeoutMs: WAIT_MS, signal: stop.signal });
    results = { health, kills, cycles, containment };
  } catch (error) {
    failure = error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    bench?.killChildren();
    await agent?.stop();
    cleanupLeftovers = [...taggedProcesses(runTag), ...(bench ? taggedProcesses(bench.cycleTag) : [])];
    for (const line of cleanupLeftovers) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (cleanupLeftovers.length > 0) progress(`killed ${cleanupLeftovers.length} process(es) left at the end: ${cleanupLeftovers.join(", ")}`);
  if (stop.signal.aborted) {
    progress("interrupted (cleaned up, BENCHMARKS.md unchanged)");
    process.exitCode = 130;
    return;
  }
  if (failure !== undefined || !results) throw failure ?? new Error("no results");

  const out = report(results.health, results.kills, results.cycles, results.containment);
  writeSection(BENCHMARKS_MD, "## Lifecycle", sectionBody(out, describeMachine()));
  process.stdout.write(`${out.tables}\n\n(written to the "## Lifecycle" section of BENCHMARKS.md)\n${out.summaryLine}\n`);
}

await main();
