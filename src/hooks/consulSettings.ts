// Agent-wide Consul settings from the executor's environment (set by the agent operator). Consul's own variables
// (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_CACERT, CONSUL_HTTP_SSL) mean what they mean to
// Consul's CLI. Registration itself is asked per task (label `consul`); every problem names its variable, and no
// message ever contains the token.
import { readFileSync } from "node:fs";
import { parseDuration } from "../time/duration.js";
import { CONSUL_CHECK_STATUSES, DEFAULT_CONSUL_ADDRESS, parseConsulAddress, type ConsulCheckStatus, type ConsulClientOptions } from "./consul/consulClient.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface ConsulSettings {
  /** BERTH_CONSUL_ENABLED: false ignores the `consul` label (the predecessor's CONSUL_HOOK_ENABLED). */
  readonly enabled: boolean;
  readonly agent: ConsulClientOptions;
  readonly globalTag: string;
  readonly initialStatus: ConsulCheckStatus;
  readonly leaveTimeoutMs: number;
  readonly deregisterCriticalServiceAfterMs?: number;
}

/** Every variable read here: [default, meaning] (README rows). */
export const CONSUL_VARIABLES = {
  CONSUL_HTTP_ADDR: [DEFAULT_CONSUL_ADDRESS, "the Consul agent: host:port, http://host:port, https://host:port or unix:///path"],
  CONSUL_HTTP_TOKEN: ["—", "ACL token for the agent (service:write, service:read); executor-only, never passed to tasks nor shown"],
  CONSUL_HTTP_TOKEN_FILE: ["—", "file holding the ACL token (when CONSUL_HTTP_TOKEN is not set)"],
  CONSUL_CACERT: ["system CAs", "PEM file of the CA(s) that verify an https Consul"],
  CONSUL_HTTP_SSL: ["false", "true: https for a CONSUL_HTTP_ADDR without a scheme"],
  BERTH_CONSUL_ENABLED: ["true", "false: ignore the consul label (no registration)"],
  BERTH_CONSUL_GLOBAL_TAG: ["marathon", "tag added to every registration (to find stale ones, e.g. with marathon-consul); empty: none"],
  BERTH_CONSUL_INITIAL_STATUS: ["passing", "status of the Consul check at registration: passing, warning or critical"],
  BERTH_CONSUL_LEAVE_TIMEOUT: ["20secs", "longest wait, before the stop signal, for the instance to leave Consul's passing set (stout duration; the preKill deadline also bounds it)"],
  BERTH_CONSUL_DEREGISTER_CRITICAL_AFTER: ["— (never)", "Consul removes an instance whose check stays critical this long (stout duration; cleans up after a lost executor)"],
} as const;

/** Variables that must never reach a task's environment (add them to the executor-only list). */
export const CONSUL_SECRET_VARIABLES: readonly string[] = ["CONSUL_HTTP_TOKEN"];

const DEFAULT_LEAVE_TIMEOUT_MS = 20_000;

function flag(env: Env, name: keyof typeof CONSUL_VARIABLES, fallback: boolean, problems: string[]): boolean {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  if (["1", "true", "yes", "on"].includes(text.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(text.toLowerCase())) return false;
  problems.push(`${name}: expected true or false, got ${JSON.stringify(text)}`);
  return fallback;
}

export function readConsulSettings(env: Env, problems: string[]): ConsulSettings {
  const duration = (name: "BERTH_CONSUL_LEAVE_TIMEOUT" | "BERTH_CONSUL_DEREGISTER_CRITICAL_AFTER"): number | undefined => {
    const text = env[name];
    if (text === undefined || text === "") return undefined;
    try {
      return parseDuration(text);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const enabled = flag(env, "BERTH_CONSUL_ENABLED", true, problems);
  const ssl = flag(env, "CONSUL_HTTP_SSL", false, problems);
  const address = env.CONSUL_HTTP_ADDR || DEFAULT_CONSUL_ADDRESS;
  try {
    parseConsulAddress(address, ssl);
  } catch (error) {
    problems.push(`CONSUL_HTTP_ADDR: ${(error as Error).message}`);
  }
  let token = env.CONSUL_HTTP_TOKEN || undefined;
  const tokenFile = env.CONSUL_HTTP_TOKEN_FILE;
  if (token === undefined && tokenFile) {
    try {
      token = readFileSync(tokenFile, "utf8").trim() || undefined;
      if (token === undefined) problems.push(`CONSUL_HTTP_TOKEN_FILE: ${JSON.stringify(tokenFile)} is empty`);
    } catch (error) {
      // The error names the file and the errno, never its content.
      problems.push(`CONSUL_HTTP_TOKEN_FILE: cannot read ${JSON.stringify(tokenFile)} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  let ca: string | undefined;
  const caFile = env.CONSUL_CACERT;
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
        problems.push(`CONSUL_CACERT: ${JSON.stringify(caFile)} holds no PEM certificate`);
        ca = undefined;
      }
    } catch (error) {
      problems.push(`CONSUL_CACERT: cannot read ${JSON.stringify(caFile)} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  const statusText = env.BERTH_CONSUL_INITIAL_STATUS || "passing";
  let initialStatus: ConsulCheckStatus = "passing";
  if (CONSUL_CHECK_STATUSES.includes(statusText as ConsulCheckStatus)) initialStatus = statusText as ConsulCheckStatus;
  else problems.push(`BERTH_CONSUL_INITIAL_STATUS: expected passing, warning or critical, got ${JSON.stringify(statusText)}`);
  const leaveTimeoutMs = duration("BERTH_CONSUL_LEAVE_TIMEOUT") ?? DEFAULT_LEAVE_TIMEOUT_MS;
  const deregisterCriticalServiceAfterMs = duration("BERTH_CONSUL_DEREGISTER_CRITICAL_AFTER");
  if (deregisterCriticalServiceAfterMs !== undefined && deregisterCriticalServiceAfterMs < 1000) {
    problems.push("BERTH_CONSUL_DEREGISTER_CRITICAL_AFTER: Consul needs at least 1secs (it reaps every 30 s or so anyway)");
  }
  const agent: ConsulClientOptions = { address, ssl, ...(token !== undefined ? { token } : {}), ...(ca !== undefined ? { ca } : {}) };
  return {
    enabled,
    agent,
    globalTag: env.BERTH_CONSUL_GLOBAL_TAG ?? "marathon",
    initialStatus,
    leaveTimeoutMs,
    ...(deregisterCriticalServiceAfterMs !== undefined && deregisterCriticalServiceAfterMs >= 1000 ? { deregisterCriticalServiceAfterMs } : {}),
  };
}
