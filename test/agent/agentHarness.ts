// Test scaffolding for the local agent: a fresh agent per test that is always stopped, a check that no process of
// any executor outlived it, and a `sleep` executor driven by a raw-HTTP fake executor.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Encoding } from "../../src/mesos/codec.js";
import { LocalAgent, type ExecutorHandle, type LaunchExecutorOptions, type LocalAgentOptions, type TaskInput } from "../../src/agent/index.js";
import { containerProcesses, readProcTable } from "../../src/agent/procTable.js";
import { FakeExecutor } from "./rawExecutor.js";

/** Live processes of the given containers, and live children of this test process. */
export function leftoverProcesses(rootPids: readonly (number | undefined)[]): string[] {
  const table = readProcTable();
  const found = new Map<number, string>();
  for (const root of rootPids) {
    if (root === undefined) continue;
    for (const p of containerProcesses(root, table)) found.set(p.pid, `${p.pid} (${p.comm}) of executor ${root}`);
  }
  for (const p of table) if (p.ppid === process.pid && p.state !== "Z") found.set(p.pid, `${p.pid} (${p.comm}) child of the test`);
  return [...found.values()];
}

/** Runs `body` with a fresh agent; stops it, checks that nothing is left behind and removes its work dir. */
export async function withAgent(options: LocalAgentOptions, body: (agent: LocalAgent) => Promise<void>): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "berth-agent-test-"));
  // Short timeouts keep failures fast; tests that exercise one set it explicitly.
  const agent = await LocalAgent.start({ workDir, heartbeatIntervalMs: 0, ...options });
  let failure: unknown;
  try {
    await body(agent);
  } catch (error) {
    failure = error;
  }
  await agent.stop();
  const left = leftoverProcesses(agent.executors.map((ex) => ex.pid));
  rmSync(workDir, { recursive: true, force: true });
  if (failure !== undefined) throw failure;
  assert.deepEqual(left, [], "processes left behind");
}

export const task = (id: string, extra: Partial<TaskInput> = {}): TaskInput => ({ task_id: { value: id }, ...extra });

/** An executor process that never talks (`sleep 60`), and a fake executor that talks on its behalf. */
export function launchSilent(
  agent: LocalAgent,
  { encoding = "json", ...options }: Partial<LaunchExecutorOptions> & { encoding?: Encoding } = {},
): { ex: ExecutorHandle; fake: FakeExecutor } {
  const ex = agent.launchExecutor({ command: { argv: ["sleep", "60"] }, ...options });
  const fake = new FakeExecutor(agent.endpoint, {
    executorId: ex.executorId,
    frameworkId: ex.frameworkId,
    encoding,
    ...(ex.authToken ? { token: ex.authToken } : {}),
  });
  return { ex, fake };
}
