// Mesos HealthCheck / CheckInfo (and Marathon's MESOS_HTTP, MESOS_HTTPS, MESOS_TCP, COMMAND health checks, which
// arrive as TaskInfo.health_check) → the core's check specs. Validation follows Mesos (type plus its field,
// non-negative numbers, scheme http|https, path starting with "/"); every problem is reported.
import { MESOS_CHECK_DEFAULTS, MESOS_HEALTH_DEFAULTS, validateCheckSpec, type CheckSpec, type HealthCheckSpec, type Probe } from "../core/health/index.js";
import type { CommandSpec } from "../core/taskSpec.js";
import { addCommandVariables } from "./commandVariables.js";
import type { CheckInfo, CommandInfo, HealthCheck } from "./types.js";

export interface CheckContext {
  /** Environment of COMMAND checks before the check's own CommandInfo.environment (the task's environment). */
  env: Readonly<Record<string, string>>;
  cwd: string;
  user?: string;
}

const seconds = (value: number | undefined, fallbackMs: number): number => (value === undefined ? fallbackMs : value * 1000);

function commandProbe(info: CommandInfo | undefined, where: string, context: CheckContext, problems: string[]): Probe | undefined {
  if (!info) {
    problems.push(`${where}: a COMMAND check needs a command`);
    return undefined;
  }
  let command: CommandSpec;
  if (info.shell ?? true) {
    if (!info.value) {
      problems.push(`${where}.value is empty`);
      return undefined;
    }
    command = { kind: "shell", script: info.value };
  } else {
    if (!info.value) {
      problems.push(`${where}.value is empty: shell=false needs the executable`);
      return undefined;
    }
    command = { kind: "argv", file: info.value, args: (info.arguments ?? []).slice(1) };
  }
  // execve takes C strings: a NUL byte would make every run of the check throw instead of running it.
  for (const [at, value] of [[`${where}.value`, info.value], [`${where}.user`, info.user], ...(info.arguments ?? []).map((arg, i) => [`${where}.arguments[${i}]`, arg])]) {
    if (value?.includes("\0")) problems.push(`${at} contains a NUL byte`);
  }
  const env = { ...context.env };
  addCommandVariables(env, info.environment?.variables ?? [], `${where}.environment.variables`, problems);
  const user = info.user ?? context.user;
  return { kind: "command", command, env, cwd: context.cwd, ...(user ? { user } : {}) };
}

function httpProbe(http: { port: number; path?: string; scheme?: string } | undefined, where: string, problems: string[]): Probe | undefined {
  if (!http) {
    problems.push(`${where}: an HTTP check needs http.port`);
    return undefined;
  }
  const scheme = http.scheme ?? "http";
  if (scheme !== "http" && scheme !== "https") {
    problems.push(`${where}.scheme must be "http" or "https", got ${JSON.stringify(scheme)}`);
    return undefined;
  }
  return { kind: "http", scheme, port: http.port, path: http.path ?? "/" };
}

function probeOf(
  check: { type?: string; http?: { port: number; path?: string; scheme?: string }; tcp?: { port: number } },
  command: CommandInfo | undefined,
  where: string,
  context: CheckContext,
  problems: string[],
): Probe | undefined {
  switch (check.type) {
    case "COMMAND":
      return commandProbe(command, `${where}.command`, context, problems);
    case "HTTP":
      return httpProbe(check.http, `${where}.http`, problems);
    case "TCP":
      if (!check.tcp) {
        problems.push(`${where}: a TCP check needs tcp.port`);
        return undefined;
      }
      return { kind: "tcp", port: check.tcp.port };
    default:
      problems.push(`${where}.type must be COMMAND, HTTP or TCP, got ${check.type === undefined ? "nothing" : JSON.stringify(check.type)}`);
      return undefined;
  }
}

/** Mesos validation: the time fields of a check must not be negative. */
function requireNonNegative<T extends object>(where: string, check: T, fields: readonly (keyof T & string)[], problems: string[]): void {
  for (const field of fields) {
    const value = check[field];
    if (typeof value === "number" && !(value >= 0)) problems.push(`${where}.${field} must be >= 0, got ${value}`);
  }
}

/** The spec if the core accepts it, else undefined with its problems recorded. */
function validated<T extends HealthCheckSpec | CheckSpec>(where: string, spec: T, problems: string[]): T | undefined {
  const invalid = prefixed(where, validateCheckSpec(spec));
  problems.push(...invalid);
  return invalid.length === 0 ? spec : undefined;
}

function prefixed(where: string, list: readonly string[]): string[] {
  return list.map((problem) => `${where}: ${problem}`);
}

export function healthCheckToSpec(check: HealthCheck, context: CheckContext, problems: string[]): HealthCheckSpec | undefined {
  const where = "TaskInfo.health_check";
  const before = problems.length;
  const probe = probeOf(check, check.command, where, context, problems);
  requireNonNegative(where, check, ["delay_seconds", "interval_seconds", "timeout_seconds", "grace_period_seconds"], problems);
  if (!probe || problems.length > before) return undefined;
  return validated(where, {
    probe,
    delayMs: seconds(check.delay_seconds, MESOS_HEALTH_DEFAULTS.delayMs),
    intervalMs: seconds(check.interval_seconds, MESOS_HEALTH_DEFAULTS.intervalMs),
    timeoutMs: seconds(check.timeout_seconds, MESOS_HEALTH_DEFAULTS.timeoutMs),
    consecutiveFailures: check.consecutive_failures ?? MESOS_HEALTH_DEFAULTS.consecutiveFailures,
    gracePeriodMs: seconds(check.grace_period_seconds, MESOS_HEALTH_DEFAULTS.gracePeriodMs),
  }, problems);
}

export function checkInfoToSpec(check: CheckInfo, context: CheckContext, problems: string[]): CheckSpec | undefined {
  const where = "TaskInfo.check";
  const before = problems.length;
  const probe = probeOf(check, check.command?.command, where, context, problems);
  requireNonNegative(where, check, ["delay_seconds", "interval_seconds", "timeout_seconds"], problems);
  if (!probe || problems.length > before) return undefined;
  return validated(where, {
    probe,
    delayMs: seconds(check.delay_seconds, MESOS_CHECK_DEFAULTS.delayMs),
    intervalMs: seconds(check.interval_seconds, MESOS_CHECK_DEFAULTS.intervalMs),
    timeoutMs: seconds(check.timeout_seconds, MESOS_CHECK_DEFAULTS.timeoutMs),
  }, problems);
}
