// The Mesos front end of Berth: speaks the v1 executor API to the agent and drives one core TaskLifecycle per task.
//
//   start ──SUBSCRIBE──▶ subscribed ──LAUNCH/LAUNCH_GROUP──▶ tasks run ──all terminal + acked──▶ exit 0
//             ▲  │ stream lost                                   │ SHUTDOWN / abort / agent lost
//             │  ▼                                               ▼
//          reconnecting (checkpoint: random backoff       shutting down: kill every task within the
//          within MESOS_RECOVERY_TIMEOUT; else shut down)  shutdown grace, then exit
import { join } from "node:path";
import type { CheckStatus } from "../core/health/index.js";
import type { Hook } from "../core/hook.js";
import { outcomeLogLevel } from "../core/outcomeLogLevel.js";
import { TaskLifecycle, type LifecycleOutcome } from "../core/taskLifecycle.js";
import type { Logger } from "../logger.js";
import { NO_LOG_LABELS } from "../logs/logLabels.js";
import { SandboxFile } from "../logs/sandboxFile.js";
import { taskLogMetadata } from "../logs/taskLogMetadata.js";
import { spoolRootOf, TaskLogs } from "../logs/taskLogs.js";
import { noMetrics, type TaskMetrics } from "../metrics/taskMetrics.js";
import { setLongTimeout, sleep, type LongTimer } from "../time/longTimer.js";
import { AgentConnection, type Subscription } from "./agentConnection.js";
import type { ExecutorConfig } from "./executorConfig.js";
import { outcomeToStatus } from "./outcomeToStatus.js";
import { taskInfoToSpec, type TaskLaunch } from "./taskInfoToSpec.js";
import { UpdateSender } from "./updateSender.js";
import {
  isTerminalState,
  type Call,
  type CheckStatusInfo,
  type Event,
  type ExecutorInfo,
  type FrameworkInfo,
  type TaskInfo,
  type TaskState,
  type TaskStatusReason,
} from "./types.js";

/** How long the executor waits for its terminal updates to be acknowledged (the command executor uses 60 s). */
const ACK_TIMEOUT_MS = 60_000;
/** Before the first SUBSCRIBED the command executor retries every second. */
const INITIAL_RETRY_MS = 1_000;
/** An agent's default executor_registration_timeout: no point in trying to register for longer. */
const REGISTRATION_ATTEMPTS_MS = 60_000;
/** Mesos' command executor keeps 2 s of the shutdown grace for itself (reaping and the terminal update). */
const SHUTDOWN_RESERVE_MS = 2_000;

export interface MesosExecutorOptions {
  config: ExecutorConfig;
  /** The executor's own environment, from which every task's environment is derived. */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  random?: () => number;
  /** Status updates, hook latencies, probe results and kill durations (default: none recorded). */
  metrics?: TaskMetrics;
}

interface TaskEntry {
  readonly info: TaskInfo;
  lifecycle: TaskLifecycle | undefined;
  lastState: TaskState | undefined;
  /** A task counts as acknowledged once any of its updates was (Call.Subscribe.unacknowledged_tasks). */
  acknowledged: boolean;
  terminalKey: string | undefined;
  /** Ids of the task group this task was launched in (LAUNCH_GROUP), itself included. */
  group?: readonly string[];
  /** Last health verdict, carried by every later status of the task (as Mesos copies the last status). */
  healthy?: boolean;
  /** Last generalized check status; every status of a task with a check carries one. */
  checkStatus?: CheckStatusInfo;
  /** When the kill path began (performance.now()), for the kill-duration metric. */
  killStartedAt?: number;
}

/** What the command executor sends before a check's first result: the type with an empty sub-message. */
function emptyCheckStatus(type: string | undefined): CheckStatusInfo | undefined {
  if (type === "COMMAND") return { type, command: {} };
  if (type === "HTTP") return { type, http: {} };
  if (type === "TCP") return { type, tcp: {} };
  return undefined;
}

function checkStatusInfo(status: CheckStatus): CheckStatusInfo {
  switch (status.kind) {
    case "command":
      return { type: "COMMAND", command: status.exitCode === undefined ? {} : { exit_code: status.exitCode } };
    case "http":
      return { type: "HTTP", http: status.statusCode === undefined ? {} : { status_code: status.statusCode } };
    case "tcp":
      return { type: "TCP", tcp: status.succeeded === undefined ? {} : { succeeded: status.succeeded } };
  }
}

/**
 * Problems quote what the framework sent: a megabyte variable name must not become a megabyte status message (the
 * agent stores and forwards every update). The first problems are the useful ones; the log has them all.
 */
const MAX_STATUS_MESSAGE_CHARS = 4_096;

function cut(message: string): string {
  return message.length <= MAX_STATUS_MESSAGE_CHARS ? message : `${message.slice(0, MAX_STATUS_MESSAGE_CHARS)}… (${message.length - MAX_STATUS_MESSAGE_CHARS} more characters in the executor's log)`;
}

export class MesosExecutor {
  readonly #config: ExecutorConfig;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #metrics: TaskMetrics;
  #sandboxFiles: { readonly stdout: SandboxFile; readonly stderr: SandboxFile } | undefined;
  readonly #connection: AgentConnection;
  /** Tasks until their terminal update is acknowledged; then only their ids stay, in #finishedTasks. */
  readonly #tasks = new Map<string, TaskEntry>();
  /** Output pipelines whose flush hook has not run yet (by task id). */
  readonly #openLogs = new Map<string, TaskLogs>();
  readonly #finishedTasks = new Set<string>();
  readonly #updates: UpdateSender;
  /** Lifecycles whose final hooks still run (under SHUTDOWN they outlive the terminal update); exit waits for them. */
  readonly #running = new Set<TaskLifecycle>();
  readonly #stop = new AbortController();

  #executorInfo: ExecutorInfo | undefined;
  #frameworkInfo: FrameworkInfo | undefined;
  #subscription: Subscription | undefined;
  /** Aborted when the current stream goes away, to stop waits that only make sense while connected. */
  #streamScope = new AbortController();
  #everSubscribed = false;
  #shutdownReason: string | undefined;
  #agentLost = false;
  #ackTimer: LongTimer | undefined;
  #finish: ((code: number) => void) | undefined;

  constructor({ config, env, logger, random = Math.random, metrics = noMetrics }: MesosExecutorOptions) {
    this.#metrics = metrics;
    this.#config = config;
    this.#env = env;
    this.#log = logger;
    this.#random = random;
    this.#connection = new AgentConnection({
      apiUrl: config.apiUrl,
      encoding: config.encoding,
      authToken: config.authToken,
      agentHeartbeatIntervalMs: config.agentHeartbeatIntervalMs,
    });
    this.#updates = new UpdateSender({
      executorId: config.executorId,
      logger,
      post: (update, signal) => this.#connection.send({ ...this.#baseCall(), type: "UPDATE", update }, signal),
    });
  }

  /** Runs until every task is terminal and acknowledged (or the executor must give up); resolves the exit code. */
  run(signal?: AbortSignal): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.#finish = (code) => {
        this.#finish = undefined;
        this.#stop.abort();
        this.#streamScope.abort();
        this.#subscription?.close();
        this.#connection.close();
        this.#ackTimer?.clear();
        this.#reportUndeliveredLogs();
        this.#log.log(code === 0 ? "info" : "warn", "executor exiting", { code });
        resolve(code);
      };
    });
    signal?.addEventListener("abort", () => this.#beginShutdown("the executor was asked to stop (signal)"), { once: true });
    if (signal?.aborted) this.#beginShutdown("the executor was asked to stop before it started");
    void this.#connectionLoop();
    return done;
  }

  /** Tasks whose log flush never ran (a kill's time budget ran out before it): said before the lines are lost. */
  #reportUndeliveredLogs(): void {
    for (const [id, logs] of this.#openLogs) {
      const left = logs.undelivered();
      if (!left) continue;
      this.#log.log("warn", "the task's log lines were not all delivered: the executor exits before its log flush ran (the kill's time budget ran out); the sandbox files have them", {
        task: id,
        pending_lines: left.pendingLines,
        unparsed_bytes: left.unparsedBytes,
      });
    }
  }

  // ── connection ──────────────────────────────────────────────────────────────

  #baseCall(): Pick<Call, "executor_id" | "framework_id"> {
    return { executor_id: { value: this.#config.executorId }, framework_id: { value: this.#config.frameworkId } };
  }

  async #connectionLoop(): Promise<void> {
    const startedAt = Date.now();
    let recoveryDeadline: number | undefined;
    let attempt = 0;
    while (!this.#stop.signal.aborted) {
      attempt += 1;
      const { connected, reason: closed } = await this.#subscribeOnce();
      if (this.#stop.signal.aborted) return;
      if (connected) recoveryDeadline = undefined; // a new disconnect starts a new recovery window
      this.#streamScope.abort();
      this.#log.log("warn", "agent connection lost", { reason: closed, attempt });

      if (this.#shutdownReason !== undefined) {
        // Nobody to report to any more: finish as soon as the tasks are gone.
        this.#agentLost = true;
        this.#maybeFinish();
        return;
      }
      if (!this.#everSubscribed) {
        if (Date.now() - startedAt > (this.#config.checkpoint ? this.#config.recoveryTimeoutMs : REGISTRATION_ATTEMPTS_MS)) {
          this.#agentLost = true;
          this.#beginShutdown(`could not subscribe to the agent at ${this.#config.apiUrl.host}: ${closed}`);
          return;
        }
        await sleep(INITIAL_RETRY_MS, this.#stop.signal).catch(() => undefined);
        continue;
      }
      if (!this.#config.checkpoint) {
        this.#agentLost = true;
        this.#beginShutdown(`lost the agent connection (${closed}) and the framework does not checkpoint`);
        return;
      }
      const now = Date.now();
      if (recoveryDeadline === undefined) {
        recoveryDeadline = now + this.#config.recoveryTimeoutMs;
        continue; // reconnect at once, then with random backoff
      }
      if (now >= recoveryDeadline) {
        this.#agentLost = true;
        this.#beginShutdown(`could not re-subscribe within the recovery timeout of ${this.#config.recoveryTimeoutMs} ms: ${closed}`);
        return;
      }
      const backoff = Math.min(this.#random() * this.#config.subscriptionBackoffMaxMs, recoveryDeadline - now);
      await sleep(backoff, this.#stop.signal).catch(() => undefined);
    }
  }

  /** One SUBSCRIBE; resolves once the stream (or the attempt) ended, with the reason. */
  async #subscribeOnce(): Promise<{ connected: boolean; reason: string }> {
    const carried = this.#updates.unacknowledged();
    const call: Call = {
      ...this.#baseCall(),
      type: "SUBSCRIBE",
      subscribe: {
        unacknowledged_tasks: [...this.#tasks.values()].filter((t) => !t.acknowledged).map((t) => t.info),
        unacknowledged_updates: carried.updates,
      },
    };
    let onClosed: (reason: string) => void = () => undefined;
    const closed = new Promise<string>((resolve) => (onClosed = resolve));
    try {
      this.#subscription = await this.#connection.subscribe(
        call,
        { onEvent: (event) => this.#onEvent(event), onClose: onClosed },
        this.#stop.signal,
      );
    } catch (error) {
      return { connected: false, reason: (error as Error).message };
    }
    this.#streamScope = new AbortController();
    this.#startHeartbeats(this.#streamScope.signal);
    this.#updates.connected(carried.keys, this.#streamScope.signal);
    return { connected: true, reason: await closed };
  }

  /** HEARTBEAT calls while subscribed; the agent answers 202 and they keep idle connections from being dropped. */
  #startHeartbeats(scope: AbortSignal): void {
    // Re-armed after each beat rather than setInterval, which fires every millisecond above 2^31-1 ms.
    let timer: LongTimer | undefined;
    const beat = (): void => {
      if (scope.aborted) return;
      this.#connection.send({ ...this.#baseCall(), type: "HEARTBEAT" }, scope).catch((error: unknown) => {
        this.#log.log("warn", "heartbeat call failed", { error: (error as Error).message });
      });
      timer = setLongTimeout(beat, this.#config.heartbeatIntervalMs).unref();
    };
    timer = setLongTimeout(beat, this.#config.heartbeatIntervalMs).unref();
    scope.addEventListener("abort", () => timer?.clear(), { once: true });
  }

  // ── events ──────────────────────────────────────────────────────────────────

  #onEvent(event: Event): void {
    switch (event.type) {
      case "SUBSCRIBED": {
        const { executor_info, framework_info, agent_info, container_id } = event.subscribed ?? ({} as NonNullable<Event["subscribed"]>);
        this.#executorInfo = executor_info;
        this.#frameworkInfo = framework_info;
        this.#everSubscribed = true;
        this.#log.log("info", "subscribed", { agent: agent_info?.hostname, container: container_id?.value });
        return;
      }
      case "LAUNCH":
        if (event.launch?.task) this.#launch([event.launch.task], false);
        return;
      case "LAUNCH_GROUP":
        this.#launch(event.launch_group?.task_group?.tasks ?? [], true);
        return;
      case "KILL":
        if (event.kill) this.#kill(event.kill.task_id.value, event.kill.kill_policy?.grace_period?.nanoseconds);
        return;
      case "ACKNOWLEDGED":
        if (event.acknowledged) this.#acknowledged(event.acknowledged.task_id.value, event.acknowledged.uuid);
        return;
      case "SHUTDOWN":
        this.#beginShutdown("the agent sent SHUTDOWN");
        return;
      case "MESSAGE":
        this.#log.log("info", "framework message ignored", { bytes: event.message?.data.byteLength ?? 0 });
        return;
      case "ERROR":
        this.#log.log("error", "agent reported an error", { error: event.error?.message });
        return;
      case "HEARTBEAT":
        return;
      default:
        this.#log.log("warn", "ignoring an event of unknown type", { type: String(event.type) });
    }
  }

  /**
   * Starts a task, or a task group: a group starts together (every task valid, or none runs), and like the Mesos
   * default executor, a task of the group that fails or is killed takes the others down with it.
   */
  #launch(infos: readonly TaskInfo[], asGroup: boolean): void {
    const fresh: TaskEntry[] = [];
    for (const info of infos) {
      const taskId = info.task_id.value;
      if (this.#tasks.has(taskId) || this.#finishedTasks.has(taskId) || fresh.some((e) => e.info.task_id.value === taskId)) {
        this.#log.log("warn", "ignoring a second LAUNCH for a known task", { task: taskId });
        continue;
      }
      fresh.push({ info, lifecycle: undefined, lastState: undefined, acknowledged: false, terminalKey: undefined });
    }
    const members = asGroup ? fresh.map((e) => e.info.task_id.value) : undefined;
    for (const entry of fresh) {
      if (members) entry.group = members;
      this.#tasks.set(entry.info.task_id.value, entry);
    }
    if (this.#shutdownReason !== undefined) {
      for (const entry of fresh) {
        this.#update(entry, "TASK_KILLED", { message: `Task not started: the executor is shutting down (${this.#shutdownReason})`, reason: "REASON_TASK_KILLED_DURING_LAUNCH" });
      }
      return;
    }
    const launches = fresh.map((entry) => ({
      entry,
      result: taskInfoToSpec(entry.info, {
        executorInfo: this.#executorInfo,
        executorEnv: this.#env,
        cwd: this.#config.sandbox,
        defaultKillGracePeriodMs: this.#config.defaultKillGracePeriodMs,
        integrations: this.#config.integrations,
        advertiseAddress: this.#config.advertiseAddress,
        logSettings: this.#config.logs,
      }),
    }));
    const invalid = launches.filter((l) => !l.result.ok).map((l) => l.entry.info.task_id.value);
    for (const { entry, result } of launches) {
      if (!result.ok) {
        this.#log.log("error", "invalid task", { task: entry.info.task_id.value, problems: result.problems.join("; ") });
        this.#update(entry, "TASK_ERROR", { message: cut(`Invalid task: ${result.problems.join("; ")}`), reason: members ? "REASON_TASK_GROUP_INVALID" : "REASON_TASK_INVALID" });
      } else if (invalid.length > 0) {
        this.#update(entry, "TASK_ERROR", { message: `Task not started: its task group has invalid tasks (${invalid.join(", ")})`, reason: "REASON_TASK_GROUP_INVALID" });
      } else {
        this.#start(entry, result);
      }
    }
  }

  #start(entry: TaskEntry, result: TaskLaunch): void {
    const log = this.#log.child({ task: entry.info.task_id.value });
    // TASK_STARTING first, so that the task's start time is right (MESOS-6790).
    this.#update(entry, "TASK_STARTING", { message: "Berth is starting the task" });
    const logs = this.#taskLogs(entry.info.task_id.value, result, log);
    const taskId = entry.info.task_id.value;
    this.#openLogs.set(taskId, logs);
    this.#metrics.addCounters(`logs:${entry.info.task_id.value}`, () => logs.counters());
    const lifecycle = new TaskLifecycle(result.spec, {
      logger: this.#log,
      checks: result.checks,
      // Last: the task's lines are delivered once every other hook is done, before the terminal status.
      hooks: [...result.hooks, logsFlushHook(logs, this.#config.logs.flushTimeoutMs, () => this.#openLogs.delete(taskId))],
      runner: { stdout: "pipe", stderr: "pipe", onStreams: (stdout, stderr) => logs.attach(stdout, stderr) },
      drainMs: result.drainMs,
      ...(result.maxCompletionTimeMs !== undefined ? { maxCompletionTimeMs: result.maxCompletionTimeMs } : {}),
      events: {
        onRunning: () => this.#update(entry, "TASK_RUNNING", {}),
        onKilling: (cause) => {
          entry.killStartedAt ??= performance.now();
          // As the command executor: no TASK_KILLING for its own max-completion kill.
          if (cause !== "max_completion_time" && this.#hasCapability("TASK_KILLING_STATE")) {
            this.#update(entry, "TASK_KILLING", { message: "Berth is killing the task" });
          }
        },
        // Health and check news repeat the last state (TASK_RUNNING) with the news, as Mesos does.
        onHealth: (healthy, message) => {
          log.log(healthy ? "info" : "warn", "health check status changed", { healthy, message });
          entry.healthy = healthy;
          this.#update(entry, entry.lastState ?? "TASK_RUNNING", { reason: "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", ...(healthy ? {} : { message: `Health check failed: ${message}` }) });
        },
        onCheck: (status) => {
          entry.checkStatus = checkStatusInfo(status);
          this.#update(entry, entry.lastState ?? "TASK_RUNNING", { reason: "REASON_TASK_CHECK_STATUS_UPDATED" });
        },
        onHookOutput: (hook, phase, line) => {
          log.log("info", line, { hook, phase });
          logs.hookLine(hook, line);
        },
        onHookDone: (hook, phase, durationMs, failure) => this.#metrics.hookDone(hook, phase, durationMs, failure === undefined),
        onProbeResult: (check, ok) => this.#metrics.probeResult(check, ok),
      },
    });
    entry.lifecycle = lifecycle;
    this.#running.add(lifecycle);
    void lifecycle.done.then(() => {
      this.#running.delete(lifecycle);
      this.#maybeFinish();
    });
    lifecycle.outcome.then(
      (outcome) => this.#terminal(entry, outcome),
      (error: unknown) => {
        log.log("error", "task lifecycle failed", { error: String(error) });
        this.#update(entry, "TASK_FAILED", { message: `Berth failed to supervise the task: ${String(error)}`, reason: "REASON_COMMAND_EXECUTOR_FAILED" });
        this.#maybeFinish();
      },
    );
    lifecycle.start();
  }

  /** The task's output pipeline; the sandbox files are the executor's, made at the first task. */
  #taskLogs(taskId: string, launch: TaskLaunch, log: Logger): TaskLogs {
    const settings = this.#config.logs;
    this.#sandboxFiles ??= {
      // The executor's own stdout/stderr are the sandbox files under the agent's default logger: written through
      // them, rotated only when they are the files themselves (sandboxFile.ts).
      stdout: new SandboxFile({ path: join(this.#config.directory, "stdout"), fd: 1, maxBytes: settings.sandboxMaxBytes, keep: settings.sandboxKeep, logger: this.#log }),
      stderr: new SandboxFile({ path: join(this.#config.directory, "stderr"), fd: 2, maxBytes: settings.sandboxMaxBytes, keep: settings.sandboxKeep, logger: this.#log }),
    };
    const plan = launch.logs ?? { labels: undefined, sinks: [], structuredOnly: false };
    const dropKeys = [...settings.dropKeys, ...(plan.labels?.dropKeys ?? [])];
    return new TaskLogs({
      metadata: taskLogMetadata(
        {
          taskId,
          executorId: this.#config.executorId,
          frameworkId: this.#config.frameworkId,
          ...(plan.labels?.scId !== undefined ? { scId: plan.labels.scId } : {}),
          extraFields: plan.labels?.extraFields ?? {},
          dropKeys,
        },
        this.#env,
      ),
      labels: plan.labels ?? NO_LOG_LABELS,
      maxLineBytes: settings.maxLineBytes,
      bufferBytes: settings.bufferBytes,
      backlogBytes: settings.backlogBytes,
      dropKeys: settings.dropKeys,
      sinks: plan.sinks,
      structuredOnly: plan.structuredOnly,
      stdoutFile: this.#sandboxFiles.stdout,
      stderrFile: this.#sandboxFiles.stderr,
      spoolRoot: spoolRootOf(this.#config.directory, taskId),
      logger: log,
    });
  }

  #terminal(entry: TaskEntry, outcome: LifecycleOutcome): void {
    const status = outcomeToStatus(outcome);
    const message = outcome.reason === "shutdown" ? `${status.message} (${this.#shutdownReason})` : status.message;
    this.#log.log(outcomeLogLevel(outcome), "task ended", { task: entry.info.task_id.value, state: status.state, reason: status.reason, message });
    this.#update(entry, status.state, { ...status, message });
    if (entry.killStartedAt !== undefined) this.#metrics.killDone(performance.now() - entry.killStartedAt);
    if (entry.group && (outcome.state === "failed" || outcome.state === "killed")) {
      const why = `task ${entry.info.task_id.value} of its group ${outcome.state === "failed" ? "failed" : "was killed"}`;
      for (const id of entry.group) {
        const member = this.#tasks.get(id);
        if (member && member !== entry) member.lifecycle?.kill({ gracePeriodMs: this.#graceOf(member, undefined), cause: "group" }, why);
      }
    }
    this.#maybeFinish();
  }

  #kill(taskId: string, graceNanos: number | undefined): void {
    const entry = this.#tasks.get(taskId);
    if (!entry && this.#finishedTasks.has(taskId)) {
      this.#log.log("info", "ignoring KILL for a task that has already ended", { task: taskId });
      return;
    }
    if (!entry) {
      // The agent only forwards kills for tasks it gave us; a lost LAUNCH must not leave the task hanging.
      this.#log.log("warn", "KILL for a task this executor never received", { task: taskId });
      this.#updates.send({
        task_id: { value: taskId },
        state: "TASK_KILLED",
        message: "Kill for a task this executor never received a LAUNCH for",
        reason: "REASON_TASK_UNKNOWN",
      });
      return;
    }
    // Killing one task of a group kills the whole group, as the Mesos default executor does.
    for (const id of entry.group ?? [taskId]) {
      const member = this.#tasks.get(id);
      if (!member || member.terminalKey !== undefined || !member.lifecycle) continue;
      const gracePeriodMs = this.#graceOf(member, graceNanos);
      if (id === taskId) member.lifecycle.kill({ gracePeriodMs, cause: "requested" });
      else member.lifecycle.kill({ gracePeriodMs, cause: "group" }, `task ${taskId} of its group was killed`);
    }
  }

  /** KILL's kill_policy, else the TaskInfo's, else the default. */
  #graceOf(entry: TaskEntry, killGraceNanos: number | undefined): number {
    const nanos = killGraceNanos ?? entry.info.kill_policy?.grace_period?.nanoseconds;
    return nanos !== undefined && nanos >= 0 ? nanos / 1e6 : this.#config.defaultKillGracePeriodMs;
  }

  #acknowledged(taskId: string, uuid: Uint8Array): void {
    // An ack for an update we do not hold (unknown uuid) says nothing about the task.
    if (!this.#updates.acknowledge(uuid)) {
      this.#log.log("warn", "ignoring ACKNOWLEDGED for an update this executor does not hold", { task: taskId });
      return;
    }
    const entry = this.#tasks.get(taskId);
    if (entry) {
      entry.acknowledged = true;
      // Its terminal update is acknowledged: nothing about the task is needed any more but its id.
      if (entry.terminalKey !== undefined && !this.#updates.pending(entry.terminalKey)) {
        this.#tasks.delete(taskId);
        this.#finishedTasks.add(taskId);
      }
    }
    this.#maybeFinish();
  }

  #hasCapability(type: string): boolean {
    return (this.#frameworkInfo?.capabilities ?? []).some((c) => c.type === type);
  }

  // ── shutdown and exit ───────────────────────────────────────────────────────

  #beginShutdown(reason: string): void {
    if (this.#shutdownReason !== undefined || !this.#finish) return;
    this.#shutdownReason = reason;
    this.#log.log("warn", "shutting down", { reason, tasks: this.#tasks.size });
    // Everything must fit in the agent's shutdown grace, or the agent SIGKILLs us and the tasks with us.
    const budgetMs = Math.max(0, this.#config.shutdownGracePeriodMs - SHUTDOWN_RESERVE_MS);
    for (const entry of this.#tasks.values()) {
      if (entry.terminalKey !== undefined || !entry.lifecycle) continue;
      const taskGraceNanos = entry.info.kill_policy?.grace_period?.nanoseconds;
      const taskGraceMs = taskGraceNanos !== undefined ? taskGraceNanos / 1e6 : this.#config.defaultKillGracePeriodMs;
      entry.lifecycle.kill({ gracePeriodMs: taskGraceMs, cause: "shutdown", budgetMs });
    }
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (!this.#finish) return;
    let running = 0;
    let pending = 0;
    for (const entry of this.#tasks.values()) {
      if (entry.terminalKey === undefined) running += 1;
      else if (this.#updates.pending(entry.terminalKey)) pending += 1;
    }
    const neverHadTasks = this.#tasks.size === 0 && this.#finishedTasks.size === 0;
    if (running > 0 || (neverHadTasks && this.#shutdownReason === undefined)) {
      // Still busy (possibly with a task launched after the others ended): no deadline for acknowledgements.
      this.#ackTimer?.clear();
      this.#ackTimer = undefined;
      return;
    }
    // Final hooks still running after their terminal update (SHUTDOWN reports first); each is bounded by the budget.
    if (this.#running.size > 0) return;
    if (pending === 0) {
      this.#finish(this.#agentLost ? 1 : 0);
      return;
    }
    if (this.#agentLost) {
      this.#log.log("error", "exiting with unacknowledged terminal updates: the agent is gone", { pending });
      this.#finish(1);
      return;
    }
    this.#ackTimer ??= setLongTimeout(() => {
      this.#log.log("error", "terminal updates not acknowledged in time; exiting", { timeout_ms: ACK_TIMEOUT_MS });
      this.#finish?.(1);
    }, ACK_TIMEOUT_MS);
  }

  // ── status updates ──────────────────────────────────────────────────────────

  #update(entry: TaskEntry, state: TaskState, extra: { message?: string; reason?: TaskStatusReason; healthy?: boolean }): void {
    if (entry.terminalKey !== undefined) return; // nothing may follow a terminal update
    entry.lastState = state;
    const checkStatus = entry.checkStatus ?? emptyCheckStatus(entry.info.check?.type);
    const key = this.#updates.send({
      task_id: entry.info.task_id,
      state,
      ...(entry.healthy !== undefined ? { healthy: entry.healthy } : {}),
      ...(checkStatus ? { check_status: checkStatus } : {}),
      ...extra,
    });
    if (isTerminalState(state)) entry.terminalKey = key;
    this.#metrics.statusUpdate(state, extra.reason);
  }
}

/** Delivers the task's lines at its end, within the flush timeout (or what a kill budget leaves). */
function logsFlushHook(logs: TaskLogs, timeoutMs: number, done: () => void): Hook {
  return {
    name: "logs",
    timeoutMs,
    stop: async (context) => {
      try {
        await logs.finish(context.signal);
      } finally {
        done();
      }
    },
  };
}
