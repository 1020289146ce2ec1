// End-to-end scaffolding: a fresh local agent (our Mesos agent simulator) per test that launches the real
// `berth executor` process through bin/berth-executor, as a framework that starts an executor by path does, and a leftover check that finds every process the test's tasks started — through a
// tag in their environment, which survives setsid, double forks and reparenting to init (the job cgroups do on a
// real agent).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalAgent, type ExecutorHandle, type LaunchExecutorOptions, type LocalAgentOptions, type TaskInput } from "../../src/agent/index.js";
import type { Encoding } from "../../src/mesos/codec.js";
import { MarkerDir, repoRoot } from "./fixtures.js";

export const BERTH_MAIN = join(repoRoot, "dist", "src", "cli", "main.js");
/** The launcher a framework starts by path: it hands the agent's token over on a pipe (see src/mesos/agentToken.ts). */
export const BERTH_EXECUTOR = join(repoRoot, "bin", "berth-executor");
// Not BERTH_*: Berth keeps its own variables out of tasks, and the tag must reach them.
export const TAG_VARIABLE = "E2E_RUN_TAG";

/** SIGKILLs every live process whose environment carries `tag` (cleanup after a failed test). */
export function killTagged(tag: string): void {
  for (const line of taggedProcesses(tag)) {
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Live (non-zombie) processes whose environment carries `tag`. */
export function taggedProcesses(tag: string): string[] {
  const needle = Buffer.from(`${TAG_VARIABLE}=${tag}\0`);
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`).includes(needle)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && state !== "X") found.push(`${name} (${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}, state ${state})`);
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

export interface BerthRun {
  agent: LocalAgent;
  executor: ExecutorHandle;
  markers: MarkerDir;
  /** Launches another `berth executor` on the same agent. */
  launchBerth(options?: Partial<LaunchExecutorOptions>): ExecutorHandle;
}

export interface BerthRunOptions {
  encoding?: Encoding;
  agent?: LocalAgentOptions;
  launch?: Partial<LaunchExecutorOptions>;
}

/**
 * Runs `body` against a fresh agent with one `berth executor` launched (tasks are queued with executor.launch).
 * Afterwards stops the agent, checks that no process of the test is left, and removes the temp dirs.
 */
export async function withBerth({ encoding = "json", agent: agentOptions = {}, launch = {} }: BerthRunOptions, body: (run: BerthRun) => Promise<void>): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "berth-e2e-"));
  // Like an agent's work dir: traversable by the users that tasks run as (CommandInfo.user).
  chmodSync(workDir, 0o755);
  const markers = new MarkerDir();
  const tag = randomUUID();
  const agent = await LocalAgent.start({
    workDir,
    heartbeatIntervalMs: 0,
    registrationTimeoutMs: 30_000,
    ...agentOptions,
    executorEnvironmentVariables: {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      [TAG_VARIABLE]: tag,
      ...agentOptions.executorEnvironmentVariables,
    },
  });
  const launchBerth = (options: Partial<LaunchExecutorOptions> = {}): ExecutorHandle =>
    agent.launchExecutor({
      command: { argv: [BERTH_EXECUTOR] },
      ...launch,
      ...options,
      env: { BERTH_MESOS_ENCODING: encoding, ...launch.env, ...options.env },
    });
  let failure: unknown;
  try {
    const executor = launchBerth();
    await body({ agent, executor, markers, launchBerth });
  } catch (error) {
    failure = error;
  }
  await agent.stop();
  const left = taggedProcesses(tag);
  for (const line of left) {
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {
      // already gone
    }
  }
  markers.remove();
  rmSync(workDir, { recursive: true, force: true });
  if (failure !== undefined) throw failure;
  assert.deepEqual(left, [], "processes left behind");
}

/** A task whose command is a shell line (TaskInfo.command, as in a task group or from a lenient framework). */
export function shellTask(id: string, script: string, extra: Partial<TaskInput> = {}): TaskInput {
  return { ...extra, task_id: { value: id }, command: { ...extra.command, value: script } };
}

export const killPolicy = (ms: number): TaskInput["kill_policy"] => ({ grace_period: { nanoseconds: ms * 1e6 } });

/** The states a task went through, as the agent accepted them. */
export function statesOf(executor: ExecutorHandle, taskId: string): string[] {
  return executor.updates(taskId).map((u) => u.status.state);
}
