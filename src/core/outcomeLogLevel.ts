// The level at which a front end logs how a task ended: what was asked for (exit 0, a requested kill, a shutdown) is
// info; every other end is an error, so that its reason shows even with BERTH_LOG_LEVEL=error.
import type { LogLevel } from "../logger.js";
import type { LifecycleOutcome } from "./taskLifecycle.js";

export function outcomeLogLevel(outcome: Pick<LifecycleOutcome, "reason">): LogLevel {
  switch (outcome.reason) {
    case "exited":
    case "killed":
    case "shutdown":
      return "info";
    default:
      return "error";
  }
}
