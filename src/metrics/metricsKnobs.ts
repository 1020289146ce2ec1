// The metrics' settings (read by metricsSettings.ts), for `berth executor` and `berth run` alike; neither endpoint
// nor push by default.
import type { EnvKnob } from "../knob.js";

const both = { setBy: "operator", appliesTo: ["executor", "run"] } as const;

export const METRICS_ENV = {
  BERTH_METRICS_LISTEN: {
    ...both,
    type: "address",
    defaultText: "off",
    description:
      "`HOST:PORT` of a Prometheus endpoint, `GET /metrics` (port `0`: any free port, logged as `msg=\"serving metrics\"`). A port in use is logged at error level and the task runs without metrics.",
  },
  BERTH_METRICS_PUSH: {
    ...both,
    type: "url",
    defaultText: "off",
    description: "`statsd://HOST:PORT` (UDP gauges) or `graphite://HOST:PORT` (plaintext over TCP), pushed at the interval and once more as Berth exits.",
  },
  BERTH_METRICS_PUSH_INTERVAL: { ...both, type: "duration", default: "60secs", description: "The push interval (at least `1secs`)." },
  BERTH_METRICS_PREFIX: {
    ...both,
    type: "name",
    default: "berth",
    description: "First component of pushed paths: `PREFIX.METRIC.LABEL.VALUE…` (label names sorted; characters outside `[A-Za-z0-9_-]` become `_`).",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

export type MetricsVariable = keyof typeof METRICS_ENV;
