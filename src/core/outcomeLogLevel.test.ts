import { test } from "node:test";
import assert from "node:assert/strict";
import { outcomeLogLevel } from "./outcomeLogLevel.js";
import type { OutcomeReason } from "./taskLifecycle.js";

test("outcomeLogLevel: exit 0, a requested kill and a shutdown are info; every other end is an error", () => {
  const expected: Record<OutcomeReason, string> = {
    exited: "info",
    killed: "info",
    shutdown: "info",
    exit_status: "error",
    spawn_failed: "error",
    hook_failed: "error",
    health_check_failed: "error",
    max_completion_time: "error",
    internal: "error",
  };
  for (const [reason, level] of Object.entries(expected)) {
    assert.equal(outcomeLogLevel({ reason: reason as OutcomeReason }), level, reason);
  }
});
