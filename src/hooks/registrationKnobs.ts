// The address registrations announce (Consul, HAProxy), read by `berth executor` (mesos/executorConfig.ts) and
// `berth run` (run/runConfig.ts) alike: declared here, below both, with its one check.
import { isIP } from "node:net";
import type { EnvKnob } from "../knob.js";

/** `berth run`'s default: it has no agent endpoint to take the host from. */
export const RUN_ADVERTISE_ADDRESS = "127.0.0.1";

export const REGISTRATION_ENV = {
  BERTH_ADVERTISE_ADDRESS: {
    setBy: "operator",
    appliesTo: ["executor", "run"],
    type: "host",
    defaultText: `the host of the agent endpoint (\`berth run\`: \`${RUN_ADVERTISE_ADDRESS}\`)`,
    description: "Host name or IP address other hosts use to reach this host's tasks: what registrations (Consul, HAProxy) announce.",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

/** BERTH_ADVERTISE_ADDRESS, a bare host (registrations add the task's port); `fallback` when unset or empty. */
export function readAdvertiseAddress(env: Readonly<Record<string, string | undefined>>, fallback: string, problems: string[]): string {
  const text = env.BERTH_ADVERTISE_ADDRESS;
  if (text !== undefined && isIP(text) === 0 && !/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$/.test(text)) {
    problems.push(`BERTH_ADVERTISE_ADDRESS: expected a host name or an IP address (no scheme, no port), got ${JSON.stringify(text.slice(0, 100))}`);
  }
  return text || fallback;
}
