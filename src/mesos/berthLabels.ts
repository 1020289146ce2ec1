// Task labels under the `berth.` prefix: Berth's own per-task settings (README, "Task labels"). Unknown keys under
// the prefix are errors, so that a typo does not silently turn a setting off. Label values are data, never
// interpolated into a shell line (berth.readiness.command is the whole command, run as Mesos runs COMMAND checks).
import { constants } from "node:os";
import type { HealthCheckSpec, Probe } from "../core/health/index.js";
import { PHASES, validateExecHookOptions, type ExecHookOptions } from "../hooks/execHook.js";
import type { GracefulHttpOptions } from "../hooks/gracefulHttpHook.js";
import type { LifecyclePhase } from "../core/hook.js";
import type { CheckContext } from "./checksFromTaskInfo.js";
import type { TaskInfo } from "./types.js";

export const LABEL_PREFIX = "berth.";

/** Every label Berth reads, with what it means (the README table lists the same). */
export const BERTH_LABELS = {
  "berth.stop-signal": "signal that asks the task to stop (default SIGTERM), e.g. SIGINT, SIGQUIT",
  "berth.drain-seconds": "wait between the preKill hooks and the stop signal (default 0)",
  "berth.readiness.protocol": "http, https, tcp or command: enables a readiness check that gates registration",
  "berth.readiness.port-index": "index into the task's ports for http/https/tcp (default 0)",
  "berth.readiness.port-name": "name of the task's port for http/https/tcp (instead of the index)",
  "berth.readiness.path": "HTTP path (default /)",
  "berth.readiness.command": "shell command for protocol command (exit 0 = ready)",
  "berth.readiness.delay-seconds": "before the first readiness check (default 0)",
  "berth.readiness.interval-seconds": "between a result and the next check (default 1)",
  "berth.readiness.timeout-seconds": "per check (default 1)",
  "berth.readiness.successes": "passes in a row that make the task ready (default 1)",
  "berth.graceful.path": "before the stop signal, POST this path on the task's port and wait for it to exit (Aurora's /quitquitquit)",
  "berth.graceful.abort-path": "POSTed next if the task is still running after the wait (Aurora's /abortabortabort)",
  "berth.graceful.port-index": "index into the task's ports for the graceful endpoint (default 0)",
  "berth.graceful.port-name": "name of the task's port for the graceful endpoint",
  "berth.graceful.wait-seconds": "wait after each graceful request (default 5)",
} as const;

/** External exec hooks: berth.hook.<name>.exec (JSON argv), .phases (comma list), .timeout-seconds. */
const HOOK_LABEL = /^berth\.hook\.([a-z0-9][a-z0-9-]*)\.(exec|phases|timeout-seconds)$/;

export interface BerthLabelSettings {
  /** External exec hooks, in the order their labels first appear. */
  execHooks: ExecHookOptions[];
  stopSignal: NodeJS.Signals;
  drainMs: number;
  readiness?: HealthCheckSpec & { successThreshold: number };
  graceful?: GracefulHttpOptions;
}

function taskPorts(task: TaskInfo): { number: number; name?: string }[] {
  const discovered = task.discovery?.ports?.ports ?? [];
  if (discovered.length > 0) return discovered.map((p) => ({ number: p.number, ...(p.name ? { name: p.name } : {}) }));
  const ports: { number: number }[] = [];
  for (const resource of task.resources ?? []) {
    if (resource.name !== "ports") continue;
    for (const range of resource.ranges?.range ?? []) for (let port = range.begin; port <= range.end && ports.length < 1000; port++) ports.push({ number: port });
  }
  return ports;
}

export function readBerthLabels(task: TaskInfo, context: CheckContext, problems: string[]): BerthLabelSettings {
  const labels = new Map<string, string>();
  const hookLabels = new Map<string, Map<string, string>>();
  for (const label of task.labels?.labels ?? []) {
    if (!label.key.startsWith(LABEL_PREFIX)) continue;
    const hookMatch = HOOK_LABEL.exec(label.key);
    if (hookMatch) {
      const [, name, field] = hookMatch as unknown as [string, string, string];
      if (!hookLabels.has(name)) hookLabels.set(name, new Map());
      hookLabels.get(name)!.set(field, label.value ?? "");
      continue;
    }
    if (!(label.key in BERTH_LABELS)) {
      problems.push(`label ${label.key} is not a Berth label (known: ${Object.keys(BERTH_LABELS).join(", ")}, berth.hook.<name>.exec|phases|timeout-seconds)`);
      continue;
    }
    labels.set(label.key, label.value ?? "");
  }
  const number = (key: keyof typeof BERTH_LABELS, fallback: number, { integer = false, min = 0 } = {}): number => {
    const text = labels.get(key);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      problems.push(`label ${key}: expected ${integer ? "an integer" : "a number"} >= ${min}, got ${JSON.stringify(text)}`);
      return fallback;
    }
    return value;
  };

  let stopSignal: NodeJS.Signals = "SIGTERM";
  const signalText = labels.get("berth.stop-signal");
  if (signalText !== undefined) {
    const name = (signalText.startsWith("SIG") ? signalText : `SIG${signalText}`).toUpperCase();
    if (!(name in constants.signals) || name === "SIGKILL" || name === "SIGSTOP") {
      problems.push(`label berth.stop-signal: ${JSON.stringify(signalText)} is not a signal a task can handle (e.g. SIGTERM, SIGINT, SIGQUIT)`);
    } else {
      stopSignal = name as NodeJS.Signals;
    }
  }
  const drainMs = number("berth.drain-seconds", 0) * 1000;
  const ports = taskPorts(task);
  /** The port a `<prefix>.port-name` or `<prefix>.port-index` label names. */
  const portOf = (prefix: "berth.readiness" | "berth.graceful"): number | undefined => {
    const name = labels.get(`${prefix}.port-name`);
    const port = name !== undefined ? ports.find((p) => p.name === name) : ports[number(`${prefix}.port-index`, 0, { integer: true })];
    if (!port) {
      problems.push(name !== undefined ? `label ${prefix}.port-name: the task has no port named ${JSON.stringify(name)}` : `label ${prefix}.port-index: the task has ${ports.length} port(s)`);
    }
    return port?.number;
  };
  const graceful = readGraceful(labels, problems, number, portOf);
  const execHooks = readExecHooks(hookLabels, problems);
  const base = { execHooks, stopSignal, drainMs, ...(graceful ? { graceful } : {}) };

  const protocol = labels.get("berth.readiness.protocol");
  const readinessKeys = [...labels.keys()].filter((key) => key.startsWith("berth.readiness.") && key !== "berth.readiness.protocol");
  if (protocol === undefined) {
    if (readinessKeys.length > 0) problems.push(`labels ${readinessKeys.join(", ")} need berth.readiness.protocol`);
    return base;
  }
  const timing = {
    delayMs: number("berth.readiness.delay-seconds", 0) * 1000,
    intervalMs: number("berth.readiness.interval-seconds", 1) * 1000,
    timeoutMs: number("berth.readiness.timeout-seconds", 1) * 1000,
    successThreshold: number("berth.readiness.successes", 1, { integer: true, min: 1 }),
    // Readiness never kills; these two only matter to its "not ready again" watch, which Berth does not use.
    consecutiveFailures: 1,
    gracePeriodMs: 0,
  };
  if (protocol === "command") {
    const script = labels.get("berth.readiness.command");
    if (!script) {
      problems.push("label berth.readiness.command is required with berth.readiness.protocol=command");
      return base;
    }
    return {
      ...base,
      readiness: { ...timing, probe: { kind: "command", command: { kind: "shell", script }, env: context.env, cwd: context.cwd, ...(context.user ? { user: context.user } : {}) } },
    };
  }
  if (protocol !== "http" && protocol !== "https" && protocol !== "tcp") {
    problems.push(`label berth.readiness.protocol: expected http, https, tcp or command, got ${JSON.stringify(protocol)}`);
    return base;
  }
  const port = portOf("berth.readiness");
  if (port === undefined) return base;
  const path = labels.get("berth.readiness.path") ?? "/";
  if (!path.startsWith("/")) problems.push(`label berth.readiness.path must start with "/", got ${JSON.stringify(path)}`);
  const probe: Probe = protocol === "tcp" ? { kind: "tcp", port } : { kind: "http", scheme: protocol, port, path };
  return { ...base, readiness: { ...timing, probe } };
}

function readGraceful(
  labels: ReadonlyMap<string, string>,
  problems: string[],
  number: (key: keyof typeof BERTH_LABELS, fallback: number) => number,
  portOf: (prefix: "berth.graceful") => number | undefined,
): GracefulHttpOptions | undefined {
  const path = labels.get("berth.graceful.path");
  const others = [...labels.keys()].filter((key) => key.startsWith("berth.graceful.") && key !== "berth.graceful.path");
  if (path === undefined) {
    if (others.length > 0) problems.push(`labels ${others.join(", ")} need berth.graceful.path`);
    return undefined;
  }
  const abortPath = labels.get("berth.graceful.abort-path");
  for (const [key, value] of [["berth.graceful.path", path], ["berth.graceful.abort-path", abortPath]] as const) {
    if (value !== undefined && !value.startsWith("/")) problems.push(`label ${key} must start with "/", got ${JSON.stringify(value)}`);
  }
  const port = portOf("berth.graceful");
  if (port === undefined) return undefined;
  return { port, path, ...(abortPath !== undefined ? { abortPath } : {}), waitMs: number("berth.graceful.wait-seconds", 5) * 1000 };
}

function readExecHooks(hookLabels: ReadonlyMap<string, ReadonlyMap<string, string>>, problems: string[]): ExecHookOptions[] {
  const hooks: ExecHookOptions[] = [];
  for (const [name, fields] of hookLabels) {
    const where = `labels berth.hook.${name}`;
    let argv: unknown;
    try {
      argv = JSON.parse(fields.get("exec") ?? "null");
    } catch {
      argv = undefined;
    }
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((word) => typeof word === "string")) {
      problems.push(`${where}.exec must be a JSON array of strings (program and arguments; no shell), e.g. ["/opt/hooks/warm-up", "--fast"]`);
      continue;
    }
    const phases = (fields.get("phases") ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
    const unknown = phases.filter((p) => !PHASES.includes(p as LifecyclePhase));
    if (phases.length === 0 || unknown.length > 0) {
      problems.push(`${where}.phases must list phases among ${PHASES.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}`);
      continue;
    }
    const timeoutText = fields.get("timeout-seconds");
    const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
      problems.push(`${where}.timeout-seconds must be a number > 0, got ${JSON.stringify(timeoutText)}`);
      continue;
    }
    const options: ExecHookOptions = {
      name,
      phases: phases as LifecyclePhase[],
      argv: argv as string[],
      ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
    };
    const invalid = validateExecHookOptions(options);
    if (invalid.length > 0) problems.push(...invalid.map((problem) => `${where}: ${problem}`));
    else hooks.push(options);
  }
  return hooks;
}
