// Turns a Mesos TaskInfo (plus the executor's ExecutorInfo and environment) into the core's TaskSpec.
// Where the command lives depends on the framework (reference §1b): TaskInfo.command (task groups, lenient tools),
// Marathon's `chmod ug+rx '<path>' && exec '<path>' <cmd>` line in ExecutorInfo.command.value, or a Marathon app
// definition in TaskInfo.data (older Marathon). Every problem is collected so TASK_ERROR can list them all.
import type { Hook } from "../core/hook.js";
import type { LifecycleChecks } from "../core/taskLifecycle.js";
import { execHook } from "../hooks/execHook.js";
import type { ConsulHookOptions } from "../hooks/consulHook.js";
import type { ConsulSettings } from "../hooks/consulSettings.js";
import { httpHook } from "../hooks/httpHook.js";
import { hookFromConfig, type HookConfig } from "../hooks/hookConfig.js";
import type { HookSettings } from "../hooks/hookList.js";
import type { SecretsSettings } from "../hooks/secretsSettings.js";
import { sleepHook } from "../hooks/sleepHook.js";
import { hookList } from "../hooks/hookList.js";
import type { CommandSpec, TaskSpec } from "../core/taskSpec.js";
import { readLogLabels, type LogLabelSettings } from "../logs/logLabels.js";
import { taskSinks, type TaskLogSettings } from "../logs/logSettings.js";
import type { SinkConfig } from "../logs/ship/sinkConfig.js";
import { readBerthLabels, type LabelHook } from "./berthLabels.js";
import { readConsulLabels } from "./consulLabels.js";
import { readCertificateLabels, readConfigServiceLabels } from "./secretsLabels.js";
import { readVaultLabels } from "./vaultLabels.js";
import { readHaproxyLabels } from "./haproxyLabels.js";
import { NO_INTEGRATIONS, type IntegrationSettings } from "./integrationSettings.js";
import { checkInfoToSpec, healthCheckToSpec } from "./checksFromTaskInfo.js";
import { addCommandVariables } from "./commandVariables.js";
import { BERTH_VARIABLE_PREFIX, EXECUTOR_ONLY_VARIABLES } from "./executorConfig.js";
import type { CommandInfo, ExecutorInfo, TaskInfo } from "./types.js";

/** Everything the core needs to run one Mesos task. */
export interface TaskLaunch {
  spec: TaskSpec;
  checks: LifecycleChecks;
  hooks: Hook[];
  drainMs: number;
  maxCompletionTimeMs?: number;
  /** The task's log labels and sinks (only when the executor has log settings). */
  logs?: TaskLogPlan;
}

/** What the front end needs to build the task's TaskLogs. */
export interface TaskLogPlan {
  readonly labels: LogLabelSettings;
  readonly sinks: readonly SinkConfig[];
  readonly structuredOnly: boolean;
}

export type TaskSpecResult = ({ ok: true } & TaskLaunch) | { ok: false; problems: string[] };

export interface TaskSpecContext {
  /** ExecutorInfo from SUBSCRIBED, used when the TaskInfo does not carry its own. */
  executorInfo: ExecutorInfo | undefined;
  /** The executor's own environment (agent env + ExecutorInfo.command.environment). */
  executorEnv: Readonly<Record<string, string | undefined>>;
  cwd: string;
  defaultKillGracePeriodMs: number;
  /** Agent-wide settings of the integrations (default: all off). */
  integrations?: IntegrationSettings;
  /** Host other hosts reach the task at (registrations); default 127.0.0.1. */
  advertiseAddress?: string;
  /** The log pipeline's agent-wide settings: the task's log labels are read against them. */
  logSettings?: TaskLogSettings;
}

// Marathon (TaskBuilder, PathExecutor): chmod ug+rx '<path>' && exec '<path>' <cmd>. The path is single-quoted
// with ' written as '\'' ; we accept any path, not only our own argv[0].
const MARATHON_PREFIX = /^chmod ug\+rx '((?:[^']|'\\'')*)' && exec '((?:[^']|'\\'')*)'(?: ([\s\S]*))?$/;

/** Extracts the task's shell command from Marathon's executor command line, or explains why it cannot. */
export function stripMarathonPrefix(value: string): { ok: true; command: string } | { ok: false; problem: string } {
  const match = MARATHON_PREFIX.exec(value.trim());
  if (!match) return { ok: false, problem: `ExecutorInfo.command.value does not have Marathon's "chmod ug+rx '<path>' && exec '<path>' <cmd>" shape` };
  if (match[1] !== match[2]) return { ok: false, problem: "ExecutorInfo.command.value: chmod and exec name different paths" };
  const command = (match[3] ?? "").trim();
  if (command === "") return { ok: false, problem: "ExecutorInfo.command.value has Marathon's prefix but no command after it (the app has no cmd)" };
  return { ok: true, command };
}

function commandFromInfo(info: CommandInfo, where: string, problems: string[]): CommandSpec | undefined {
  const shell = info.shell ?? true;
  if (shell) {
    if (!info.value || info.value.trim() === "") {
      problems.push(`${where}.value is empty: a shell command needs a value`);
      return undefined;
    }
    return { kind: "shell", script: info.value };
  }
  // shell=false: exec value with argv = arguments (arguments[0] is argv[0], as in Mesos).
  if (!info.value) {
    problems.push(`${where}.value is empty: shell=false needs the executable in value`);
    return undefined;
  }
  return { kind: "argv", file: info.value, args: (info.arguments ?? []).slice(1) };
}

function commandFromData(data: Uint8Array): CommandSpec | undefined {
  let app: unknown;
  try {
    app = JSON.parse(Buffer.from(data).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof app !== "object" || app === null) return undefined;
  const { cmd, args } = app as { cmd?: unknown; args?: unknown };
  if (typeof cmd === "string" && cmd.trim() !== "") return { kind: "shell", script: cmd };
  // args[0] is the program: an empty one names nothing to execute.
  if (Array.isArray(args) && args.length > 0 && args.every((a) => typeof a === "string") && args[0] !== "") {
    return { kind: "argv", file: args[0] as string, args: (args as string[]).slice(1) };
  }
  return undefined;
}

function findCommand(task: TaskInfo, executorInfo: ExecutorInfo | undefined, problems: string[]): CommandSpec | undefined {
  if (task.command) return commandFromInfo(task.command, "TaskInfo.command", problems);
  const tried: string[] = ["TaskInfo.command is not set"];
  const executorValue = executorInfo?.command?.value;
  if (executorValue) {
    const stripped = stripMarathonPrefix(executorValue);
    if (stripped.ok) return { kind: "shell", script: stripped.command };
    tried.push(stripped.problem);
  } else {
    tried.push("ExecutorInfo.command.value is not set");
  }
  if (task.data && task.data.byteLength > 0) {
    const fromData = commandFromData(task.data);
    if (fromData) return fromData;
    tried.push("TaskInfo.data is not a Marathon app definition with cmd or args");
  } else {
    tried.push("TaskInfo.data is empty");
  }
  problems.push(`no command for the task: ${tried.join("; ")}`);
  return undefined;
}

/** The task's environment: executor env minus what is the executor's alone, plus the task's own variables. */
export function taskEnvironment(executorEnv: Readonly<Record<string, string | undefined>>, task: TaskInfo, problems: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  // Defined, not assigned: `env["__proto__"] = value` would hit the prototype setter and drop the variable.
  const set = (name: string, value: string): void => void Object.defineProperty(env, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of Object.entries(executorEnv)) {
    if (value === undefined || EXECUTOR_ONLY_VARIABLES.includes(name) || name.startsWith(BERTH_VARIABLE_PREFIX)) continue;
    set(name, value);
  }
  addCommandVariables(env, task.command?.environment?.variables ?? [], "TaskInfo.command.environment.variables", problems);
  return env;
}

/**
 * Strings that reach execve (the command, its user, and the id and name, which hooks get as BERTH_TASK_ID and
 * BERTH_TASK_NAME) are C strings: a NUL byte would make the spawn throw long after the task was accepted.
 */
function requireNoNul(problems: string[], entries: readonly [where: string, value: string | undefined][]): void {
  for (const [where, value] of entries) if (value?.includes("\0")) problems.push(`${where} contains a NUL byte`);
}

function commandStrings(command: CommandSpec | undefined): [string, string | undefined][] {
  if (!command) return [];
  if (command.kind === "shell") return [["the task's command", command.script]];
  return [["the task's executable", command.file], ...command.args.map((arg, i): [string, string] => [`the task's argument ${i + 1}`, arg])];
}

export function taskInfoToSpec(task: TaskInfo, context: TaskSpecContext): TaskSpecResult {
  const problems: string[] = [];
  const taskId = task.task_id?.value ?? "";
  if (taskId === "") problems.push("TaskInfo.task_id.value is empty");
  const executorInfo = task.executor ?? context.executorInfo;
  const command = findCommand(task, executorInfo, problems);
  const env = taskEnvironment(context.executorEnv, task, problems);

  let killGracePeriodMs = context.defaultKillGracePeriodMs;
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined) {
    if (!Number.isFinite(grace) || grace < 0) problems.push(`TaskInfo.kill_policy.grace_period.nanoseconds must be >= 0, got ${grace}`);
    else killGracePeriodMs = grace / 1e6;
  }
  const user = task.command?.user ?? executorInfo?.command?.user;
  requireNoNul(problems, [["TaskInfo.task_id.value", taskId], ["TaskInfo.name", task.name], ["the task's user", user], ...commandStrings(command)]);
  let maxCompletionTimeMs: number | undefined;
  const maxNanos = task.max_completion_time?.nanoseconds;
  if (maxNanos !== undefined) {
    if (!Number.isFinite(maxNanos) || maxNanos < 0) problems.push(`TaskInfo.max_completion_time.nanoseconds must be >= 0, got ${maxNanos}`);
    else maxCompletionTimeMs = maxNanos / 1e6;
  }
  const checkContext = { env, cwd: context.cwd, ...(user ? { user } : {}) };
  const labels = readBerthLabels(task, checkContext, problems);
  const integrations = context.integrations ?? NO_INTEGRATIONS;
  const advertiseAddress = context.advertiseAddress ?? "127.0.0.1";
  const haproxy = readHaproxyLabels(task, { settings: integrations.haproxy, advertiseAddress }, problems);
  const consul = consulOptions(task, integrations.consul, advertiseAddress, problems);
  const secrets = secretsHooks(task, integrations.secrets, context.cwd, problems);
  // The client certificate's variables are the executor's, whatever their names (the key is a secret).
  delete env[integrations.secrets.certificate.certVariable];
  delete env[integrations.secrets.certificate.keyVariable];
  let logs: TaskLogPlan | undefined;
  if (context.logSettings) {
    const logLabels = readLogLabels(new Map((task.labels?.labels ?? []).map((label) => [label.key, label.value ?? ""])), problems);
    logs = { labels: logLabels, ...taskSinks(context.logSettings, logLabels, problems) };
  }
  const liveness = task.health_check ? healthCheckToSpec(task.health_check, checkContext, problems) : undefined;
  const check = task.check ? checkInfoToSpec(task.check, checkContext, problems) : undefined;

  if (problems.length > 0 || !command) return { ok: false, problems };
  return {
    ok: true,
    spec: {
      taskId,
      name: task.name,
      command,
      env,
      cwd: context.cwd,
      ...(user ? { user } : {}),
      killGracePeriodMs,
      stopSignal: labels.stopSignal,
    },
    checks: { ...(liveness ? { liveness } : {}), ...(labels.readiness ? { readiness: labels.readiness } : {}), ...(check ? { check } : {}) },
    hooks: hookList({
      // The agent's hooks (BERTH_CONFIG) before the task's own; built per task: hooks may keep state for their task.
      custom: [...agentHooks(integrations.file.hooks), ...labels.hooks.map(labelHook)],
      ...(labels.graceful ? { graceful: labels.graceful } : {}),
      ...(labels.warmup ? { warmup: labels.warmup } : {}),
      ...(haproxy ? { haproxy } : {}),
      ...(consul ? { consul } : {}),
      ...secrets,
    }),
    drainMs: labels.drainMs,
    ...(maxCompletionTimeMs !== undefined ? { maxCompletionTimeMs } : {}),
    ...(logs ? { logs } : {}),
  };
}

/** The prestart hooks that bring configuration and secrets, each only where the agent configured it. */
function secretsHooks(task: TaskInfo, settings: SecretsSettings, cwd: string, problems: string[]): Pick<HookSettings, "certificateLifetime" | "configService" | "vault"> {
  const { certificate } = settings;
  const validate = readCertificateLabels(task, problems);
  const config = readConfigServiceLabels(task, { configService: settings.configService }, problems);
  const vaultSecrets = readVaultLabels(task, { vault: settings.vault }, problems);
  return {
    ...(validate ? { certificateLifetime: { certificate, spreadMs: settings.certificateSpreadMs } } : {}),
    ...(config && settings.configService ? { configService: { settings: settings.configService, certificate, sandboxDir: cwd, ...(config.app !== undefined ? { app: config.app } : {}) } } : {}),
    ...(vaultSecrets && vaultSecrets.length > 0 && settings.vault ? { vault: { settings: settings.vault, certificate, secrets: vaultSecrets } } : {}),
  };
}

/** Consul registration for a task with the predecessor's `consul` label, on an agent where it is enabled. */
function consulOptions(task: TaskInfo, settings: ConsulSettings, address: string, problems: string[]): ConsulHookOptions | undefined {
  if (!settings.enabled) return undefined;
  const labels = readConsulLabels(task, { address, globalTag: settings.globalTag }, problems);
  if (!labels) return undefined;
  return {
    agent: settings.agent,
    services: labels.services,
    initialStatus: settings.initialStatus,
    leaveTimeoutMs: settings.leaveTimeoutMs,
    ...(settings.deregisterCriticalServiceAfterMs !== undefined ? { deregisterCriticalServiceAfterMs: settings.deregisterCriticalServiceAfterMs } : {}),
  };
}

/** The settings file's hooks (validated when the file was read). */
function agentHooks(configs: readonly HookConfig[]): Hook[] {
  return configs.flatMap((config) => hookFromConfig(config).hook ?? []);
}

/** The Hook for a hook read from labels (options already validated). */
function labelHook(hook: LabelHook): Hook {
  switch (hook.kind) {
    case "exec":
      return execHook(hook.options);
    case "http":
      return httpHook(hook.options);
    case "sleep":
      return sleepHook(hook.options);
  }
}
