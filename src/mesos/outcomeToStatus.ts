// How the core's outcome of a task becomes its terminal Mesos TaskStatus (README, "Statuses").
import type { LifecycleOutcome, OutcomeReason } from "../core/taskLifecycle.js";
import type { TaskState, TaskStatusReason } from "./types.js";

const REASONS: Readonly<Record<OutcomeReason, TaskStatusReason | undefined>> = {
  exited: undefined,
  exit_status: "REASON_COMMAND_EXECUTOR_FAILED",
  spawn_failed: "REASON_CONTAINER_LAUNCH_FAILED",
  hook_failed: "REASON_COMMAND_EXECUTOR_FAILED",
  health_check_failed: "REASON_COMMAND_EXECUTOR_FAILED",
  max_completion_time: "REASON_MAX_COMPLETION_TIME_REACHED",
  killed: undefined, // Mesos has no reason for a kill the framework asked for
  shutdown: "REASON_EXECUTOR_TERMINATED",
  internal: "REASON_COMMAND_EXECUTOR_FAILED",
};

const STATES: Readonly<Record<LifecycleOutcome["state"], TaskState>> = {
  finished: "TASK_FINISHED",
  failed: "TASK_FAILED",
  killed: "TASK_KILLED",
};

export function outcomeToStatus(outcome: LifecycleOutcome): { state: TaskState; reason?: TaskStatusReason; message: string; healthy?: boolean } {
  const reason = REASONS[outcome.reason];
  return {
    state: STATES[outcome.state],
    message: outcome.message,
    ...(reason ? { reason } : {}),
    // As the command executor does: a task killed by its health check ends unhealthy.
    ...(outcome.reason === "health_check_failed" ? { healthy: false } : {}),
  };
}
