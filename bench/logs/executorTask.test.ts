import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BERTH_EXECUTOR, withBerth } from "../../test/helpers/berthHarness.js";
import { runExecutorTask } from "./executorTask.js";
import { sandboxStreamLines } from "./sandboxFiles.js";

test("runExecutorTask: the real executor runs the generator to TASK_FINISHED; every line is in the sandbox's stdout; the sampler saw the executor", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-task-"));
  try {
    // withBerth's own executor gets no task: it is shut down with the agent. The run launches its own.
    await withBerth({}, async ({ agent }) => {
      let sawRunning = false;
      const run = await runExecutorTask({
        agent,
        argv: [BERTH_EXECUTOR],
        env: {},
        taskId: "gen",
        lines: 3_000,
        rate: 0,
        dir,
        sampleMs: 50,
        sampleSpool: true,
        timeoutMs: 60_000,
        signal: AbortSignal.timeout(90_000),
        during: async ({ runningAt }) => {
          sawRunning = runningAt > 0;
        },
      });
      assert.ok(sawRunning);
      assert.equal(run.final.state, "TASK_FINISHED");
      assert.equal(run.generator.lines, 3_000);
      assert.equal(sandboxStreamLines(run.executor.sandbox, "stdout").lines, 3_000);
      assert.ok(run.sampler.samples.length >= 1 && (run.sampler.last?.hwmMb ?? 0) > 10);
      assert.ok(run.finishedAt >= run.runningAt && run.runningAt >= run.launchedAt);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
