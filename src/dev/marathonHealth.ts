// Marathon's `healthChecks` → the one Mesos HealthCheck Marathon puts in TaskInfo.health_check. Only the Mesos
// protocols (MESOS_HTTP, MESOS_HTTPS, MESOS_TCP, COMMAND) reach an executor; HTTP, HTTPS and TCP are performed by
// Marathon itself from its own host, so under `berth dev` they are named in a warning and not performed.
// Defaults are Marathon's (not Mesos'): grace 300 s, interval 60 s, timeout 20 s, 3 failures, delay 15 s, port index 0.
import type { HealthCheck } from "../mesos/types.js";

export const MARATHON_HEALTH_DEFAULTS = {
  gracePeriodSeconds: 300,
  intervalSeconds: 60,
  timeoutSeconds: 20,
  maxConsecutiveFailures: 3,
  delaySeconds: 15,
  portIndex: 0,
} as const;

export type HealthProtocol = "HTTP" | "HTTPS" | "TCP" | "COMMAND" | "MESOS_HTTP" | "MESOS_HTTPS" | "MESOS_TCP";
export const HEALTH_PROTOCOLS: readonly HealthProtocol[] = ["HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"];
export const HEALTH_CHECK_FIELDS = [
  "protocol",
  "command",
  "path",
  "port",
  "portIndex",
  "gracePeriodSeconds",
  "intervalSeconds",
  "timeoutSeconds",
  "maxConsecutiveFailures",
  "delaySeconds",
  "ignoreHttp1xx",
  "ipProtocol",
] as const;

/** A health check as validated by the app schema (Marathon's AppHealthCheck). */
export interface MarathonHealthCheck {
  protocol?: HealthProtocol | undefined;
  command?: { value: string } | undefined;
  path?: string | undefined;
  port?: number | undefined;
  portIndex?: number | undefined;
  gracePeriodSeconds?: number | undefined;
  intervalSeconds?: number | undefined;
  timeoutSeconds?: number | undefined;
  maxConsecutiveFailures?: number | undefined;
  delaySeconds?: number | undefined;
  ignoreHttp1xx?: boolean | undefined;
  ipProtocol?: "IPv4" | "IPv6" | undefined;
}

export interface HealthCheckPlan {
  /** The Mesos health check Marathon would send, if the app has one of the Mesos protocols. */
  readonly mesos?: HealthCheck;
  /** A one-line description for the timeline, e.g. "MESOS_HTTP GET :31000/health, first after 15s, every 60s". */
  readonly summary?: string;
  readonly warnings: readonly string[];
  readonly problems: readonly string[];
}

const isMesos = (protocol: HealthProtocol): boolean => protocol === "COMMAND" || protocol.startsWith("MESOS_");

/** The Mesos HealthCheck for `checks`, given the task's host ports (in portDefinitions order). */
export function planHealthCheck(checks: readonly MarathonHealthCheck[], hostPorts: readonly number[]): HealthCheckPlan {
  const warnings: string[] = [];
  const problems: string[] = [];
  let mesos: HealthCheck | undefined;
  let summary: string | undefined;
  const mesosIndexes = checks.flatMap((check, i) => (isMesos(check.protocol ?? "HTTP") ? [i] : []));
  if (mesosIndexes.length > 1) {
    // Marathon's own rule: TaskInfo has room for one health check.
    problems.push(`healthChecks: at most one Mesos health check (MESOS_HTTP, MESOS_HTTPS, MESOS_TCP, COMMAND) per app, got ${mesosIndexes.length} (at ${mesosIndexes.join(", ")})`);
  }
  checks.forEach((check, i) => {
    const where = `healthChecks.${i}`;
    const protocol = check.protocol ?? "HTTP";
    if (!isMesos(protocol)) {
      const instead = protocol === "TCP" ? "MESOS_TCP" : `MESOS_${protocol}`;
      warnings.push(
        `${where}: protocol ${protocol}${check.protocol === undefined ? " (Marathon's default)" : ""} is a Marathon-level check, performed by Marathon from its own host; it never reaches the executor, so berth dev does not perform it. Use ${instead} to have the executor (Berth) check the task`,
      );
      return;
    }
    const before = problems.length;
    if (check.ignoreHttp1xx !== undefined) warnings.push(`${where}.ignoreHttp1xx applies to Marathon-level HTTP checks only; ignored`);
    if (check.ipProtocol === "IPv6") warnings.push(`${where}.ipProtocol IPv6: berth dev's task listens on this machine; the check goes to 127.0.0.1`);
    let port: number | undefined;
    if (protocol === "COMMAND") {
      if (!check.command) problems.push(`${where}: protocol COMMAND needs command.value`);
      for (const field of ["path", "port", "portIndex"] as const) {
        if (check[field] !== undefined) problems.push(`${where}.${field} does not apply to protocol COMMAND`);
      }
    } else {
      if (check.command) problems.push(`${where}.command applies to protocol COMMAND only`);
      if (protocol === "MESOS_TCP" && check.path !== undefined) problems.push(`${where}.path does not apply to protocol MESOS_TCP`);
      if (check.port !== undefined && check.portIndex !== undefined) problems.push(`${where}: set port or portIndex, not both`);
      if (check.port !== undefined) port = check.port;
      else {
        const index = check.portIndex ?? MARATHON_HEALTH_DEFAULTS.portIndex;
        port = hostPorts[index];
        if (port === undefined) problems.push(`${where}.portIndex ${index}: the app has ${hostPorts.length} port(s) (portDefinitions)`);
      }
    }
    if (problems.length > before || mesos) return;
    const timing = {
      delay_seconds: check.delaySeconds ?? MARATHON_HEALTH_DEFAULTS.delaySeconds,
      interval_seconds: check.intervalSeconds ?? MARATHON_HEALTH_DEFAULTS.intervalSeconds,
      timeout_seconds: check.timeoutSeconds ?? MARATHON_HEALTH_DEFAULTS.timeoutSeconds,
      consecutive_failures: check.maxConsecutiveFailures ?? MARATHON_HEALTH_DEFAULTS.maxConsecutiveFailures,
      grace_period_seconds: check.gracePeriodSeconds ?? MARATHON_HEALTH_DEFAULTS.gracePeriodSeconds,
    };
    if (timing.consecutive_failures === 0) {
      warnings.push(`${where}.maxConsecutiveFailures 0 means "never kill" for Marathon-level checks only; a Mesos check (and so Berth) kills at the first failure after the grace period`);
    }
    let what: string;
    if (protocol === "COMMAND") {
      mesos = { type: "COMMAND", command: { shell: true, value: check.command!.value }, ...timing };
      what = `COMMAND ${JSON.stringify(check.command!.value)}`;
    } else if (protocol === "MESOS_TCP") {
      mesos = { type: "TCP", tcp: { port: port! }, ...timing };
      what = `MESOS_TCP :${port}`;
    } else {
      const scheme = protocol === "MESOS_HTTPS" ? "https" : "http";
      // Marathon sets the path only when given; the executor then uses Mesos' default, "/".
      mesos = { type: "HTTP", http: { scheme, port: port!, ...(check.path !== undefined ? { path: check.path } : {}) }, ...timing };
      what = `${protocol} GET ${scheme}://127.0.0.1:${port}${check.path ?? "/"}`;
    }
    summary =
      `${what}, first after ${timing.delay_seconds}s, every ${timing.interval_seconds}s, timeout ${timing.timeout_seconds}s, ` +
      `killed after ${timing.consecutive_failures} failure(s) past a ${timing.grace_period_seconds}s grace period`;
  });
  return { ...(mesos ? { mesos } : {}), ...(summary ? { summary } : {}), warnings, problems };
}
