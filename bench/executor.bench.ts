// `npm run bench:executor`: how fast and how small the real `berth executor` is, against plain-Node baselines
// measured in the same run (interleaved, so that a noisy neighbour slows both). Not a test: nothing is asserted.
//
//   start          agent spawns the executor → agent has read its SUBSCRIBE   vs `node -e 0` spawn → exit, and a
//                                                                             minimal node script's POST → read
//   launch         agent writes LAUNCH → agent has read TASK_RUNNING           floor: spawning the same command here
//   exit→status    task's last instruction before exit → agent has read        floor: the same task run here, until
//                  TASK_FINISHED                                               its 'exit' event
//   rss            executor VmRSS, idle with one running task                  vs a bare Node HTTP server
//
// Every agent record's `at` is performance.now() of this process. The task stamps its exit with bash's
// $EPOCHREALTIME (wall clock, µs; a builtin, so nothing runs between the stamp and exit), which is converted to this
// process's performance clock with an offset measured at an edge of Date.now().
import { TAG_VARIABLE, taggedProcesses } from "../test/helpers/berthHarness.js";
import { toPerfMs, wallClockOffsetMs } from "./benchClock.js";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LocalAgent, type ExecutorHandle, type TaskInput } from "../src/agent/index.js";
import { isTerminalState, type TaskStatus } from "../src/mesos/types.js";
import { describeMachine, fmt, markdownTable, ratio, summarize, summaryCells, writeSection, type Summary } from "./benchTable.js";

const RUNS = positiveIntFromEnv("BENCH_RUNS", 20);
/** Discarded first round: cold page cache and lazy code paths of the agent. */
const WARMUP = 1;
const WAIT_MS = 20_000;
/** RSS counts as settled when this many consecutive samples (SAMPLE_MS apart) stay within RSS_TOLERANCE. */
const RSS_SAMPLES = 4;
const SAMPLE_MS = 50;
const RSS_TOLERANCE_KB = 64;
const RSS_MAX_WAIT_MS = 5_000;

const REPO = fileURLToPath(new URL("../..", import.meta.url)); // dist/bench/ → repository root
const BERTH_MAIN = join(REPO, "dist", "src", "cli", "main.js");
const BENCHMARKS_MD = join(REPO, "BENCHMARKS.md");
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

function positiveIntFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

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

function vmRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** VmRSS in MiB once RSS_SAMPLES consecutive samples agree within RSS_TOLERANCE_KB (or the last one at the cap). */
async function settledRssMb(pid: number, signal: AbortSignal): Promise<{ mb: number; settled: boolean }> {
  const samples: number[] = [];
  const deadline = performance.now() + RSS_MAX_WAIT_MS;
  for (;;) {
    samples.push(vmRssKb(pid));
    const recent = samples.slice(-RSS_SAMPLES);
    const last = recent[recent.length - 1] as number;
    if (recent.length === RSS_SAMPLES && Math.max(...recent) - Math.min(...recent) <= RSS_TOLERANCE_KB) return { mb: last / 1024, settled: true };
    if (performance.now() > deadline) return { mb: last / 1024, settled: false };
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


interface Samples {
  start: number[];
  nodeExit: number[];
  nodePost: number[];
  launch: number[];
  spawnFloor: number[];
  exitToStatus: number[];
  exitFloor: number[];
  rss: number[];
  nodeRss: number[];
}

class Bench {
  readonly samples: Samples = { start: [], nodeExit: [], nodePost: [], launch: [], spawnFloor: [], exitToStatus: [], exitFloor: [], rss: [], nodeRss: [] };
  /** RSS measurements that hit RSS_MAX_WAIT_MS without settling. */
  unsettledRss = 0;
  readonly #agent: LocalAgent;
  readonly #dir: string;
  readonly #env: Record<string, string>;
  readonly #signal: AbortSignal;
  readonly #postScript: string;
  readonly #taskFifo: string;
  readonly #directFifo: string;
  readonly #wait: { timeoutMs: number; signal: AbortSignal };

  constructor(agent: LocalAgent, dir: string, env: Record<string, string>, signal: AbortSignal) {
    this.#agent = agent;
    this.#dir = dir;
    this.#env = env;
    this.#signal = signal;
    this.#wait = { timeoutMs: WAIT_MS, signal };
    this.#postScript = join(dir, "post.mjs");
    writeFileSync(this.#postScript, POST_SCRIPT);
    // Separate FIFOs so that a straggler of one kind can never swallow the other's trigger.
    this.#taskFifo = join(dir, "task.fifo");
    this.#directFifo = join(dir, "direct.fifo");
    execFileSync("mkfifo", [this.#taskFifo, this.#directFifo]);
  }

  /** One round of every measurement, baselines interleaved with the executor. */
  async round(i: number, record: boolean): Promise<void> {
    const nodeExit = await this.#nodeExit();
    const nodePost = await this.#nodePost();
    const executor = await this.#executor(i);
    const direct = await this.#directTask(i);
    const nodeRss = await this.#httpServerRss();
    if (!record) return;
    const s = this.samples;
    s.nodeExit.push(nodeExit);
    s.nodePost.push(nodePost);
    s.start.push(executor.startMs);
    s.launch.push(executor.launchMs);
    s.exitToStatus.push(executor.exitToStatusMs);
    s.rss.push(executor.rssMb);
    s.spawnFloor.push(direct.spawnMs);
    s.exitFloor.push(direct.exitNoticeMs);
    s.nodeRss.push(nodeRss);
  }

  /** `node -e 0`: spawn → 'exit' event. */
  async #nodeExit(): Promise<number> {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { env: this.#env, cwd: this.#dir, detached: true, stdio: "ignore" });
    return (await exitTimeOf(child)) - t0;
  }

  /** A minimal node script launched by the agent like Berth: spawn → the agent has read its POST. */
  async #nodePost(): Promise<number> {
    const t0 = this.#agent.now();
    const handle = this.#agent.launchExecutor({ command: { argv: [process.execPath, this.#postScript] } });
    const call = await handle.waitForCall((c) => c.call?.type === "HEARTBEAT", this.#wait);
    await handle.waitForExit(this.#wait);
    if (call.status !== 202) throw new Error(`baseline POST answered ${call.status}: ${call.body}`);
    return call.at - t0;
  }

  async #executor(i: number): Promise<{ startMs: number; launchMs: number; exitToStatusMs: number; rssMb: number }> {
    const taskId = `bench-task-${i}`;
    const stampFile = join(this.#dir, `task-exit-${i}`);
    const task: TaskInput = { task_id: { value: taskId }, command: { value: taskScript(this.#taskFifo, stampFile) } };
    const t0 = this.#agent.now();
    const executor = this.#agent.launchExecutor({ command: { argv: [process.execPath, BERTH_MAIN, "executor"] }, tasks: [task] });

    const subscribe = await executor.waitForCall((c) => c.call?.type === "SUBSCRIBE", this.#wait);
    const running = await this.#waitForState(executor, taskId, "TASK_RUNNING");
    const launch = executor.events.find((e) => e.type === "LAUNCH" && e.delivered);
    if (!launch) throw new Error("no LAUNCH event recorded");
    // Idle: the RUNNING update is acknowledged, nothing is left for the executor to do until the task exits.
    await executor.waitForEvent((e) => e.type === "ACKNOWLEDGED" && e.seq > running.seq, this.#wait);
    const rss = await this.#rss(executor.pid);

    await trigger(this.#taskFifo, this.#signal);
    const finished = await this.#waitForState(executor, taskId, "TASK_FINISHED");
    await executor.waitForExit(this.#wait);
    const exitAt = toPerfMs(readStampMs(stampFile), wallClockOffsetMs());
    return { startMs: subscribe.at - t0, launchMs: running.at - launch.at, exitToStatusMs: finished.at - exitAt, rssMb: rss };
  }

  /** The accepted update record of `state`; throws if the task ended otherwise. */
  async #waitForState(executor: ExecutorHandle, taskId: string, state: TaskStatus["state"]) {
    const status = await executor.waitForUpdate((s) => s.task_id.value === taskId && (s.state === state || isTerminalState(s.state)), this.#wait);
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
  async #httpServerRss(): Promise<number> {
    const child = spawn(process.execPath, ["-e", HTTP_SERVER], { env: this.#env, cwd: this.#dir, detached: true, stdio: ["ignore", "pipe", "ignore"] });
    const exited = exitTimeOf(child);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once("data", () => resolve());
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`baseline HTTP server exited (${code}) before listening`)));
      });
      return await this.#rss(child.pid);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  }

  async #rss(pid: number | undefined): Promise<number> {
    if (pid === undefined) throw new Error("no pid to measure");
    const { mb, settled } = await settledRssMb(pid, this.#signal);
    if (!settled) this.unsettledRss++;
    return mb;
  }
}

function report(samples: Samples, unsettledRss: number): { table: string; summaryLine: string } {
  const s = Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, summarize(values)])) as Record<keyof Samples, Summary>;
  const row = (label: string, summary: Summary, versus: string): string[] => [label, ...summaryCells(summary), versus];
  const vs = (key: keyof Samples, baseline: keyof Samples, name: string): string => `${ratio(s[key].median, s[baseline].median)} ${name}`;
  const table = markdownTable(
    ["measurement", "n", "median", "p90", "min", "max", "median vs baseline"],
    [
      row("**berth** start: spawn → SUBSCRIBE read by the agent (ms)", s.start, `${vs("start", "nodeExit", "`node -e 0`")}, ${vs("start", "nodePost", "node POST")}`),
      row("baseline: `node -e 0` spawn → exit (ms)", s.nodeExit, ""),
      row("baseline: node POST script, spawn (by the agent) → POST read (ms)", s.nodePost, ""),
      row("**berth** launch: LAUNCH written → TASK_RUNNING read (ms)", s.launch, vs("launch", "spawnFloor", "floor")),
      row("floor: spawn of the same task command here → 'spawn' event (ms)", s.spawnFloor, ""),
      row("**berth** exit→status: task's exit stamp → TASK_FINISHED read (ms)", s.exitToStatus, vs("exitToStatus", "exitFloor", "floor")),
      row("floor: same task run here, exit stamp → 'exit' event (ms)", s.exitFloor, ""),
      row("**berth** idle RSS, one running task (MiB)", s.rss, vs("rss", "nodeRss", "bare HTTP server")),
      row("baseline: bare Node HTTP server idle RSS (MiB)", s.nodeRss, ""),
    ],
    ["left", "right", "right", "right", "right", "right", "left"],
  );
  const note = unsettledRss > 0 ? `\n\n${unsettledRss} RSS measurement(s) did not settle within ${RSS_MAX_WAIT_MS} ms (last sample used).` : "";
  const summaryLine =
    `executor: start_ms=${fmt(s.start.median)} launch_ms=${fmt(s.launch.median)} exit_to_status_ms=${fmt(s.exitToStatus.median)}` +
    ` rss_mb=${fmt(s.rss.median)} node_start_ms=${fmt(s.nodeExit.median)} node_rss_mb=${fmt(s.nodeRss.median)}`;
  return { table: table + note, summaryLine };
}

function sectionBody(table: string, summaryLine: string, machine: string): string {
  return `Reproduce with \`npm run bench:executor\` (\`BENCH_RUNS=N\` changes the number of rounds).
Run: ${machine}.
${RUNS} rounds after ${WARMUP} warm-up round; each round runs every measurement once, baselines interleaved with the
executor. Times in ms, RSS in MiB (VmRSS of /proc/<pid>/status).

${table}

- **start**: from just before the local agent spawns \`node dist/src/cli/main.js executor\` to the agent having read
  its SUBSCRIBE call. Baselines: \`node -e 0\` from spawn to exit, and a minimal node script that the agent spawns the
  same way and that POSTs one call to it (the fairer baseline: same spawn path, one HTTP request).
- **launch**: the agent writes LAUNCH on the event stream → the agent has read TASK_RUNNING (Berth sends
  TASK_STARTING first and posts updates one at a time). Floor: spawning the same task command from the benchmark.
- **exit→status**: the task (one bash process) stamps \`$EPOCHREALTIME\` as its last instruction before exit →
  the agent has read TASK_FINISHED. Floor: the same task spawned by the benchmark, stamp → its 'exit' event.
- **rss**: VmRSS of the executor once its TASK_RUNNING is acknowledged and ${RSS_SAMPLES} samples ${SAMPLE_MS} ms apart
  agree within ${RSS_TOLERANCE_KB} kB. Baseline: \`node -e\` with a listening \`http.createServer\`, measured the same way.

\`\`\`
${summaryLine}
\`\`\``;
}

async function main(): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const tag = randomUUID();
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
  const path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const env = { PATH: path, [TAG_VARIABLE]: tag };
  let agent: LocalAgent | undefined;
  let bench: Bench | undefined;
  let leftovers: number[] = [];
  try {
    agent = await LocalAgent.start({ heartbeatIntervalMs: 0, registrationTimeoutMs: WAIT_MS, executorEnvironmentVariables: env, signal: stop.signal });
    bench = new Bench(agent, dir, env, stop.signal);
    for (let i = 0; i < WARMUP + RUNS; i++) {
      await bench.round(i, i >= WARMUP);
      if (process.stderr.isTTY) process.stderr.write(`\rexecutor bench: round ${i + 1}/${WARMUP + RUNS}`);
    }
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
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
  if (leftovers.length > 0) process.stderr.write(`executor bench: killed ${leftovers.length} leftover process(es): ${leftovers.join(", ")}\n`);
  if (stop.signal.aborted || !bench) {
    process.stderr.write("executor bench: interrupted (cleaned up, BENCHMARKS.md unchanged)\n");
    process.exitCode = 130;
    return;
  }

  const { table, summaryLine } = report(bench.samples, bench.unsettledRss);
  writeSection(BENCHMARKS_MD, "## Executor", sectionBody(table, summaryLine, describeMachine()));
  process.stdout.write(`${table}\n\n(written to the "## Executor" section of BENCHMARKS.md)\n${summaryLine}\n`);
}

await main();
