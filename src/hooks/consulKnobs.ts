// Consul's agent-wide settings (read by consulSettings.ts). Consul's own variables mean what they mean to Consul's
// CLI; BERTH_CONSUL_* are Berth's.
import type { EnvKnob } from "../knob.js";

const both = { setBy: "operator", appliesTo: ["executor", "run"] } as const;

export const CONSUL_ENV = {
  CONSUL_HTTP_ADDR: {
    ...both,
    type: "address",
    default: "127.0.0.1:8500",
    description: "The Consul agent: `host:port`, `http://host:port`, `https://host:port` or `unix:///path`.",
  },
  CONSUL_HTTP_TOKEN: {
    ...both,
    type: "string",
    secret: true,
    description: "ACL token for the Consul agent (service:write, service:read); Berth's own credential, never passed to tasks nor shown.",
  },
  CONSUL_HTTP_TOKEN_FILE: { ...both, type: "path", description: "A file holding the ACL token, when `CONSUL_HTTP_TOKEN` is not set." },
  CONSUL_CACERT: { ...both, type: "path", defaultText: "the system's CAs", description: "PEM file of the CA(s) that verify an https Consul." },
  CONSUL_HTTP_SSL: { ...both, type: "boolean", default: false, description: "`true`: https for a `CONSUL_HTTP_ADDR` without a scheme." },
  BERTH_CONSUL_ENABLED: {
    setBy: "operator",
    appliesTo: ["executor"],
    type: "boolean",
    default: true,
    description: "`false` ignores the `consul` label: no registration.",
  },
  BERTH_CONSUL_GLOBAL_TAG: {
    ...both,
    type: "string",
    default: "marathon",
    description: "The tag on every registration (to find stale ones, e.g. with marathon-consul); empty: none.",
  },
  BERTH_CONSUL_INITIAL_STATUS: {
    // berth run registers no Consul check: only the executor's registrations (from a health check) have one.
    setBy: "operator",
    appliesTo: ["executor"],
    type: "enum",
    values: ["passing", "warning", "critical"],
    default: "passing",
    description: "The status of the Consul check (made from the task's health check) at registration.",
  },
  BERTH_CONSUL_LEAVE_TIMEOUT: {
    ...both,
    type: "duration",
    default: "20secs",
    description: "In preKill, the longest wait for the instance to leave Consul's passing set (the preKill deadline bounds it too).",
  },
  BERTH_CONSUL_DEREGISTER_CRITICAL_AFTER: {
    setBy: "operator",
    appliesTo: ["executor"],
    type: "duration",
    defaultText: "never",
    description: "Consul removes an instance whose check stays critical this long (cleans up after a lost executor); at least `1secs`.",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

export type ConsulVariable = keyof typeof CONSUL_ENV;
