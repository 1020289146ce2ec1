import assert from "node:assert/strict";
import { test } from "node:test";
import type { LifecycleOutcome } from "../core/taskLifecycle.js";
import { runCommand, runExitCode } from "./runCommand.js";

const outcome = (reason: LifecycleOutcome["reason"], exitCode: number | null): LifecycleOutcome => ({
  state: reason === "exited" ? "finished" : reason === "killed" ? "killed" : "failed",
  reason,
  message: "…",
  exitCode,
  signal: null,
});

test("exit codes: the task's own, 127/126 when it cannot run, 1 when Berth failed it, 128+n when killed before it ran", () => {
  assert.equal(runExitCode(outcome("exited", 0)), 0);
  assert.equal(runExitCode(outcome("exit_status", 3)), 3);
  assert.equal(runExitCode(outcome("exit_status", 143)), 143);
  assert.equal(runExitCode(outcome("spawn_failed", 127)), 127);
  assert.equal(runExitCode(outcome("spawn_failed", null)), 126);
  assert.equal(runExitCode(outcome("killed", 0), "SIGTERM"), 0);
  assert.equal(runExitCode(outcome("killed", 137), "SIGINT"), 137);
  assert.equal(runExitCode(outcome("killed", null), "SIGINT"), 130);
  for (const reason of ["hook_failed", "health_check_failed", "max_completion_time", "internal"] as const) {
    assert.equal(runExitCode(outcome(reason, 0)), 1, reason);
  }
});

test("usage and config problems exit 2 with a message, before anything runs", async () => {
  let text = "";
  const write = (t: string): void => void (text += t);
  assert.equal(await runCommand(["true"], {}, { env: { BERTH_LOG_LEVEL: "loud" }, cwd: "/", write }), 2);
  assert.match(text, /^berth run: BERTH_LOG_LEVEL must be one of debug, info, warn, error \(got "loud"\)$/m);
  assert.equal(await runCommand([], {}, { env: {}, cwd: "/", write }), 2);
  assert.match(text, /^berth run: no command given: berth run \[--config FILE\] -- CMD ARGS…$/m);
});
