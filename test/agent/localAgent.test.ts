// The agent handle itself: endpoint, own work dir, abort signal, idempotent stop, misuse errors.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { AgentError, LocalAgent } from "../../src/agent/index.js";
import { leftoverProcesses, task } from "./agentHarness.js";

test("an agent with its own work dir removes it on stop; stop is idempotent; aborting stops it", async () => {
  const controller = new AbortController();
  const agent = await LocalAgent.start({ signal: controller.signal, heartbeatIntervalMs: 0 });
  assert.match(agent.endpoint, /^127\.0\.0\.1:\d+$/);
  assert.equal(agent.url, `http://${agent.endpoint}/api/v1/executor`);
  const ex = agent.launchExecutor({ command: { argv: ["sleep", "60"] }, tasks: [task("t1")] });
  assert.equal(agent.executor(ex.executorId), ex);
  assert.equal(ex.frameworkId, agent.frameworkId);
  assert.ok(existsSync(ex.sandbox));
  controller.abort();
  await agent.stop();
  await agent.stop();
  assert.equal(agent.phase, "stopped");
  assert.equal(existsSync(agent.workDir), false);
  assert.equal(ex.exit?.signal, "SIGKILL");
  assert.deepEqual(leftoverProcesses([ex.pid]), []);
  assert.throws(() => agent.launchExecutor({ command: { argv: ["true"] } }), (error: unknown) => error instanceof AgentError && error.code === "AGENT_INVALID_STATE");
  await assert.rejects(ex.waitForSubscribed({ timeoutMs: 1000 }), (error: unknown) => error instanceof AgentError && error.code === "AGENT_STOPPED");
});

test("misuse is refused with clear errors", async () => {
  const agent = await LocalAgent.start({ heartbeatIntervalMs: 0 });
  try {
    assert.throws(() => agent.launchExecutor({}), /needs `command` or executorInfo.command.value/);
    const ex = agent.launchExecutor({ command: { argv: ["sleep", "60"] }, executorInfo: { executor_id: { value: "e1" } } });
    assert.throws(() => agent.launchExecutor({ command: { argv: ["sleep", "60"] }, executorInfo: { executor_id: { value: "e1" } } }), /already REGISTERING/);
    ex.launch(task("t1"));
    assert.throws(() => ex.launch(task("t1")), /task t1 already exists/);
    assert.throws(() => ex.launchGroup([]), /at least one task/);
    await assert.rejects(ex.waitForExit({ timeoutMs: 50 }), /timed out after 50 ms waiting for executor e1 .* to exit; seen: state REGISTERING/);
  } finally {
    await agent.stop();
  }
});
