// The typed handle tests and `berth dev` use to drive one executor launched by the local agent.
import type { ExecutorInfo, IdValue, TaskInfo, TaskState, TaskStatus } from "../mesos/types.js";
import type { WaitOptions } from "./changeNotifier.js";
import type { ProcessExit } from "./executorProcess.js";
import type { CallRecord, EventRecord, UpdateRecord } from "./records.js";

/** The agent's Executor::State. */
export type ExecutorState = "REGISTERING" | "RUNNING" | "TERMINATING" | "TERMINATED";

/** A TaskInfo where the agent fills in what the master would: name (= task id) and agent_id. */
export type TaskInput = Omit<TaskInfo, "name" | "agent_id"> & { name?: string; agent_id?: IdValue };

export interface KillOptions {
  /** Sent as Kill.kill_policy.grace_period (the KillPolicy override of a scheduler's KILL call). */
  gracePeriodMs?: number;
}

export interface FromOptions extends WaitOptions {
  /** Start looking at this index of the list (default 0: records already there count). */
  from?: number;
}

export interface ExecutorHandle {
  readonly executorId: string;
  readonly frameworkId: string;
  readonly containerId: string;
  readonly executorInfo: ExecutorInfo;
  readonly sandbox: string;
  /** Pid of the executor process, also its process group and session id. */
  readonly pid: number | undefined;
  /** The exact environment the process was started with. */
  readonly env: Readonly<Record<string, string>>;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN when executor authentication is on. */
  readonly authToken: string | undefined;
  readonly state: ExecutorState;
  /** How the process ended, once it has. */
  readonly exit: ProcessExit | undefined;
  /** Calls that named this executor (whatever the response). */
  readonly calls: readonly CallRecord[];
  /** Events meant for this executor, delivered or lost. */
  readonly events: readonly EventRecord[];
  /** Every status update handled for this executor's tasks, whatever its disposition. */
  readonly updateLog: readonly UpdateRecord[];

  /** Accepted updates (forwarded to the scheduler), in order, optionally for one task. */
  updates(taskId?: string): UpdateRecord[];
  /** The agent's current state of a task (TASK_STAGING while queued). */
  taskState(taskId: string): TaskState | undefined;

  /** Queues a task (delivered as LAUNCH once subscribed); returns the TaskInfo as sent. */
  launch(task: TaskInput): TaskInfo;
  /** Queues a task group (delivered as one LAUNCH_GROUP). */
  launchGroup(tasks: readonly TaskInput[]): TaskInfo[];
  /** A scheduler's kill: KILL to a subscribed executor, TASK_KILLED from the agent for a task not yet delivered. */
  kill(taskId: string, options?: KillOptions): void;
  /** SHUTDOWN, then SIGKILL of the process group after the shutdown grace period. */
  shutdown(): void;
  /** A framework message (MESSAGE event); dropped unless the executor is RUNNING. */
  message(data: Uint8Array | string): void;
  /** One HEARTBEAT event now. */
  heartbeat(): void;
  /**
   * While on, accepted updates are recorded but not acknowledged. Turning it off sends the held ACKNOWLEDGED
   * events on the current stream, or discards them with {drop: true} (as if they had been written to a dead stream).
   */
  withholdAcks(on: boolean, options?: { drop?: boolean }): void;
  /**
   * Ends the current event stream without the agent noticing (it keeps writing to it, and those events are lost):
   * "abort" (default) closes the connection mid-body, "rst" resets it, "eof" ends the body cleanly.
   */
  cutStream(options?: { mode?: "abort" | "rst" | "eof" }): void;

  waitForUpdate(predicate: (status: TaskStatus) => boolean, options?: FromOptions): Promise<TaskStatus>;
  waitForEvent(predicate: (record: EventRecord) => boolean, options?: FromOptions): Promise<EventRecord>;
  waitForCall(predicate: (record: CallRecord) => boolean, options?: FromOptions): Promise<CallRecord>;
  /** Resolves with the `count`-th delivered SUBSCRIBED event (default 1). */
  waitForSubscribed(options?: WaitOptions & { count?: number }): Promise<EventRecord>;
  waitForState(state: ExecutorState, options?: WaitOptions): Promise<void>;
  /** Resolves once the process exited, its container is gone and the agent has handled the termination. */
  waitForExit(options?: WaitOptions): Promise<ProcessExit>;
}
