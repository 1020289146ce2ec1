// What an executor run needs from its agent (implemented by LocalAgent); kept as an interface so that
// executorRun.ts and executorRoute.ts do not import the agent class.
import type { AgentInfo, FrameworkInfo, TaskStatus } from "../mesos/types.js";
import type { ChangeNotifier } from "./changeNotifier.js";
import type { ExecutorRun } from "./executorRun.js";
import type { CallRecord, EventRecord, UpdateRecord } from "./records.js";

/**
 * running: normal operation. down: the agent "process" is gone (nothing listens). recovering-containers: listening,
 * but every executor call gets 503 (containerizer recovery). recovering: SUBSCRIBE is accepted, other calls get 503,
 * until the executor reregistration timeout. stopped: for good.
 */
export type AgentPhase = "running" | "down" | "recovering-containers" | "recovering" | "stopped";

export interface AgentTimeouts {
  registrationTimeoutMs: number;
  shutdownGracePeriodMs: number;
  /** 0 = no heartbeats. */
  heartbeatIntervalMs: number;
}

export class FrameworkRecord {
  readonly info: FrameworkInfo & { id: { value: string } };
  /** Active executors by id (a TERMINATED run stays until another run reuses its id). */
  readonly executors = new Map<string, ExecutorRun>();

  constructor(info: FrameworkInfo & { id: { value: string } }) {
    this.info = info;
  }

  get id(): string {
    return this.info.id.value;
  }

  get checkpoint(): boolean {
    return this.info.checkpoint === true;
  }

  hasCapability(type: string): boolean {
    return (this.info.capabilities ?? []).some((capability) => capability.type === type);
  }

  /** Framework::getExecutor(TaskID): the executor that has the task queued, launched or terminated. */
  executorOfTask(taskId: string): ExecutorRun | undefined {
    for (const run of this.executors.values()) if (run.knowsTask(taskId)) return run;
    return undefined;
  }
}

export interface AgentContext {
  readonly agentId: string;
  readonly timeouts: AgentTimeouts;
  readonly notifier: ChangeNotifier;
  phase(): AgentPhase;
  now(): number;
  nextSeq(): number;
  agentInfo(): AgentInfo;
  recordEvent(record: EventRecord): void;
  recordUpdate(record: UpdateRecord): void;
  recordCall(record: CallRecord): void;
  /** Slave::statusUpdate for a status sent by an executor (UPDATE call or SUBSCRIBE replay). */
  statusUpdateFromExecutor(caller: ExecutorRun, status: TaskStatus, via: "update" | "replay"): void;
}
