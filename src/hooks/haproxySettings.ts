// Agent-wide HAProxy settings from the executor's environment (set by the agent operator). Without
// BERTH_HAPROXY_SOCKET the integration is off; a task asking for a backend then is a problem (see haproxyLabels.ts).
import { parseDuration } from "../time/duration.js";
import { parseRuntimeApiAddress, type RuntimeApiAddress } from "./haproxy/runtimeApi.js";

export interface HaproxySettings {
  /** Where HAProxy's Runtime API listens; undefined: the integration is off. */
  socket?: RuntimeApiAddress;
  /** How often a registered server is looked for (and added again when a reload dropped it). */
  recheckIntervalMs: number;
  /** Longest wait for a draining server's sessions to end, when the task does not set its own. */
  drainTimeoutMs: number;
}

export const HAPROXY_SETTINGS = {
  BERTH_HAPROXY_SOCKET: "HAProxy Runtime API: a unix socket path or host:port, at \"level admin\" (no default: HAProxy registration is off)",
  BERTH_HAPROXY_RECHECK_INTERVAL: "how often a registered server is checked and re-added when HAProxy lost it on reload (stout duration, default 5secs)",
  BERTH_HAPROXY_DRAIN_TIMEOUT: "longest wait for a draining server's sessions to reach 0 (stout duration, default 30secs; label berth.haproxy.drain-timeout-seconds overrides)",
} as const;

export const DEFAULT_RECHECK_INTERVAL_MS = 5_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export function readHaproxySettings(env: Readonly<Record<string, string | undefined>>, problems: string[]): HaproxySettings {
  const duration = (name: keyof typeof HAPROXY_SETTINGS, fallback: number, min: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    try {
      const ms = parseDuration(text);
      if (ms < min) {
        problems.push(`${name}: ${JSON.stringify(text)} is shorter than ${min} ms`);
        return fallback;
      }
      return ms;
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return fallback;
    }
  };
  const settings: HaproxySettings = {
    recheckIntervalMs: duration("BERTH_HAPROXY_RECHECK_INTERVAL", DEFAULT_RECHECK_INTERVAL_MS, 100),
    drainTimeoutMs: duration("BERTH_HAPROXY_DRAIN_TIMEOUT", DEFAULT_DRAIN_TIMEOUT_MS, 0),
  };
  const socketText = env.BERTH_HAPROXY_SOCKET;
  if (socketText !== undefined && socketText.trim() !== "") {
    const socket = parseRuntimeApiAddress(socketText);
    if (socket) settings.socket = socket;
    else problems.push(`BERTH_HAPROXY_SOCKET: ${JSON.stringify(socketText)} is neither an absolute unix socket path nor host:port`);
  }
  return settings;
}
