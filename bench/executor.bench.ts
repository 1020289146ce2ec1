// `npm run bench:executor`: how fast and how small the packaged `berth executor` is, against plain-Node baselines
// measured in the same run (interleaved, so that a noisy neighbour slows both). Not a test: nothing is asserted.
// `npm run bench:executor` packages first (scripts/package.mjs); the main figures are the single executable's.
//
//   start          agent spawns the executor → agent has read its SUBSCRIBE   vs `node -e 0` spawn → exit, and a
//                                                                             minimal node script's POST → read
//   launch         agent writes LAUNCH → agent has read TASK_RUNNING           floor: spawning the same command here
//   exit→status    task's last instruction before exit → agent has read        floor: the same task run here, until
//                  TASK_FINISHED                                               its 'exit' event
//   rss            executor VmRSS, idle with one silent task                   vs a bare Node HTTP server
//   anon, threads  RssAnon (private memory) and Threads of /proc/<pid>/status, same moment
//   cycles         RSS before → after BENCH_CYCLES launch/kill cycles on one single executable
//
// Executors: the single executable (SEA), the tarball (sh launcher + one-file bundle on the system's node) and the
// source tree (node dist/src/cli/main.js executor), all on an agent that authenticates executors (a token to hand
// over: the single executable re-execs itself for it), plus the single executable on an agent without tokens.
//
// Every agent record's `at` is performance.now() of this process. The task stamps its exit with bash's
// $EPOCHREALTIME (wall clock, µs; a builtin, so nothing runs between the stamp and exit), which is converted to this
// process's performance clock with an offset measured at an edge of Date.now().
import { TAG_VARIABLE, taggedProcesses } from "../test/helpers/berthHarness.js";
import { toPerfMs, wallClockOffsetMs } from "./benchClock.js";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { setMaxListeners } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LocalAgent, type ExecutorHandle, type TaskInput } from "../src/agent/index.js";
import { isTerminalState, type TaskStatus } from "../src/mesos/types.js";
import { describeMachine, fmt, markdownTable, positiveIntFromEnv, ratio, summarize, type Summary, summaryCells, writeSection } from "./benchTable.js";

const RUNS = positiveIntFromEnv("BENCH_RUNS", 20);
/** Launch/kill cycles on one single executable, for RSS before → after. */
const CYCLES = positiveIntFromEnv("BENCH_CYCLES", 1000);
const CYCLE_PARALLEL = 20;
/** Discarded first round: cold page cache and lazy code paths of the agent. */
const WARMUP = 1;
const WAIT_MS = 20_000;
/** RSS counts as settled when this many consecutive samples (SAMPLE_MS apart) stay within RSS_TOLERANCE. */
const RSS_SAMPLES = 4;
const SAMPLE_MS = 50;
const RSS_TOLERANCE_KB = 64;
const RSS_MAX_WAIT_MS = 5_000;

const REPO = fileURLToPath(new URL("../..", import.meta.url)); // dist/bench/ → repository root
const BERTH_LAUNCHER = join(REPO, "bin", "berth-executor");
const PACKAGE_DIR = join(REPO, "dist", "package");
const SEA = join(PACKAGE_DIR, `berth-executor-linux-${process.arch}`);
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const TARBALL = join(PACKAGE_DIR, `berth-executor-${VERSION}.tar.gz`);
const BENCHMARKS_MD = join(REPO, "BENCHMARKS.md");
/** The Node the single executable is made of (scripts/package.mjs keeps it there): a baseline on the same Node. */
const SEA_NODE_CACHE = join(REPO, "node_modules", ".cache", "berth-sea");
/**
 * Extra environment for every executor (not the baselines), to try a lever without rebuilding:
 * BENCH_EXECUTOR_ENV="MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=1" (space-separated NAME=VALUE).
 */
const EXECUTOR_ENV = Object.fromEntries(
  (process.env.BENCH_EXECUTOR_ENV ?? "")
    .split(" ")
    .filter((a) => a.includes("="))
    .map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]),
);
// Not BERTH_*: Berth keeps its own variables out of tasks, and the tag must reach them for the leftover check.

// The baseline for the executor's start: the same spawn path (through the agent), then one POST naming the
// executor, on its own connection as Berth's SUBSCRIBE is.
const POST_SCRIPT = `import http from "node:http";
const [host, port] = process.env.MESOS_AGENT_ENDPOINT.split(":");
const body = JSON.stringify({ type: "HEARTBEAT", executor_id: { value: process.env.MESOS_EXECUTOR_ID }, framework_id: { value: process.env.MESOS_FRAMEWORK_ID } });
http.request({ host, port, path: "/api/v1/executor", method: "POST", agent: false,
  headers: { "Content-Type": "application/json", Accept: "application/json", "Content-Length": Buffer.byteLength(body) } },
  (res) => res.resume()).end(body);
`;
const HTTP_SERVER = `require("node:http").createServer((req, res) => res.end()).listen(0, "127.0.0.1", () => process.stdout.write("ready\\n"));`;

/** The executors measured; `sea` is the one the summary line and the ratios are about. */
const VARIANTS = ["sea", "seaNoToken", "bundle", "source"] as const;
type Variant = (typeof VARIANTS)[number];
const VARIANT_LABEL: Record<Variant, string> = {
  sea: "single executable",
  seaNoToken: "single executable, agent without executor tokens",
  bundle: "tarball: launcher + bundle, system node",
  source: "source tree: bin/berth-executor, dist/",
};

/** One process: blocks on the FIFO, stamps the wall clock, exits (read, printf and exit are bash builtins). */
function taskScript(fifo: string, stampFile: string): string {
  return `exec bash -c 'read -r _ < "$0"; printf %s "$EPOCHREALTIME" > "$1"; exit 0' '${fifo}' '${stampFile}'`;
}

function readStampMs(path: string): number {
  const text = readFileSync(path, "utf8").trim();
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`bad exit stamp in ${path}: ${JSON.stringify(text)}`);
  return seconds * 1000;
}

/** Releases the task blocked on `fifo`; waits (briefly) for it to open the FIFO first. */
async function trigger(fifo: string, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    let fd: number;
    try {
      // Non-blocking: a blocking open would park a libuv thread forever if the task were gone.
      fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENXIO" || performance.now() > deadline) throw error;
      await delay(2, undefined, { signal });
      continue;
    }
    try {
      writeSync(fd, "\n");
    } finally {
      closeSync(fd);
    }
    return;
  }
}

interface Memory {
  /** VmRSS, MiB */
  rssMb: number;
  /** RssAnon (private, anonymous memory: heaps, stacks), MiB */
  anonMb: number;
  threads: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status);
    if (!match) throw new Error(`no ${name} for pid ${pid}`);
    return Number(match[1]);
  };
  return { rssMb: field("VmRSS") / 1024, anonMb: field("RssAnon") / 1024, threads: field("Threads") };
}

/** Memory once RSS_SAMPLES consecutive VmRSS samples (SAMPLE_MS apart) agree within RSS_TOLERANCE_KB (or at the cap). */
async function settledMemory(pid: number, signal: AbortSignal): Promise<Memory & { settled: boolean }> {
  const samples: Memory[] = [];
  const deadline = performance.now() + RSS_MAX_WAIT_MS;
  for (;;) {
    samples.push(memoryOf(pid));
    const recent = samples.slice(-RSS_SAMPLES).map((m) => m.rssMb * 1024);
    const last = samples[samples.length - 1] as Memory;
    if (recent.length === RSS_SAMPLES && Math.max(...recent) - Math.min(...recent) <= RSS_TOLERANCE_KB) return { ...last, settled: true };
    if (performance.now() > deadline) return { ...last, settled: false };
    await delay(SAMPLE_MS, undefined, { signal });
  }
}

/** performance.now() at the child's 'exit' event. */
function exitTimeOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("exit", () => resolve(performance.now()));
    child.once("error", reject);
  });
}

function spawnedOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(performance.now()));
    child.once("error", reject);
  });
}

interface ExecutorSample extends Memory {
  startMs: number;
  launchMs: number;
  exitToStatusMs: number;
}

interface Baselines {
  nodeExit: number[];
  nodePost: number[];
  spawnFloor: number[];
  exitFloor: number[];
  nodeRss: number[];
  nodeAnon: number[];
  nodeThreads: number[];
  seaNodeRss: number[];
  seaNodeAnon: number[];
}

interface CycleResult {
  cycles: number;
  failures: number;
  failureMessages: string[];
  wallMs: number;
  before: Memory;
  after: Memory;
}

class Bench {
  readonly executors: Record<Variant, ExecutorSample[]> = { sea: [], seaNoToken: [], bundle: [], source: [] };
  readonly baselines: Baselines = { nodeExit: [], nodePost: [], spawnFloor: [], exitFloor: [], nodeRss: [], nodeAnon: [], nodeThreads: [], seaNodeRss: [], seaNodeAnon: [] };
  /** Memory measurements that hit RSS_MAX_WAIT_MS without settling. */
  unsettledRss = 0;
  readonly #agent: LocalAgent;
  readonly #plainAgent: LocalAgent;
  readonly #argv: Record<Variant, string[]>;
  readonly #dir: string;
  readonly #env: Record<string, string>;
  readonly #signal: AbortSignal;
  readonly #postScript: string;
  readonly #taskFifo: string;
  readonly #directFifo: string;
  readonly #wait: { timeoutMs: number; signal: AbortSignal };
  readonly #seaNode: string;

  constructor(agents: { tokens: LocalAgent; plain: LocalAgent }, dir: string, env: Record<string, string>, signal: AbortSignal) {
    this.#agent = agents.tokens;
    this.#plainAgent = agents.plain;
    this.#dir = dir;
    this.#env = env;
    this.#signal = signal;
    this.#wait = { timeoutMs: WAIT_MS, signal };
    this.#postScript = join(dir, "post.mjs");
    writeFileSync(this.#postScript, POST_SCRIPT);
    // As the Mesos fetcher extracts an archive URI into the sandbox.
    const unpacked = join(dir, "unpacked");
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", TARBALL, "-C", unpacked]);
    const [seaNodeDir] = readdirSync(SEA_NODE_CACHE);
    if (!seaNodeDir) throw new Error(`no Node in ${SEA_NODE_CACHE}: run \`npm run package\``);
    this.#seaNode = join(SEA_NODE_CACHE, seaNodeDir, "package", "bin", "node");
    this.#argv = { sea: [SEA], seaNoToken: [SEA], bundle: [join(unpacked, "berth-executor", "berth-executor")], source: [BERTH_LAUNCHER] };
    // Separate FIFOs so that a straggler of one kind can never swallow the other's trigger.
    this.#taskFifo = join(dir, "task.fifo");
    this.#directFifo = join(dir, "direct.fifo");
    execFileSync("mkfifo", [this.#taskFifo, this.#directFifo]);
  }

  /** One round of every measurement, baselines interleaved with the executors. */
  async round(i: number, record: boolean): Promise<void> {
    const nodeExit = await this.#nodeExit();
    const nodePost = await this.#nodePost();
    const executors: [Variant, ExecutorSample][] = [];
    for (const variant of VARIANTS) executors.push([variant, await this.#executor(variant, i)]);
    const direct = await this.#directTask(i);
    const node = await this.#httpServerMemory(process.execPath);
    const seaNode = await this.#httpServerMemory(this.#seaNode);
    if (!record) return;
    const b = this.baselines;
    b.nodeExit.push(nodeExit);
    b.nodePost.push(nodePost);
    b.spawnFloor.push(direct.spawnMs);
    b.exitFloor.push(direct.exitNoticeMs);
    b.nodeRss.push(node.rssMb);
    b.nodeAnon.push(node.anonMb);
    b.nodeThreads.push(node.threads);
    b.seaNodeRss.push(seaNode.rssMb);
    b.seaNodeAnon.push(seaNode.anonMb);
    for (const [variant, sample] of executors) this.executors[variant].push(sample);
  }

  /** `node -e 0`: spawn → 'exit' event. */
  async #nodeExit(): Promise<number> {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { env: this.#env, cwd: this.#dir, detached: true, stdio: "ignore" });
    return (await exitTimeOf(child)) - t0;
  }

  /** A minimal node script launched by the agent like Berth: spawn → the agent has read its POST. */
  async #nodePost(): Promise<number> {
    const t0 = this.#plainAgent.now();
    const handle = this.#plainAgent.launchExecutor({ command: { argv: [process.execPath, this.#postScript] } });
    const call = await handle.waitForCall((c) => c.call?.type === "HEARTBEAT", this.#wait);
    await handle.waitForExit(this.#wait);
    if (call.status !== 202) throw new Error(`baseline POST answered ${call.status}: ${call.body}`);
    return call.at - t0;
  }

  async #executor(variant: Variant, i: number): Promise<ExecutorSample> {
    const agent = variant === "seaNoToken" ? this.#plainAgent : this.#agent;
    const taskId = `bench-task-${variant}-${i}`;
    const stampFile = join(this.#dir, `task-exit-${variant}-${i}`);
    const task: TaskInput = { task_id: { value: taskId }, command: { value: taskScript(this.#taskFifo, stampFile) } };
    const t0 = agent.now();
    const executor = agent.launchExecutor({ command: { argv: this.#argv[variant] }, tasks: [task], env: EXECUTOR_ENV });

    const subscribe = await executor.waitForCall((c) => c.call?.type === "SUBSCRIBE", this.#wait);
    if (subscribe.status !== 200) throw new Error(`${variant}: SUBSCRIBE answered ${subscribe.status}`);
    const running = await this.#waitForState(executor, taskId, "TASK_RUNNING");
    const launch = executor.events.find((e) => e.type === "LAUNCH" && e.delivered);
    if (!launch) throw new Error("no LAUNCH event recorded");
    // Idle: the RUNNING update is acknowledged, nothing is left for the executor to do until the task exits.
    await executor.waitForEvent((e) => e.type === "ACKNOWLEDGED" && e.seq > running.seq, this.#wait);
    const memory = await this.#memory(executor.pid);

    await trigger(this.#taskFifo, this.#signal);
    const finished = await this.#waitForState(executor, taskId, "TASK_FINISHED");
    await executor.waitForExit(this.#wait);
    const exitAt = toPerfMs(readStampMs(stampFile), wallClockOffsetMs());
    return { startMs: subscribe.at - t0, launchMs: running.at - launch.at, exitToStatusMs: finished.at - exitAt, ...memory };
  }

  /** The accepted update record of `state`; throws if the task ended otherwise. */
  async #waitForState(executor: ExecutorHandle, taskId: string, state: TaskStatus["state"], from = 0) {
    const status = await executor.waitForUpdate((s) => s.task_id.value === taskId && (s.state === state || isTerminalState(s.state)), { ...this.#wait, from });
    if (status.state !== state) throw new Error(`task ${taskId}: expected ${state}, got ${status.state}: ${status.message ?? ""}`);
    const record = executor.updates(taskId).find((u) => u.status.state === state);
    if (!record) throw new Error(`no ${state} record for ${taskId}`);
    return record;
  }

  /** Floors: the same task spawned from here (spawn → 'spawn'), and its exit stamp → this process's 'exit' event. */
  async #directTask(i: number): Promise<{ spawnMs: number; exitNoticeMs: number }> {
    const stampFile = join(this.#dir, `direct-exit-${i}`);
    const t0 = performance.now();
    const child = spawn("/bin/sh", ["-c", taskScript(this.#directFifo, stampFile)], { env: this.#env, cwd: this.#dir, detached: true, stdio: "ignore" });
    const exited = exitTimeOf(child);
    const spawnedAt = await spawnedOf(child);
    await trigger(this.#directFifo, this.#signal);
    const exitAt = await exited;
    const stampAt = toPerfMs(readStampMs(stampFile), wallClockOffsetMs());
    return { spawnMs: spawnedAt - t0, exitNoticeMs: exitAt - stampAt };
  }

  /** A bare Node process with a listening HTTP server, measured like the executor. */
  async #httpServerMemory(node: string): Promise<Memory> {
    const child = spawn(node, ["-e", HTTP_SERVER], { env: this.#env, cwd: this.#dir, detached: true, stdio: ["ignore", "pipe", "ignore"] });
    const exited = exitTimeOf(child);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once("data", () => resolve());
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`baseline HTTP server exited (${code}) before listening`)));
      });
      return await this.#memory(child.pid);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  }

  async #memory(pid: number | undefined): Promise<Memory> {
    if (pid === undefined) throw new Error("no pid to measure");
    const { settled, ...memory } = await settledMemory(pid, this.#signal);
    if (!settled) this.unsettledRss++;
    return memory;
  }

  /**
   * CYCLES launch → TASK_RUNNING → KILL → TASK_KILLED of a silent task on one single executable (kept alive by one
   * more silent task), CYCLE_PARALLEL at a time; its settled memory before and after.
   */
  async cycles(): Promise<CycleResult> {
    const keep: TaskInput = { task_id: { value: "keep-alive" }, command: { value: "exec sleep 3600" } };
    const executor = this.#agent.launchExecutor({ command: { argv: this.#argv.sea }, tasks: [keep], env: EXECUTOR_ENV });
    const running = await this.#waitForState(executor, "keep-alive", "TASK_RUNNING");
    await executor.waitForEvent((e) => e.type === "ACKNOWLEDGED" && e.seq > running.seq, this.#wait);
    const before = await this.#memory(executor.pid);
    let next = 0;
    let failures = 0;
    const failureMessages: string[] = [];
    const worker = async (): Promise<void> => {
      while (next < CYCLES && !this.#signal.aborted) {
        const taskId = `cycle-${next++}`;
        try {
          const from = executor.updates().length;
          executor.launch({ task_id: { value: taskId }, command: { value: "exec sleep 3600" } });
          await this.#waitForState(executor, taskId, "TASK_RUNNING", from);
          executor.kill(taskId);
          await this.#waitForState(executor, taskId, "TASK_KILLED", from);
        } catch (error) {
          if (this.#signal.aborted) return;
          failures++;
          if (failureMessages.length < 3) failureMessages.push((error as Error).message);
        }
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CYCLE_PARALLEL }, worker));
    const wallMs = performance.now() - t0;
    const after = await this.#memory(executor.pid);
    executor.kill("keep-alive");
    await executor.waitForExit(this.#wait);
    return { cycles: next, failures, failureMessages, wallMs, before, after };
  }
}

function report(bench: Bench, cycles: CycleResult): { table: string; summaryLine: string } {
  const b = Object.fromEntries(Object.entries(bench.baselines).map(([key, values]) => [key, summarize(values)])) as Record<keyof Baselines, Summary>;
  const e = (variant: Variant, key: keyof ExecutorSample): Summary => summarize(bench.executors[variant].map((sample) => sample[key]));
  const row = (label: string, summary: Summary, versus: string): string[] => [label, ...summaryCells(summary), versus];
  const sea = (key: keyof ExecutorSample): Summary => e("sea", key);
  const table = markdownTable(
    ["measurement", "n", "median", "p90", "min", "max", "median vs baseline"],
    [
      row("**berth** start: spawn → SUBSCRIBE read by the agent (ms)", sea("startMs"), `${ratio(sea("startMs").median, b.nodeExit.median)} \`node -e 0\`, ${ratio(sea("startMs").median, b.nodePost.median)} node POST`),
      row("baseline: `node -e 0` spawn → exit (ms)", b.nodeExit, ""),
      row("baseline: node POST script, spawn (by the agent) → POST read (ms)", b.nodePost, ""),
      row("**berth** launch: LAUNCH written → TASK_RUNNING read (ms)", sea("launchMs"), `${ratio(sea("launchMs").median, b.spawnFloor.median)} floor`),
      row("floor: spawn of the same task command here → 'spawn' event (ms)", b.spawnFloor, ""),
      row("**berth** exit→status: task's exit stamp → TASK_FINISHED read (ms)", sea("exitToStatusMs"), `${ratio(sea("exitToStatusMs").median, b.exitFloor.median)} floor`),
      row("floor: same task run here, exit stamp → 'exit' event (ms)", b.exitFloor, ""),
      row("**berth** idle RSS, one silent task (MiB)", sea("rssMb"), `${ratio(sea("rssMb").median, b.nodeRss.median)} bare HTTP server, ${ratio(sea("rssMb").median, b.seaNodeRss.median)} on Node 24`),
      row("baseline: bare Node HTTP server idle RSS (MiB)", b.nodeRss, ""),
      row("baseline: the same on the single executable's Node 24 (MiB)", b.seaNodeRss, ""),
      row("**berth** idle RssAnon, private memory (MiB)", sea("anonMb"), `${ratio(sea("anonMb").median, b.nodeAnon.median)} bare HTTP server, ${ratio(sea("anonMb").median, b.seaNodeAnon.median)} on Node 24`),
      row("baseline: bare Node HTTP server RssAnon (MiB)", b.nodeAnon, ""),
      row("baseline: the same on the single executable's Node 24 (MiB)", b.seaNodeAnon, ""),
      row("**berth** threads", sea("threads"), `${ratio(sea("threads").median, b.nodeThreads.median)} bare HTTP server`),
      row("baseline: bare Node HTTP server threads", b.nodeThreads, ""),
    ],
    ["left", "right", "right", "right", "right", "right", "left"],
  );
  const variants = markdownTable(
    ["executor", "start (ms)", "vs `node -e 0`", "launch (ms)", "exit→status (ms)", "RSS (MiB)", "vs HTTP server", "RssAnon (MiB)", "threads"],
    VARIANTS.map((variant) => [
      VARIANT_LABEL[variant],
      fmt(e(variant, "startMs").median),
      ratio(e(variant, "startMs").median, b.nodeExit.median),
      fmt(e(variant, "launchMs").median),
      fmt(e(variant, "exitToStatusMs").median),
      fmt(e(variant, "rssMb").median),
      ratio(e(variant, "rssMb").median, b.nodeRss.median),
      fmt(e(variant, "anonMb").median),
      fmt(e(variant, "threads").median, 0),
    ]),
    ["left", "right", "left", "right", "right", "right", "left", "right", "right"],
  );
  const cycleTable = markdownTable(
    ["single executable, launch/kill cycles", "value"],
    [
      ["cycles (LAUNCH → TASK_RUNNING → KILL → TASK_KILLED of `exec sleep`), one executor", `${cycles.cycles}, ${CYCLE_PARALLEL} at a time, ${fmt(cycles.wallMs / 1000)} s`],
      ["cycles that did not end TASK_KILLED", String(cycles.failures)],
      ["RSS before → after (MiB)", `${fmt(cycles.before.rssMb)} → ${fmt(cycles.after.rssMb)} (${ratio(cycles.after.rssMb, cycles.before.rssMb)})`],
      ["RssAnon before → after (MiB)", `${fmt(cycles.before.anonMb)} → ${fmt(cycles.after.anonMb)} (${ratio(cycles.after.anonMb, cycles.before.anonMb)})`],
      ["threads before → after", `${cycles.before.threads} → ${cycles.after.threads}`],
    ],
    ["left", "right"],
  );
  const notes = [
    bench.unsettledRss > 0 ? `${bench.unsettledRss} memory measurement(s) did not settle within ${RSS_MAX_WAIT_MS} ms (last sample used).` : "",
    cycles.failureMessages.length > 0 ? `First cycle failures: ${cycles.failureMessages.join("; ")}` : "",
    Object.keys(EXECUTOR_ENV).length > 0 ? `Executors ran with BENCH_EXECUTOR_ENV=${JSON.stringify(process.env.BENCH_EXECUTOR_ENV)}.` : "",
  ].filter(Boolean);
  const summaryLine =
    `executor: start_ms=${fmt(sea("startMs").median)} launch_ms=${fmt(sea("launchMs").median)} exit_to_status_ms=${fmt(sea("exitToStatusMs").median)}` +
    ` rss_mb=${fmt(sea("rssMb").median)} node_start_ms=${fmt(b.nodeExit.median)} node_rss_mb=${fmt(b.nodeRss.median)}` +
    ` anon_mb=${fmt(sea("anonMb").median)} threads=${fmt(sea("threads").median, 0)}`;
  return { table: [table, variants, cycleTable, ...notes].join("\n\n"), summaryLine };
}

/**
 * The hand-written "### Levers" part of the "## Executor" section (what each lever gave, measured with
 * BENCH_EXECUTOR_ENV and by rebuilding): kept when the benchmark rewrites the section.
 */
function leversOf(path: string): string {
  if (!existsSync(path)) return "";
  const lines = readFileSync(path, "utf8").split("\n");
  const section = lines.findIndex((l) => l.trim() === "## Executor");
  const start = lines.findIndex((l, i) => i > section && (l.trim() === "### Levers" || /^#{1,2}\s/.test(l)));
  if (section < 0 || start < 0 || lines[start]?.trim() !== "### Levers") return "";
  const end = lines.findIndex((l, i) => i > start && /^#{1,3}\s/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n").trim();
}

function sectionBody(table: string, summaryLine: string, machine: string): string {
  return `Reproduce with \`npm run bench:executor\` (packages first; \`BENCH_RUNS=N\` changes the number of rounds,
\`BENCH_CYCLES=N\` the launch/kill cycles). Run: ${machine}.
${RUNS} rounds after ${WARMUP} warm-up round; each round runs every measurement once, baselines interleaved with the
executors. Times in ms, memory in MiB (VmRSS and RssAnon of /proc/<pid>/status). The first table is the single
executable (\`npm run package\`: Node ${"24"}, on an agent that authenticates executors); the second compares the
artifacts and the source tree, measured in the same rounds.

${table}

- **start**: from just before the local agent spawns the executor to the agent having read its SUBSCRIBE call.
  Baselines: \`node -e 0\` (the system's Node) from spawn to exit, and a minimal node script that the agent spawns
  the same way and that POSTs one call to it (same spawn path, one HTTP request). With a token to hand over, the
  single executable re-execs itself through the hand-over (src/mesos/agentToken.ts): two starts of its Node.
- **launch**: the agent writes LAUNCH on the event stream → the agent has read TASK_RUNNING (Berth sends
  TASK_STARTING first and posts updates one at a time). Floor: spawning the same task command from the benchmark.
- **exit→status**: the task (one bash process) stamps \`$EPOCHREALTIME\` as its last instruction before exit →
  the agent has read TASK_FINISHED. Floor: the same task spawned by the benchmark, stamp → its 'exit' event.
- **memory**: VmRSS, RssAnon and Threads of the executor once its TASK_RUNNING is acknowledged and ${RSS_SAMPLES} samples
  ${SAMPLE_MS} ms apart agree within ${RSS_TOLERANCE_KB} kB. Baseline: \`node -e\` with a listening \`http.createServer\`,
  measured the same way, on the system's Node and on the Node the single executable is made of.
- **cycles**: on one single executable kept alive by a silent task, ${CYCLE_PARALLEL} workers loop LAUNCH of \`exec sleep
  3600\` → TASK_RUNNING → KILL → TASK_KILLED; memory settled as above, before and after.

\`\`\`
${summaryLine}
\`\`\``;
}

async function main(): Promise<void> {
  for (const artifact of [SEA, TARBALL]) {
    if (!existsSync(artifact)) throw new Error(`${artifact} is missing: run \`npm run package\` first (npm run bench:executor does)`);
  }
  const stop = new AbortController();
  // The cycles' workers each wait on it.
  setMaxListeners(4 * CYCLE_PARALLEL, stop.signal);
  const onSignal = (): void => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const tag = randomUUID();
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
  const path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const env = { PATH: path, [TAG_VARIABLE]: tag };
  const agents: LocalAgent[] = [];
  let bench: Bench | undefined;
  let cycles: CycleResult | undefined;
  let leftovers: number[] = [];
  try {
    const options = { heartbeatIntervalMs: 0, registrationTimeoutMs: WAIT_MS, executorEnvironmentVariables: env, signal: stop.signal };
    const tokens = await LocalAgent.start({ ...options, executorSecretKey: "bench-secret" });
    agents.push(tokens);
    const plain = await LocalAgent.start(options);
    agents.push(plain);
    bench = new Bench({ tokens, plain }, dir, env, stop.signal);
    for (let i = 0; i < WARMUP + RUNS; i++) {
      await bench.round(i, i >= WARMUP);
      if (process.stderr.isTTY) process.stderr.write(`\rexecutor bench: round ${i + 1}/${WARMUP + RUNS}`);
    }
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    cycles = await bench.cycles();
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const agent of agents) await agent.stop();
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
  if (leftovers.length > 0) process.stderr.write(`executor bench: killed ${leftovers.length} leftover process(es): ${leftovers.join(", ")}\n`);
  if (stop.signal.aborted || !bench || !cycles) {
    process.stderr.write("executor bench: interrupted (cleaned up, BENCHMARKS.md unchanged)\n");
    process.exitCode = 130;
    return;
  }

  const { table, summaryLine } = report(bench, cycles);
  if (process.env.BENCH_NO_WRITE === undefined) {
    const levers = leversOf(BENCHMARKS_MD);
    writeSection(BENCHMARKS_MD, "## Executor", `${sectionBody(table, summaryLine, describeMachine())}${levers ? `\n\n${levers}` : ""}`);
  }
  process.stdout.write(`${table}\n\n${process.env.BENCH_NO_WRITE === undefined ? '(written to the "## Executor" section of BENCHMARKS.md)\n' : ""}${summaryLine}\n`);
}

await main();
