// A local Mesos agent, executor side only: the test double of a real agent for Berth's tests and for `berth dev`.
// It serves the v1 executor API on 127.0.0.1, starts executors as real processes in their own process groups, and
// reproduces the agent's answers, timeouts, acknowledgements and restart/recovery behaviour
// (reference/mesos-executor-api.md, sections 1 and 3).
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { hostname as osHostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { encodeMessage } from "../mesos/codec.js";
import type { AgentInfo, CommandInfo, ExecutorInfo, FrameworkInfo, TaskStatus } from "../mesos/types.js";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";
import { AgentError } from "./agentError.js";
import { FrameworkRecord, type AgentContext, type AgentPhase, type AgentTimeouts } from "./agentContext.js";
import { ChangeNotifier, type WaitOptions } from "./changeNotifier.js";
import { executorEnvironment } from "./executorEnvironment.js";
import type { ExecutorHandle, TaskInput } from "./executorHandle.js";
import type { ExecutorCommand, OutputListener } from "./executorProcess.js";
import { handleExecutorRequest, type RouteContext } from "./executorRoute.js";
import { ExecutorRun } from "./executorRun.js";
import { signJwt } from "./jwt.js";
import type { CallRecord, EventRecord, UpdateRecord } from "./records.js";

/** FrameworkInfo.Capability.Type names. */
export type FrameworkCapability =
  | "REVOCABLE_RESOURCES"
  | "TASK_KILLING_STATE"
  | "GPU_RESOURCES"
  | "SHARED_RESOURCES"
  | "PARTITION_AWARE"
  | "MULTI_ROLE"
  | "RESERVATION_REFINEMENT"
  | "REGION_AWARE";

export interface FrameworkOptions {
  /** Default: the agent's default framework id. */
  id?: string;
  name?: string;
  user?: string;
  /** FrameworkInfo.checkpoint: only checkpointing frameworks survive an agent restart. */
  checkpoint?: boolean;
  capabilities?: readonly FrameworkCapability[];
}

export interface LocalAgentOptions {
  /**
   * Agent work dir; sandboxes go under <workDir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>.
   * Default: a fresh temporary directory, removed by stop() unless keepWorkDir.
   */
  workDir?: string;
  keepWorkDir?: boolean;
  host?: string;
  /** 0 (default) picks a free port; restarts keep the port. */
  port?: number;
  agentId?: string;
  /** AgentInfo.hostname (default os.hostname()). */
  hostname?: string;
  /** Default framework's FrameworkInfo.checkpoint (default true). */
  checkpoint?: boolean;
  /** Default framework's capabilities (default none). */
  frameworkCapabilities?: readonly FrameworkCapability[];
  frameworkId?: string;
  frameworkName?: string;
  frameworkUser?: string;
  /** --executor_registration_timeout (default 60 s; 0 disables it). */
  registrationTimeoutMs?: number;
  /** --executor_shutdown_grace_period (default 5 s). */
  shutdownGracePeriodMs?: number;
  /** --recovery_timeout, given to checkpointing executors (default 15 min). */
  recoveryTimeoutMs?: number;
  /** --executor_reregistration_timeout (default 2 s). */
  reregistrationTimeoutMs?: number;
  /** MESOS_SUBSCRIPTION_BACKOFF_MAX (the agent uses its reregistration timeout; default the same). */
  subscriptionBackoffMaxMs?: number;
  /** Executor heartbeat interval (default 30 min, the agent's constant; 0 = none). */
  heartbeatIntervalMs?: number;
  /** --authenticate_http_executors with this --executor_secret_key: executors get a JWT and must send it. */
  executorSecretKey?: string;
  /** --executor_environment_variables: the base of every executor's environment (default empty). */
  executorEnvironmentVariables?: Readonly<Record<string, string>>;
  /** Aborting stops the agent. */
  signal?: AbortSignal;
}

export interface LaunchExecutorOptions {
  /** How to start the process; default: from executorInfo.command (shell unless shell=false). */
  command?: ExecutorCommand;
  /** ExecutorInfo fields; executor_id defaults to a fresh id, command to one built from `command`. */
  executorInfo?: Partial<ExecutorInfo>;
  framework?: FrameworkOptions;
  /** Tasks queued at launch (one LAUNCH each after SUBSCRIBED). */
  tasks?: readonly TaskInput[];
  /** Task groups queued at launch (one LAUNCH_GROUP each). */
  taskGroups?: readonly (readonly TaskInput[])[];
  /** Applied last to the environment; undefined removes a variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives stdout/stderr as well (they still go to <sandbox>/stdout and stderr). */
  onOutput?: OutputListener;
}

export interface RestartOptions {
  /** How long nothing listens on the port (default 0). */
  downMs?: number;
  /** How long every executor call gets 503 after the port reopens (containerizer recovery; default 0). */
  containerRecoveryMs?: number;
  /** --recover: reconnect (default) or cleanup (executors get SHUTDOWN when they subscribe). */
  recover?: "reconnect" | "cleanup";
  /** --executor_reregistration_timeout for this recovery (default: the agent's). */
  reregistrationTimeoutMs?: number;
  signal?: AbortSignal;
}

const EXECUTOR_ID_PREFIX = "berth-executor-";

function commandFromInfo(info: CommandInfo | undefined): ExecutorCommand | undefined {
  if (info?.value === undefined) return undefined;
  if (info.shell !== false) return { shell: info.value };
  // shell=false: exec `value` with `arguments` as the whole argv (argv[0] included).
  const args = info.arguments ?? [info.value];
  return { argv: [info.value, ...args.slice(1)] };
}

function commandInfoFrom(command: ExecutorCommand): CommandInfo {
  return "shell" in command ? { value: command.shell, shell: true } : { value: command.argv[0] as string, shell: false, arguments: [...command.argv] };
}

export class LocalAgent {
  readonly agentId: string;
  readonly workDir: string;
  readonly host: string;

  readonly #options: LocalAgentOptions;
  readonly #timeouts: AgentTimeouts;
  readonly #notifier = new ChangeNotifier();
  readonly #frameworks = new Map<string, FrameworkRecord>();
  readonly #runs: ExecutorRun[] = [];
  readonly #calls: CallRecord[] = [];
  readonly #events: EventRecord[] = [];
  readonly #updates: UpdateRecord[] = [];
  readonly #defaultFrameworkId: string;
  #server: Server | undefined;
  #port = 0;
  #phase: AgentPhase = "running";
  #seq = 0;
  #streamIds = 0;
  #executorIds = 0;
  #reregistrationTimer: LongTimer | undefined;
  #stopping: Promise<void> | undefined;
  /** What executor runs see of the agent. */
  readonly #context: AgentContext;
  /** What the HTTP route sees of the agent. */
  readonly #route: RouteContext;

  private constructor(options: LocalAgentOptions) {
    this.#options = options;
    this.agentId = options.agentId ?? `${randomUUID()}-S0`;
    this.workDir = options.workDir ?? mkdtempSync(join(tmpdir(), "berth-agent-"));
    this.host = options.host ?? "127.0.0.1";
    this.#defaultFrameworkId = options.frameworkId ?? `${randomUUID()}-0000`;
    this.#timeouts = {
      registrationTimeoutMs: options.registrationTimeoutMs ?? 60_000,
      shutdownGracePeriodMs: options.shutdownGracePeriodMs ?? 5_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30 * 60_000,
    };
    this.#context = {
      agentId: this.agentId,
      timeouts: this.#timeouts,
      notifier: this.#notifier,
      phase: () => this.#phase,
      now: () => this.now(),
      nextSeq: () => ++this.#seq,
      agentInfo: () => this.#agentInfo(),
      recordEvent: (record) => this.#events.push(record),
      recordUpdate: (record) => this.#updates.push(record),
      recordCall: (record) => this.#calls.push(record),
      statusUpdateFromExecutor: (caller, status, via) => this.#statusUpdateFromExecutor(caller, status, via),
    };
    this.#route = {
      phase: () => this.#phase,
      executorSecretKey: options.executorSecretKey,
      framework: (id) => this.#frameworks.get(id),
      nextSeq: () => ++this.#seq,
      now: () => this.now(),
      nextStreamId: () => ++this.#streamIds,
      recordCall: (record, run) => {
        this.#calls.push(record);
        run?.recordCall(record);
        this.#notifier.notify();
      },
      statusUpdateFromExecutor: (caller, status, via) => this.#statusUpdateFromExecutor(caller, status, via),
    };
  }

  static async start(options: LocalAgentOptions = {}): Promise<LocalAgent> {
    if (options.signal?.aborted) throw new AgentError("AGENT_ABORTED", "aborted before the agent started", { cause: options.signal.reason });
    const agent = new LocalAgent(options);
    mkdirSync(agent.workDir, { recursive: true });
    await agent.#listen(options.port ?? 0);
    options.signal?.addEventListener("abort", () => void agent.stop(), { once: true });
    return agent;
  }

  /** "127.0.0.1:PORT", as in MESOS_AGENT_ENDPOINT. */
  get endpoint(): string {
    return `${this.host}:${this.#port}`;
  }
  get port(): number {
    return this.#port;
  }
  /** Full URL of the executor API. */
  get url(): string {
    return `http://${this.endpoint}/api/v1/executor`;
  }
  get phase(): AgentPhase {
    return this.#phase;
  }
  get executors(): readonly ExecutorHandle[] {
    return this.#runs;
  }
  /** Every request to the agent, in order, with the status it got. */
  get calls(): readonly CallRecord[] {
    return this.#calls;
  }
  /** Every event for any executor, delivered or lost. */
  get events(): readonly EventRecord[] {
    return this.#events;
  }
  /** Every status update handled, with its disposition and acknowledgement. */
  get updates(): readonly UpdateRecord[] {
    return this.#updates;
  }
  /** Id of the default framework (launchExecutor without `framework.id`). */
  get frameworkId(): string {
    return this.#defaultFrameworkId;
  }

  /** The clock of every record's `at` (monotonic milliseconds). */
  now(): number {
    return performance.now();
  }

  /** A token signed with the executor secret key (to test 401/403 answers with forged claims). */
  mintExecutorToken(claims: Readonly<Record<string, string>>): string {
    const secret = this.#options.executorSecretKey;
    if (secret === undefined) throw new AgentError("AGENT_INVALID_STATE", "executor authentication is off (no executorSecretKey)");
    return signJwt(claims, secret);
  }

  executor(executorId: string, frameworkId: string = this.#defaultFrameworkId): ExecutorHandle | undefined {
    return this.#frameworks.get(frameworkId)?.executors.get(executorId);
  }

  /** Starts an executor process as the agent would for a framework's first task on it. */
  launchExecutor(options: LaunchExecutorOptions): ExecutorHandle {
    if (this.#phase !== "running") throw new AgentError("AGENT_INVALID_STATE", `cannot launch an executor while the agent is ${this.#phase}`);
    const framework = this.#frameworkFor(options.framework);
    const executorId = options.executorInfo?.executor_id?.value ?? `${EXECUTOR_ID_PREFIX}${++this.#executorIds}`;
    const existing = framework.executors.get(executorId);
    if (existing && existing.state !== "TERMINATED") {
      throw new AgentError("AGENT_INVALID_ARGUMENT", `executor ${executorId} of framework ${framework.id} is already ${existing.state}`);
    }
    const command = options.command ?? commandFromInfo(options.executorInfo?.command);
    if (!command) throw new AgentError("AGENT_INVALID_ARGUMENT", "launchExecutor needs `command` or executorInfo.command.value");
    if ("argv" in command && !command.argv[0]) throw new AgentError("AGENT_INVALID_ARGUMENT", "command.argv must not be empty");
    const executorInfo: ExecutorInfo = {
      ...options.executorInfo,
      executor_id: { value: executorId },
      framework_id: { value: framework.id },
      command: options.executorInfo?.command ?? commandInfoFrom(command),
    };
    try {
      encodeMessage("ExecutorInfo", executorInfo, "json");
    } catch (cause) {
      throw new AgentError("AGENT_INVALID_ARGUMENT", `invalid ExecutorInfo: ${(cause as Error).message}`, { cause });
    }
    const containerId = randomUUID();
    const sandbox = join(this.workDir, "slaves", this.agentId, "frameworks", framework.id, "executors", executorId, "runs", containerId);
    mkdirSync(sandbox, { recursive: true });
    const secret = this.#options.executorSecretKey;
    const authToken = secret === undefined ? undefined : signJwt({ fid: framework.id, eid: executorId, cid: containerId }, secret);
    const reregistrationTimeoutMs = this.#options.reregistrationTimeoutMs ?? 2_000;
    const env = executorEnvironment({
      ...(this.#options.executorEnvironmentVariables ? { baseEnv: this.#options.executorEnvironmentVariables } : {}),
      libprocessIp: this.host,
      executorInfo,
      frameworkId: framework.id,
      agentId: this.agentId,
      agentAddress: this.endpoint,
      sandbox,
      checkpoint: framework.checkpoint,
      shutdownGracePeriodMs: this.#timeouts.shutdownGracePeriodMs,
      recoveryTimeoutMs: this.#options.recoveryTimeoutMs ?? 15 * 60_000,
      subscriptionBackoffMaxMs: this.#options.subscriptionBackoffMaxMs ?? reregistrationTimeoutMs,
      ...(authToken === undefined ? {} : { authenticationToken: authToken }),
      ...(options.env ? { overrides: options.env } : {}),
    });
    const run = new ExecutorRun({
      agent: this.#context,
      framework,
      executorInfo,
      containerId,
      sandbox,
      command,
      env,
      authToken,
      onOutput: options.onOutput,
    });
    framework.executors.set(executorId, run);
    this.#runs.push(run);
    run.start();
    for (const task of options.tasks ?? []) run.launch(task);
    for (const group of options.taskGroups ?? []) run.launchGroup(group);
    this.#notifier.notify();
    return run;
  }

  /**
   * Simulates an agent restart: every stream and connection drops, nothing listens for `downMs`, then the port
   * reopens and the agent recovers. Resolves once the port is open again (phase recovering-containers or
   * recovering); waitForRecovery() resolves when it is running again.
   */
  async restart({ downMs = 0, containerRecoveryMs = 0, recover = "reconnect", reregistrationTimeoutMs, signal }: RestartOptions = {}): Promise<void> {
    if (this.#phase !== "running") throw new AgentError("AGENT_INVALID_STATE", `cannot restart while the agent is ${this.#phase}`);
    this.#phase = "down";
    for (const run of this.#runs) run.agentDown();
    await this.#closeServer();
    this.#notifier.notify();
    // An abort cuts the down time short; the agent still comes back up so that it stays usable (and stoppable).
    const aborted = await delay(downMs, false, { signal }).catch(() => true);
    if (this.#phase !== "down") return; // stopped meanwhile
    await this.#listen(this.#port);
    this.#phase = "recovering-containers";
    this.#notifier.notify();
    const timeoutMs = reregistrationTimeoutMs ?? this.#options.reregistrationTimeoutMs ?? 2_000;
    const finish = (): void => this.#containersRecovered(recover, timeoutMs);
    if (containerRecoveryMs > 0) this.#reregistrationTimer = setLongTimeout(finish, containerRecoveryMs);
    else finish();
    if (aborted) throw new AgentError("AGENT_ABORTED", "restart aborted: the agent came back up early", { cause: signal?.reason });
  }

  /** Resolves when the agent is running again after restart(). */
  waitForRecovery(options: WaitOptions = {}): Promise<void> {
    return this.#notifier
      .wait({ ...options, probe: () => (this.#phase === "running" ? true : undefined), what: "the agent to finish recovery", seen: () => `phase ${this.#phase}` })
      .then(() => undefined);
  }

  /**
   * SIGKILLs every executor's container, waits (up to timeoutMs, or until `signal` aborts) for the agent to handle
   * their ends, and closes the server. Idempotent.
   */
  stop({ timeoutMs = 10_000, signal }: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      this.#reregistrationTimer?.clear();
      this.#phase = "stopped";
      for (const run of this.#runs) run.agentStopped();
      await Promise.all(this.#runs.map((run) => run.waitForExit({ timeoutMs, ...(signal ? { signal } : {}) }).catch(() => undefined)));
      await this.#closeServer();
      if (this.#options.workDir === undefined && !this.#options.keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
      this.#notifier.close(new AgentError("AGENT_STOPPED", "the agent stopped"));
    })();
    return this.#stopping;
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────────────────

  #agentInfo(): AgentInfo {
    return { hostname: this.#options.hostname ?? osHostname(), id: { value: this.agentId }, port: this.#port };
  }

  #frameworkFor(options: FrameworkOptions = {}): FrameworkRecord {
    const id = options.id ?? this.#defaultFrameworkId;
    const existing = this.#frameworks.get(id);
    const isDefault = id === this.#defaultFrameworkId;
    const info: FrameworkInfo & { id: { value: string } } = {
      user: options.user ?? (isDefault ? this.#options.frameworkUser : undefined) ?? userInfo().username,
      name: options.name ?? (isDefault ? this.#options.frameworkName : undefined) ?? "berth-local",
      id: { value: id },
      checkpoint: options.checkpoint ?? this.#options.checkpoint ?? true,
      capabilities: (options.capabilities ?? (isDefault ? this.#options.frameworkCapabilities : undefined) ?? []).map((type) => ({ type })),
    };
    if (existing) {
      const checkpointDiffers = options.checkpoint !== undefined && options.checkpoint !== existing.checkpoint;
      const capabilitiesDiffer =
        options.capabilities !== undefined && JSON.stringify(existing.info.capabilities) !== JSON.stringify(info.capabilities);
      if (checkpointDiffers || capabilitiesDiffer) {
        throw new AgentError("AGENT_INVALID_ARGUMENT", `framework ${id} is already registered with other settings`);
      }
      return existing;
    }
    const record = new FrameworkRecord(info);
    this.#frameworks.set(id, record);
    return record;
  }

  /** Slave::statusUpdate for a status an executor sent (UPDATE call or SUBSCRIBE replay). */
  #statusUpdateFromExecutor(caller: ExecutorRun, status: TaskStatus, via: "update" | "replay"): void {
    if (status.uuid === undefined) {
      caller.recordUnowned(status, "ignored", "status update without 'uuid'", via);
      return;
    }
    if (status.agent_id !== undefined && status.agent_id.value !== this.agentId) {
      caller.recordUnowned(status, "ignored", `agent ID mismatch: expected '${this.agentId}', received '${status.agent_id.value}'`, via);
      return;
    }
    // createStatusUpdate fills in the agent id; the source is the executor's whatever it claimed (replays).
    const forwarded: TaskStatus = { ...status, agent_id: status.agent_id ?? { value: this.agentId }, source: "SOURCE_EXECUTOR" };
    const framework = this.#frameworks.get(caller.frameworkId);
    const owner = framework?.executorOfTask(status.task_id.value);
    if (!owner) {
      caller.recordUnowned(forwarded, "unknown-task", `no executor of framework ${caller.frameworkId} knows task ${status.task_id.value}`, via);
      return;
    }
    if (forwarded.state === "TASK_STAGING") {
      // Only reachable through a replay (UPDATE validation refuses it): the agent shuts the executor down.
      caller.recordUnowned(forwarded, "ignored", "TASK_STAGING from an executor: shutting it down", via);
      owner.shutdownExecutor();
      return;
    }
    owner.applyStatus(forwarded, "executor", via);
  }

  /** End of containerizer recovery (Slave::_recover). */
  #containersRecovered(recover: "reconnect" | "cleanup", reregistrationTimeoutMs: number): void {
    if (this.#phase !== "recovering-containers") return;
    for (const [id, framework] of [...this.#frameworks]) {
      if (framework.checkpoint) continue;
      // Not checkpointed: unknown to the restarted agent, so its containers are orphans and get destroyed.
      for (const run of framework.executors.values()) run.orphan();
      this.#frameworks.delete(id);
    }
    const recovered = [...this.#frameworks.values()].flatMap((framework) => [...framework.executors.values()]);
    for (const run of recovered) run.recover();
    if (recover === "cleanup") {
      // HTTP executors get their SHUTDOWN when they subscribe; the grace timer runs from now.
      for (const run of recovered) run.shutdownExecutor();
      this.#phase = "running";
    } else if (this.#frameworks.size > 0) {
      this.#phase = "recovering";
      this.#reregistrationTimer = setLongTimeout(() => {
        for (const run of recovered) run.reregistrationTimedOut(reregistrationTimeoutMs);
        // MESOS-7539: recovery ends only when the reregistration timeout has elapsed.
        if (this.#phase === "recovering") this.#phase = "running";
        this.#notifier.notify();
      }, reregistrationTimeoutMs);
    } else {
      this.#phase = "running";
    }
    this.#notifier.notify();
  }

  async #listen(port: number): Promise<void> {
    // requestTimeout 0: an event stream may stay open for hours (`berth dev`).
    const server = createServer({ noDelay: true, requestTimeout: 0 }, (req, res) => handleExecutorRequest(this.#route, req, res));
    // A restart reopens the same port; give the kernel a moment if it is still in use.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, this.host, () => {
            server.off("error", reject);
            resolve();
          });
        });
        break;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 40) {
          throw new AgentError("AGENT_LISTEN_FAILED", `cannot listen on ${this.host}:${port}: ${(cause as Error).message}`, { cause });
        }
        await delay(50);
      }
    }
    const address = server.address();
    if (address && typeof address === "object") this.#port = address.port;
    this.#server = server;
  }

  async #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
