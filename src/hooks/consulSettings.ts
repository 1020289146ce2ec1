// Agent-wide Consul settings from the executor's environment (set by the agent operator). Consul's own variables
// (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_CACERT, CONSUL_HTTP_SSL) mean what they mean to
// Consul's CLI. Registration itself is asked per task (label `consul`); every problem names its variable, and no
// message ever contains the token.
import { readFileSync } from "node:fs";
import { parseDuration } from "../time/duration.js";
import { CONSUL_ENV, type ConsulVariable } from "./consulKnobs.js";
import { CONSUL_CHECK_STATUSES, parseConsulAddress, type ConsulCheckStatus, type ConsulClientOptions } from "./consul/consulClient.js";

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

const DEFAULT_LEAVE_TIMEOUT_MS = parseDuration(CONSUL_ENV.BERTH_CONSUL_LEAVE_TIMEOUT.default);

function flag(env: Env, name: ConsulVariable, fallback: boolean, problems: string[]): boolean {
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
  const enabled = flag(env, "BERTH_CONSUL_ENABLED", CONSUL_ENV.BERTH_CONSUL_ENABLED.default, problems);
  const ssl = flag(env, "CONSUL_HTTP_SSL", CONSUL_ENV.CONSUL_HTTP_SSL.default, problems);
  const address = env.CONSUL_HTTP_ADDR || CONSUL_ENV.CONSUL_HTTP_ADDR.default;
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
  const statusText = env.BERTH_CONSUL_INITIAL_STATUS || CONSUL_ENV.BERTH_CONSUL_INITIAL_STATUS.default;
  let initialStatus: ConsulCheckStatus = CONSUL_ENV.BERTH_CONSUL_INITIAL_STATUS.default;
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
    globalTag: env.BERTH_CONSUL_GLOBAL_TAG ?? CONSUL_ENV.BERTH_CONSUL_GLOBAL_TAG.default,
    initialStatus,
    leaveTimeoutMs,
    ...(deregisterCriticalServiceAfterMs !== undefined && deregisterCriticalServiceAfterMs >= 1000 ? { deregisterCriticalServiceAfterMs } : {}),
  };
}
