// HAProxy's agent-wide settings (read by haproxySettings.ts), for `berth executor` and `berth run`.
import type { EnvKnob } from "../knob.js";

const both = { setBy: "operator", appliesTo: ["executor", "run"] } as const;

export const HAPROXY_ENV = {
  BERTH_HAPROXY_SOCKET: {
    ...both,
    type: "address",
    defaultText: "none: HAProxy registration is off",
    description:
      "HAProxy's Runtime API at `level admin`: an absolute unix socket path or `host:port`. Unset, a task asking for HAProxy gets `TASK_ERROR` (`berth run`: a config error).",
  },
  BERTH_HAPROXY_RECHECK_INTERVAL: {
    ...both,
    type: "duration",
    default: "5secs",
    description: "How often a registered server is looked for, and added again when a reload of HAProxy dropped it; at least `100ms`.",
  },
  BERTH_HAPROXY_DRAIN_TIMEOUT: {
    ...both,
    type: "duration",
    default: "30secs",
    description: "The longest wait for a draining server's sessions to reach 0, unless the task sets its own (`berth.haproxy.drain-timeout-seconds`).",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

export type HaproxyVariable = keyof typeof HAPROXY_ENV;
