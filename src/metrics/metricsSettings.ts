// Metrics settings from the environment: a Prometheus endpoint to scrape, a push to StatsD or Graphite, or both;
// neither by default.
import { parseDuration } from "../time/duration.js";
import { METRICS_ENV, type MetricsVariable } from "./metricsKnobs.js";

export interface MetricsSettings {
  /** host:port of the Prometheus text endpoint (port 0: any free port, logged). */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly push?: { readonly protocol: "statsd" | "graphite"; readonly host: string; readonly port: number };
  readonly pushIntervalMs: number;
  /** First component of every pushed metric's path. */
  readonly prefix: string;
}

/** The variables, declared in metricsKnobs.ts. */
export const METRICS_VARIABLES = {
  listen: "BERTH_METRICS_LISTEN",
  push: "BERTH_METRICS_PUSH",
  pushInterval: "BERTH_METRICS_PUSH_INTERVAL",
  prefix: "BERTH_METRICS_PREFIX",
} as const satisfies Readonly<Record<string, MetricsVariable>>;

export const DEFAULT_PUSH_INTERVAL_MS = parseDuration(METRICS_ENV.BERTH_METRICS_PUSH_INTERVAL.default);
export const DEFAULT_METRICS_PREFIX: string = METRICS_ENV.BERTH_METRICS_PREFIX.default;

/** Parses the metrics variables; every problem names its variable (the caller reports them together). */
export function readMetricsSettings(env: Readonly<Record<string, string | undefined>>, problems: string[]): MetricsSettings | undefined {
  const listenValue = env[METRICS_VARIABLES.listen];
  const pushValue = env[METRICS_VARIABLES.push];
  if (!listenValue && !pushValue) return undefined;
  let listen: MetricsSettings["listen"];
  if (listenValue) {
    const parsed = hostPort(listenValue, true);
    if (typeof parsed === "string") problems.push(`${METRICS_VARIABLES.listen}: ${parsed} (got ${JSON.stringify(listenValue)})`);
    else listen = parsed;
  }
  let push: MetricsSettings["push"];
  if (pushValue) {
    const match = /^(statsd|graphite):\/\/(.+)$/.exec(pushValue);
    const parsed = match ? hostPort(match[2]!, false) : "expected statsd://HOST:PORT or graphite://HOST:PORT";
    if (typeof parsed === "string") problems.push(`${METRICS_VARIABLES.push}: ${parsed} (got ${JSON.stringify(pushValue)})`);
    else push = { protocol: match![1] as "statsd" | "graphite", ...parsed };
  }
  let pushIntervalMs = DEFAULT_PUSH_INTERVAL_MS;
  const intervalValue = env[METRICS_VARIABLES.pushInterval];
  if (intervalValue) {
    try {
      pushIntervalMs = parseDuration(intervalValue);
      if (!(pushIntervalMs >= 1_000)) problems.push(`${METRICS_VARIABLES.pushInterval}: must be at least 1secs (got ${JSON.stringify(intervalValue)})`);
    } catch (error) {
      problems.push(`${METRICS_VARIABLES.pushInterval}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const prefix = env[METRICS_VARIABLES.prefix] || DEFAULT_METRICS_PREFIX;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) {
    problems.push(`${METRICS_VARIABLES.prefix}: dot-separated words of letters, digits, "_" and "-" (got ${JSON.stringify(prefix)})`);
  }
  return { ...(listen ? { listen } : {}), ...(push ? { push } : {}), pushIntervalMs, prefix };
}

function hostPort(value: string, portZeroAllowed: boolean): { host: string; port: number } | string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+):(\d{1,5})$/.exec(value);
  if (!match) return "expected HOST:PORT";
  const port = Number(match[2]);
  if (port > 65_535 || (port === 0 && !portZeroAllowed)) return `port out of range`;
  return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}
