// One executor container as the agent sees it (Executor in src/slave/slave.hpp) with the parts of Slave that act
// on it: subscribe, task delivery, kills, shutdown, status updates and acknowledgements, registration and
// reregistration timeouts, and termination.
//
//   REGISTERING ──SUBSCRIBE──▶ RUNNING ──shutdown / registration or reregistration timeout──▶ TERMINATING
//        │                        │                                                              │
//        └────────────────────────┴──────────────── process exits (container gone) ─────────────┴──▶ TERMINATED
//
// Closing the event stream is not a transition: only the process exit is.
import { encodeMessage } from "../mesos/codec.js";
import { formatDuration } from "../time/duration.js";
import type {
  Call,
  Event,
  ExecutorInfo,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatusReason,
} from "../mesos/types.js";
import { newUuidBytes } from "../mesos/uuid.js";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";
import { AgentError } from "./agentError.js";
import type { AgentContext, FrameworkRecord } from "./agentContext.js";
import type { WaitOptions } from "./changeNotifier.js";
import type { EventStream } from "./eventStream.js";
import type { ExecutorHandle, ExecutorState, FromOptions, KillOptions, TaskInput } from "./executorHandle.js";
import { ExecutorLog } from "./executorLog.js";
import { ExecutorProcess, type ExecutorCommand, type OutputListener, type ProcessExit } from "./executorProcess.js";
import { ExecutorTasks } from "./executorTasks.js";
import type { CallRecord, EventRecord, UpdateDisposition, UpdateRecord } from "./records.js";

/** ContainerTermination as the agent keeps it in Executor::pendingTermination. */
interface PendingTermination {
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
}

export interface ExecutorRunInit {
  agent: AgentContext;
  framework: FrameworkRecord;
  executorInfo: ExecutorInfo;
  containerId: string;
  sandbox: string;
  command: ExecutorCommand;
  env: Readonly<Record<string, string>>;
  authToken: string | undefined;
  onOutput: OutputListener | undefined;
}

const uuidKey = (bytes: Uint8Array | undefined): string => (bytes ? Buffer.from(bytes).toString("hex") : "");

export class ExecutorRun implements ExecutorHandle {
  readonly executorId: string;
  readonly frameworkId: string;
  readonly containerId: string;
  readonly executorInfo: ExecutorInfo;
  readonly sandbox: string;
  readonly env: Readonly<Record<string, string>>;
  readonly authToken: string | undefined;

  readonly #agent: AgentContext;
  readonly #framework: FrameworkRecord;
  readonly #command: ExecutorCommand;
  readonly #onOutput: OutputListener | undefined;
  readonly #tasks = new ExecutorTasks();
  readonly #log: ExecutorLog;

  #process: ExecutorProcess | undefined;
  #state: ExecutorState = "REGISTERING";
  #stream: EventStream | undefined;
  #pendingTermination: PendingTermination | undefined;
  #exit: ProcessExit | undefined;
  /** The process exited while the agent was down; handled once containers are recovered. */
  #exitPending = false;
  /** Its framework was not recovered after an agent restart: the agent no longer knows it, so no updates. */
  #orphaned = false;
  #withholding = false;
  #heldAcks: UpdateRecord[] = [];
  /** Bumped on agent restart/stop so that acknowledgements scheduled before are dropped. */
  #epoch = 0;
  #registrationTimer: LongTimer | undefined;
  #shutdownTimer: LongTimer | undefined;
  #heartbeater: LongTimer | undefined;

  constructor(init: ExecutorRunInit) {
    this.#agent = init.agent;
    this.#framework = init.framework;
    this.executorInfo = init.executorInfo;
    this.executorId = init.executorInfo.executor_id.value;
    this.frameworkId = init.framework.id;
    this.containerId = init.containerId;
    this.sandbox = init.sandbox;
    this.#command = init.command;
    this.env = init.env;
    this.authToken = init.authToken;
    this.#onOutput = init.onOutput;
    this.#log = new ExecutorLog(init.agent, this.executorId, this.frameworkId, () => `state ${this.#state}${this.#describeExit()}`);
  }

  /** Starts the process and the registration timer. */
  start(): void {
    this.#process = ExecutorProcess.spawn({ command: this.#command, sandbox: this.sandbox, env: this.env, onOutput: this.#onOutput });
    void this.#process.exited.then((exit) => this.#onProcessExit(exit));
    const timeoutMs = this.#agent.timeouts.registrationTimeoutMs;
    if (timeoutMs > 0) this.#registrationTimer = setLongTimeout(() => this.#registrationTimedOut(timeoutMs), timeoutMs);
  }

  // ── public handle ────────────────────────────────────────────────────────────────────────────────────────────

  get pid(): number | undefined {
    return this.#process?.pid;
  }
  get state(): ExecutorState {
    return this.#state;
  }
  get exit(): ProcessExit | undefined {
    return this.#state === "TERMINATED" ? this.#exit : undefined;
  }
  get calls(): readonly CallRecord[] {
    return this.#log.calls;
  }
  get events(): readonly EventRecord[] {
    return this.#log.events;
  }
  get updateLog(): readonly UpdateRecord[] {
    return this.#log.updateLog;
  }

  updates(taskId?: string): UpdateRecord[] {
    return this.#log.updates(taskId);
  }

  taskState(taskId: string): TaskState | undefined {
    return this.#tasks.state(taskId);
  }

  knowsTask(taskId: string): boolean {
    return this.#tasks.knows(taskId);
  }

  launch(input: TaskInput): TaskInfo {
    // A task launched on its own carries its ExecutorInfo, as frameworks send it (Marathon does).
    const [task] = this.#prepareTasks([input], true);
    this.#run([task as TaskInfo], false);
    return task as TaskInfo;
  }

  launchGroup(inputs: readonly TaskInput[]): TaskInfo[] {
    if (inputs.length === 0) throw new AgentError("AGENT_INVALID_ARGUMENT", "a task group needs at least one task");
    const tasks = this.#prepareTasks(inputs, false);
    this.#run(tasks, true);
    return tasks;
  }

  kill(taskId: string, { gracePeriodMs }: KillOptions = {}): void {
    this.#requireRunningAgent("kill a task");
    const owner = this.#framework.executorOfTask(taskId);
    if (owner && owner !== this) return owner.kill(taskId, { gracePeriodMs });
    if (!owner) {
      // Slave::killTask for a task no executor knows.
      this.#forwardAgentStatus(taskId, this.#partitionAware() ? "TASK_DROPPED" : "TASK_LOST", "REASON_EXECUTOR_TERMINATED", "Cannot find executor");
      return;
    }
    switch (this.#state) {
      case "REGISTERING":
        this.#killQueued(taskId, true);
        return;
      case "TERMINATING":
      case "TERMINATED":
        return; // "Ignoring kill task ... because the executor is terminating/terminated"
      case "RUNNING":
        if (this.#tasks.queued.has(taskId)) {
          this.#killQueued(taskId, false);
          // MESOS-8411: an executor that was never sent a task and has nothing queued is shut down.
          if (!this.#tasks.everSentTask() && this.#tasks.queued.size === 0) this.shutdownExecutor();
          return;
        }
        this.#send({
          type: "KILL",
          kill: {
            task_id: { value: taskId },
            ...(gracePeriodMs === undefined ? {} : { kill_policy: { grace_period: { nanoseconds: Math.round(gracePeriodMs * 1e6) } } }),
          },
        });
    }
  }

  shutdown(): void {
    this.#requireAgentUp("shut an executor down");
    if (this.#state === "REGISTERING" || this.#state === "RUNNING") this.shutdownExecutor();
  }

  message(data: Uint8Array | string): void {
    this.#requireAgentUp("send a framework message");
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    const event: Event = { type: "MESSAGE", message: { data: bytes } };
    // Slave::schedulerMessage drops framework messages unless the executor is RUNNING.
    if (this.#state !== "RUNNING") this.#log.recordEvent(event, undefined, "executor-not-running");
    else this.#send(event);
  }

  heartbeat(): void {
    this.#requireAgentUp("send a heartbeat");
    this.#send({ type: "HEARTBEAT" });
  }

  withholdAcks(on: boolean, { drop = false }: { drop?: boolean } = {}): void {
    this.#withholding = on;
    if (on) return;
    const held = this.#heldAcks;
    this.#heldAcks = [];
    for (const record of held) {
      if (drop) record.ack = "discarded";
      else this.#sendAck(record);
    }
    this.#agent.notifier.notify();
  }

  cutStream({ mode = "abort" }: { mode?: "abort" | "rst" | "eof" } = {}): void {
    if (mode === "eof") this.#stream?.close();
    else this.#stream?.reset(mode);
    this.#agent.notifier.notify();
  }

  waitForUpdate(predicate: (status: TaskStatus) => boolean, options?: FromOptions): Promise<TaskStatus> {
    return this.#log.waitForUpdate(predicate, options);
  }

  waitForEvent(predicate: (record: EventRecord) => boolean, options?: FromOptions): Promise<EventRecord> {
    return this.#log.waitForEvent(predicate, options);
  }

  waitForCall(predicate: (record: CallRecord) => boolean, options?: FromOptions): Promise<CallRecord> {
    return this.#log.waitForCall(predicate, options);
  }

  waitForSubscribed(options?: WaitOptions & { count?: number }): Promise<EventRecord> {
    return this.#log.waitForSubscribed(options);
  }

  waitForState(state: ExecutorState, options: WaitOptions = {}): Promise<void> {
    return this.#agent.notifier.wait({
      ...options,
      probe: () => (this.#state === state ? true : undefined),
      what: `executor ${this.executorId} to be ${state}`,
      seen: () => `state ${this.#state}${this.#describeExit()}`,
    }).then(() => undefined);
  }

  waitForExit(options: WaitOptions = {}): Promise<ProcessExit> {
    return this.#agent.notifier.wait({
      ...options,
      probe: () => this.exit,
      what: `executor ${this.executorId} (pid ${this.pid}) to exit`,
      seen: () => `state ${this.#state}${this.#describeExit()}`,
    });
  }

  // ── agent side (called by LocalAgent and the HTTP route) ─────────────────────────────────────────────────────

  recordCall(record: CallRecord): void {
    this.#log.recordCall(record);
  }

  /** Slave::subscribe, for a stream whose 200 response head is already written. */
  subscribe(stream: EventStream, subscribe: NonNullable<Call["subscribe"]>): void {
    if (this.#state === "TERMINATING" || this.#state === "TERMINATED") {
      this.#sendOn(stream, { type: "SHUTDOWN" });
      stream.close();
      return;
    }
    // Close the earlier connection, even for a retried SUBSCRIBE of an already connected executor.
    this.#stream?.close();
    this.#state = "RUNNING";
    this.#stream = stream;
    this.#registrationTimer?.clear();
    this.#startHeartbeater();

    for (const update of subscribe.unacknowledged_updates ?? []) {
      this.#agent.statusUpdateFromExecutor(this, update.status, "replay");
    }
    // A task still STAGING that the executor does not list never reached it (the agent died before delivery).
    const unacked = new Set((subscribe.unacknowledged_tasks ?? []).map((task) => task.task_id.value));
    for (const record of [...this.#tasks.launched.values()]) {
      if (record.state === "TASK_STAGING" && !unacked.has(record.info.task_id.value)) {
        this.#agentStatus(record.info.task_id.value, this.#partitionAware() ? "TASK_DROPPED" : "TASK_LOST", "REASON_AGENT_RESTARTED", "Task launched during agent restart");
      }
    }
    // MESOS-8411: nothing was ever sent and nothing is queued: SHUTDOWN instead of SUBSCRIBED.
    if (!this.#tasks.everSentTask() && this.#tasks.queued.size === 0) {
      this.shutdownExecutor();
      this.#agent.notifier.notify();
      return;
    }
    this.#send({
      type: "SUBSCRIBED",
      subscribed: {
        executor_info: this.executorInfo,
        framework_info: this.#framework.info,
        agent_info: this.#agent.agentInfo(),
        container_id: { value: this.containerId },
      },
    });
    this.#deliverQueued();
    this.#agent.notifier.notify();
  }

  /**
   * Applies a status to this executor's tasks (this run owns the task): the task state machine, then the status
   * update manager's duplicate check, then the acknowledgement for executor-sent updates.
   */
  applyStatus(status: TaskStatus, origin: "executor" | "agent", via?: "update" | "replay"): UpdateRecord {
    const error = this.#tasks.updateTaskState(status);
    let disposition: UpdateDisposition = "accepted";
    if (error !== undefined) disposition = "dropped";
    else {
      const uuids = this.#tasks.record(status.task_id.value)?.uuids;
      const key = uuidKey(status.uuid);
      if (uuids?.has(key)) disposition = "duplicate";
      else uuids?.add(key);
    }
    const record = this.#log.recordUpdate(status, origin, disposition, error, via);
    if (origin === "executor") this.#ack(record);
    return record;
  }

  /** Records an executor-sent status that no task of this run owns (ignored, or unknown to the framework). */
  recordUnowned(status: TaskStatus, disposition: UpdateDisposition, detail: string, via: "update" | "replay"): void {
    this.#log.recordUpdate(status, "executor", disposition, detail, via);
  }

  /** Slave::_shutdownExecutor: SHUTDOWN (lost if not connected), then destroy the container after the grace period. */
  shutdownExecutor(): void {
    if (this.#state !== "REGISTERING" && this.#state !== "RUNNING") return;
    this.#state = "TERMINATING";
    this.#send({ type: "SHUTDOWN" });
    const grace = this.executorInfo.shutdown_grace_period;
    const graceMs = grace ? grace.nanoseconds / 1e6 : this.#agent.timeouts.shutdownGracePeriodMs;
    this.#shutdownTimer = setLongTimeout(() => {
      if (this.#state === "TERMINATING") this.#process?.killContainer();
    }, graceMs);
    this.#agent.notifier.notify();
  }

  /** The agent "process" died: its streams, timers and unsent acknowledgements die with it. */
  agentDown(): void {
    this.#epoch++;
    this.#clearTimers();
    this.#stream?.reset("abort");
    for (const record of this.#heldAcks) record.ack = "discarded";
    this.#heldAcks = [];
  }

  /** Containerizer recovery found this container but its framework was not checkpointed: destroy it, silently. */
  orphan(): void {
    this.#orphaned = true;
    this.#stream = undefined;
    if (this.#exitPending) this.#terminated();
    else if (this.#state !== "TERMINATED") {
      this.#state = "TERMINATING";
      this.#process?.killContainer();
    }
  }

  /** Slave::recover for a checkpointed executor: back to REGISTERING with its checkpointed tasks. */
  recover(): void {
    this.#stream = undefined;
    if (this.#state === "TERMINATED") return;
    this.#state = "REGISTERING";
    // Tasks are checkpointed before they are queued, and come back as launched STAGING tasks.
    for (const task of [...this.#tasks.queued.values()]) {
      this.#tasks.dequeue(task.task_id.value);
      this.#tasks.addLaunched(task);
    }
    if (this.#exitPending) this.#terminated();
  }

  /** Slave::reregisterExecutorTimeout. */
  reregistrationTimedOut(timeoutMs: number): void {
    if (this.#state !== "REGISTERING") return;
    this.#process?.killContainer();
    this.#state = "TERMINATING";
    this.#pendingTermination = {
      state: this.#partitionAware() ? "TASK_GONE" : "TASK_LOST",
      reason: "REASON_EXECUTOR_REREGISTRATION_TIMEOUT",
      message: `Executor did not reregister within ${formatDuration(timeoutMs)}`,
    };
  }

  /** Agent stop: destroy the container now (an exit deferred while the agent was down is handled now). */
  agentStopped(): void {
    this.#epoch++;
    this.#clearTimers();
    this.#stream?.reset("abort");
    if (this.#exitPending) return this.#terminated();
    if (this.#state !== "TERMINATED") this.#state = "TERMINATING";
    this.#process?.killContainer();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────────────────

  #partitionAware(): boolean {
    return this.#framework.hasCapability("PARTITION_AWARE");
  }

  /** Nothing can come from an agent that is down (or stopped). */
  #requireAgentUp(action: string): void {
    const phase = this.#agent.phase();
    if (phase === "down" || phase === "recovering-containers" || phase === "stopped") {
      throw new AgentError("AGENT_INVALID_STATE", `cannot ${action} while the agent is ${phase}`);
    }
  }

  #requireRunningAgent(action: string): void {
    const phase = this.#agent.phase();
    if (phase !== "running") {
      throw new AgentError("AGENT_INVALID_STATE", `cannot ${action} while the agent is ${phase} (a real agent gets no tasks or kills then)`);
    }
  }

  #prepareTasks(inputs: readonly TaskInput[], withExecutor: boolean): TaskInfo[] {
    this.#requireRunningAgent("launch a task");
    const seen = new Set<string>();
    return inputs.map((input) => {
      const id = input.task_id.value;
      if (seen.has(id) || this.#framework.executorOfTask(id)) {
        throw new AgentError("AGENT_INVALID_ARGUMENT", `task ${id} already exists in framework ${this.frameworkId}`);
      }
      seen.add(id);
      const task: TaskInfo = {
        ...input,
        name: input.name ?? id,
        agent_id: input.agent_id ?? { value: this.#agent.agentId },
        ...(withExecutor && input.executor === undefined && input.command === undefined ? { executor: this.executorInfo } : {}),
      };
      try {
        encodeMessage("TaskInfo", task, "json");
      } catch (cause) {
        throw new AgentError("AGENT_INVALID_ARGUMENT", `invalid TaskInfo for ${id}: ${(cause as Error).message}`, { cause });
      }
      return task;
    });
  }

  /** Slave::__run for this executor. */
  #run(tasks: TaskInfo[], asGroup: boolean): void {
    switch (this.#state) {
      case "TERMINATING":
      case "TERMINATED": {
        const what = this.#state === "TERMINATING" ? "terminating" : "terminated";
        for (const task of tasks) {
          this.#forwardAgentStatus(task.task_id.value, this.#partitionAware() ? "TASK_DROPPED" : "TASK_LOST", "REASON_EXECUTOR_TERMINATED", `Executor ${what}`);
        }
        return;
      }
      case "REGISTERING":
      case "RUNNING":
        if (asGroup) this.#tasks.enqueueGroup(tasks);
        else for (const task of tasks) this.#tasks.enqueue(task);
        this.#deliverQueued();
        this.#agent.notifier.notify();
    }
  }

  /** Slave::___run: LAUNCH per queued task, then LAUNCH_GROUP per queued group (only when RUNNING). */
  #deliverQueued(): void {
    if (this.#state !== "RUNNING") return;
    const grouped = new Set(this.#tasks.queuedGroups.flat().map((task) => task.task_id.value));
    for (const [id, task] of [...this.#tasks.queued]) {
      if (grouped.has(id)) continue;
      this.#tasks.dequeue(id);
      this.#tasks.addLaunched(task);
      this.#send({ type: "LAUNCH", launch: { task } });
    }
    for (const group of [...this.#tasks.queuedGroups]) {
      for (const task of group) {
        this.#tasks.dequeue(task.task_id.value);
        this.#tasks.addLaunched(task);
      }
      this.#send({ type: "LAUNCH_GROUP", launch_group: { task_group: { tasks: group } } });
    }
  }

  /** Slave::kill for a task not yet delivered: TASK_KILLED for it, or for its whole group. */
  #killQueued(taskId: string, registering: boolean): void {
    const group = this.#tasks.queuedGroupOf(taskId);
    const message =
      group && registering ? "A task within the task group was killed before delivery to the executor" : "Killed before delivery to the executor";
    for (const id of group ? group.map((task) => task.task_id.value) : [taskId]) {
      this.#agentStatus(id, "TASK_KILLED", "REASON_TASK_KILLED_DURING_LAUNCH", message);
    }
  }

  #newAgentStatus(taskId: string, state: TaskState, reason: TaskStatusReason, message: string, withExecutorId: boolean): TaskStatus {
    return {
      task_id: { value: taskId },
      state,
      source: "SOURCE_AGENT",
      reason,
      message,
      uuid: newUuidBytes(),
      timestamp: Date.now() / 1000,
      agent_id: { value: this.#agent.agentId },
      ...(withExecutorId ? { executor_id: { value: this.executorId } } : {}),
    };
  }

  /** An agent-generated update for one of this run's tasks (never acknowledged: nobody to ack). */
  #agentStatus(taskId: string, state: TaskState, reason: TaskStatusReason, message: string): void {
    this.applyStatus(this.#newAgentStatus(taskId, state, reason, message, true), "agent");
  }

  /** An agent-generated update for a task no executor holds: forwarded to the scheduler as is. */
  #forwardAgentStatus(taskId: string, state: TaskState, reason: TaskStatusReason, message: string): void {
    this.#log.recordUpdate(this.#newAgentStatus(taskId, state, reason, message, false), "agent", "accepted", undefined, undefined);
  }

  /** Slave::___statusUpdate: ACKNOWLEDGED once the update manager has handled it (later, on whatever stream is open). */
  #ack(record: UpdateRecord): void {
    if (this.#withholding) {
      record.ack = "withheld";
      this.#heldAcks.push(record);
      return;
    }
    record.ack = "pending";
    const epoch = this.#epoch;
    setImmediate(() => {
      if (epoch !== this.#epoch) record.ack = "discarded";
      else this.#sendAck(record);
      this.#agent.notifier.notify();
    });
  }

  #sendAck(record: UpdateRecord): void {
    const delivered = this.#send({
      type: "ACKNOWLEDGED",
      acknowledged: { task_id: record.status.task_id, uuid: record.status.uuid as Uint8Array },
    });
    record.ack = delivered ? "sent" : "lost";
    record.ackAt = this.#agent.now();
  }

  /** Executor::send: writes to the current stream; without an open one the event is lost (only logged). */
  #send(event: Event): boolean {
    const stream = this.#stream;
    if (!stream) return this.#log.recordEvent(event, undefined, "no-stream");
    return this.#sendOn(stream, event);
  }

  #sendOn(stream: EventStream, event: Event): boolean {
    const delivered = stream.send(event);
    return this.#log.recordEvent(event, stream.id, delivered ? undefined : "stream-closed");
  }

  #startHeartbeater(): void {
    this.#heartbeater?.clear();
    const interval = this.#agent.timeouts.heartbeatIntervalMs;
    if (interval <= 0) return;
    // The agent's Heartbeater: the first HEARTBEAT one interval after SUBSCRIBE, then one every interval.
    const beat = (): void => {
      this.#heartbeater = setLongTimeout(() => {
        this.#send({ type: "HEARTBEAT" });
        beat();
      }, interval);
    };
    beat();
  }

  #clearTimers(): void {
    this.#registrationTimer?.clear();
    this.#shutdownTimer?.clear();
    this.#heartbeater?.clear();
  }

  /** Slave::registerExecutorTimeout. */
  #registrationTimedOut(timeoutMs: number): void {
    if (this.#state !== "REGISTERING") return;
    this.#process?.killContainer();
    this.#state = "TERMINATING";
    this.#pendingTermination = {
      state: "TASK_FAILED",
      reason: "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
      message: `Executor did not register within ${formatDuration(timeoutMs)}`,
    };
    this.#agent.notifier.notify();
  }

  async #onProcessExit(exit: ProcessExit): Promise<void> {
    this.#exit = exit;
    // The container is destroyed when its executor exits: no process of it outlives the termination.
    this.#process?.killContainer();
    await this.#process?.containerGone();
    const phase = this.#agent.phase();
    if (phase === "down" || phase === "recovering-containers") {
      this.#exitPending = true;
      this.#agent.notifier.notify();
      return;
    }
    this.#terminated();
  }

  /** Slave::executorTerminated: live tasks get the pending termination's state, or TASK_FAILED. */
  #terminated(): void {
    this.#exitPending = false;
    this.#state = "TERMINATED";
    this.#clearTimers();
    this.#stream?.close();
    if (!this.#orphaned) {
      const pending = this.#pendingTermination;
      for (const taskId of this.#tasks.liveTaskIds()) {
        this.#agentStatus(taskId, pending?.state ?? "TASK_FAILED", pending?.reason ?? "REASON_EXECUTOR_TERMINATED", pending?.message ?? "Executor terminated");
      }
    }
    this.#agent.notifier.notify();
  }

  #describeExit(): string {
    if (!this.#exit) return "";
    const { code, signal, error } = this.#exit;
    return `, process exited (code ${code}, signal ${signal}${error ? `, ${error.message}` : ""})`;
  }
}
