// One run of the real `berth executor` on the local agent with one task, the benchmark's generator: launch, await
// TASK_RUNNING, let the caller act during the run (stop the sink…), await the terminal status (sent after the log
// flush) and the executor's exit, while a ProcessSampler reads the executor's memory and CPU time.
import { join } from "node:path";
import type { ExecutorHandle, LocalAgent } from "../../src/agent/index.js";
import { isTerminalState, type TaskStatus } from "../../src/mesos/types.js";
import { GENERATOR, readGeneratorStats, type GeneratorStats } from "./plainPipe.js";
import { ProcessSampler } from "./processSampler.js";
import { subdirectoryBytes } from "./sandboxFiles.js";

export interface ExecutorTaskOptions {
  readonly agent: LocalAgent;
  /** How the agent starts the executor (bin/berth-executor, or a lever's node command line). */
  readonly argv: readonly string[];
  /** The executor's environment on top of the agent's (BERTH_LOG_SINKS). */
  readonly env: Readonly<Record<string, string>>;
  readonly taskId: string;
  /** Task labels (log-scraping…). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly lines: number;
  /** Lines per second, 0: as fast as the generator can. */
  readonly rate: number;
  /** Where the generator's stats file goes. */
  readonly dir: string;
  readonly sampleMs: number;
  /** Also sample the bytes below the sandbox's subdirectories (the spool). */
  readonly sampleSpool?: boolean;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Runs once the task is RUNNING (performance.now() of that moment), before the terminal status is awaited. */
  readonly during?: (run: { executor: ExecutorHandle; runningAt: number; sampler: ProcessSampler }) => Promise<void>;
}

export interface ExecutorTaskResult {
  readonly executor: ExecutorHandle;
  readonly sampler: ProcessSampler;
  readonly launchedAt: number;
  readonly runningAt: number;
  /** When the agent accepted the terminal update. */
  readonly finishedAt: number;
  readonly final: TaskStatus;
  readonly generator: GeneratorStats;
  /** Executor CPU time from TASK_RUNNING to its last sample (ms). */
  readonly cpuMs: number;
}

function quote(value: string): string {
  if (!/^[A-Za-z0-9_./+=:-]+$/.test(value)) throw new Error(`not a plain path: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

export async function runExecutorTask(options: ExecutorTaskOptions): Promise<ExecutorTaskResult> {
  const { agent, taskId, signal } = options;
  const statsFile = join(options.dir, `${taskId}.json`);
  const command = `exec ${quote(process.execPath)} ${quote(GENERATOR)} ${options.lines} ${options.rate} ${quote(statsFile)}`;
  const launchedAt = agent.now();
  const labels = Object.entries(options.labels ?? {}).map(([key, value]) => ({ key, value }));
  const task = { task_id: { value: taskId }, command: { value: command }, ...(labels.length > 0 ? { labels: { labels } } : {}) };
  const executor = agent.launchExecutor({ command: { argv: [...options.argv] }, tasks: [task], env: options.env });
  const wait = { timeoutMs: options.timeoutMs, signal };
  const running = await executor.waitForUpdate((s) => s.task_id.value === taskId && (s.state === "TASK_RUNNING" || isTerminalState(s.state)), wait);
  if (running.state !== "TASK_RUNNING") throw new Error(`${taskId}: ${running.state} before running: ${running.message ?? ""}`);
  const runningAt = agent.now();
  const pid = executor.pid;
  if (pid === undefined) throw new Error("the executor has no pid");
  const sampler = new ProcessSampler(pid, options.sampleMs, options.sampleSpool ? () => subdirectoryBytes(executor.sandbox) : undefined);
  try {
    const cpuAtRunning = sampler.samples[0]?.cpuMs ?? 0;
    if (options.during) await options.during({ executor, runningAt, sampler });
    const final = await executor.waitForUpdate((s) => s.task_id.value === taskId && isTerminalState(s.state), wait);
    const finishedAt = executor.updates(taskId).find((u) => isTerminalState(u.status.state))?.at ?? agent.now();
    sampler.sample();
    await executor.waitForExit(wait);
    sampler.stop();
    const cpuMs = (sampler.last?.cpuMs ?? cpuAtRunning) - cpuAtRunning;
    return { executor, sampler, launchedAt, runningAt, finishedAt, final, generator: readGeneratorStats(statsFile), cpuMs };
  } finally {
    sampler.stop();
  }
}
