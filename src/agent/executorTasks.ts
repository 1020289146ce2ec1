// The agent's view of one executor's tasks (Executor::queuedTasks/queuedTaskGroups/launchedTasks/terminatedTasks
// in src/slave/slave.hpp) and the task state machine of Executor::updateTaskState. The scheduler never
// acknowledges here, so terminated tasks stay "terminated" (never "completed"): an update after a terminal one is
// therefore refused but acknowledged, as in Mesos while the terminal update is unacknowledged.
import { isTerminalState, type TaskInfo, type TaskState, type TaskStatus } from "../mesos/types.js";

export interface TaskRecord {
  info: TaskInfo;
  state: TaskState;
  /** Latest status per state, in order (a repeated state replaces the previous one, as Mesos does). */
  statuses: TaskStatus[];
  /** Uuids the status update manager has seen for this task (its duplicate detection). */
  uuids: Set<string>;
}

const newRecord = (info: TaskInfo): TaskRecord => ({ info, state: "TASK_STAGING", statuses: [], uuids: new Set() });

export class ExecutorTasks {
  /** Insertion-ordered, like LinkedHashMap. */
  readonly queued = new Map<string, TaskInfo>();
  readonly queuedGroups: TaskInfo[][] = [];
  readonly launched = new Map<string, TaskRecord>();
  readonly terminated = new Map<string, TaskRecord>();

  knows(taskId: string): boolean {
    return this.queued.has(taskId) || this.launched.has(taskId) || this.terminated.has(taskId);
  }

  record(taskId: string): TaskRecord | undefined {
    return this.launched.get(taskId) ?? this.terminated.get(taskId);
  }

  state(taskId: string): TaskState | undefined {
    if (this.queued.has(taskId)) return "TASK_STAGING";
    return this.record(taskId)?.state;
  }

  enqueue(task: TaskInfo): void {
    this.queued.set(task.task_id.value, task);
  }

  enqueueGroup(tasks: TaskInfo[]): void {
    for (const task of tasks) this.enqueue(task);
    this.queuedGroups.push(tasks);
  }

  queuedGroupOf(taskId: string): TaskInfo[] | undefined {
    return this.queuedGroups.find((group) => group.some((task) => task.task_id.value === taskId));
  }

  /** Removes a queued task, and its group once no task of the group is queued any more. */
  dequeue(taskId: string): TaskInfo | undefined {
    const task = this.queued.get(taskId);
    this.queued.delete(taskId);
    const index = this.queuedGroups.findIndex((group) => group.every((t) => !this.queued.has(t.task_id.value)));
    if (index >= 0) this.queuedGroups.splice(index, 1);
    return task;
  }

  addLaunched(task: TaskInfo): void {
    this.launched.set(task.task_id.value, newRecord(task));
  }

  /** Executor::everSentTask: a launched task, or a terminated one that the executor itself reported on. */
  everSentTask(): boolean {
    if (this.launched.size > 0) return true;
    for (const record of this.terminated.values()) {
      if (record.statuses.some((status) => status.source === "SOURCE_EXECUTOR")) return true;
    }
    return false;
  }

  /** Non-terminal launched tasks and queued tasks: those an executor's death leaves behind. */
  liveTaskIds(): string[] {
    const launched = [...this.launched.values()].filter((r) => !isTerminalState(r.state)).map((r) => r.info.task_id.value);
    return [...launched, ...this.queued.keys()];
  }

  /** Executor::updateTaskState: returns an error text when the update must be dropped (but still acked). */
  updateTaskState(status: TaskStatus): string | undefined {
    const taskId = status.task_id.value;
    const terminal = isTerminalState(status.state);
    let record: TaskRecord | undefined;
    if (this.queued.has(taskId)) {
      if (!terminal) return "Cannot send non-terminal update for queued task";
      record = newRecord(this.dequeue(taskId) as TaskInfo);
      this.terminated.set(taskId, record);
    } else if (this.launched.has(taskId)) {
      record = this.launched.get(taskId) as TaskRecord;
      if (terminal) {
        this.launched.delete(taskId);
        this.terminated.set(taskId, record);
      }
    } else if (this.terminated.has(taskId)) {
      return `Task is already terminated with state ${(this.terminated.get(taskId) as TaskRecord).state}`;
    } else {
      return "Task is unknown";
    }
    if (record.statuses.at(-1)?.state === status.state) record.statuses.pop();
    record.statuses.push(status);
    record.state = status.state;
    return undefined;
  }
}
