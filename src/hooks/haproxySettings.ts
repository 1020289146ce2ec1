// Agent-wide HAProxy settings from the executor's environment (set by the agent operator). Without
// BERTH_HAPROXY_SOCKET the integration is off; a task asking for a backend then is a problem (see haproxyLabels.ts).
import { parseDuration } from "../time/duration.js";
import { HAPROXY_ENV, type HaproxyVariable } from "./haproxyKnobs.js";
import { parseRuntimeApiAddress, type RuntimeApiAddress } from "./haproxy/runtimeApi.js";

export interface HaproxySettings {
  /** Where HAProxy's Runtime API listens; undefined: the integration is off. */
  socket?: RuntimeApiAddress;
  /** How often a registered server is looked for (and added again when a reload dropped it). */
  recheckIntervalMs: number;
  /** Longest wait for a draining server's sessions to end, when the task does not set its own. */
  drainTimeoutMs: number;
}

/** The defaults of the declarations (haproxyKnobs.ts), in ms. */
export const DEFAULT_RECHECK_INTERVAL_MS = parseDuration(HAPROXY_ENV.BERTH_HAPROXY_RECHECK_INTERVAL.default);
export const DEFAULT_DRAIN_TIMEOUT_MS = parseDuration(HAPROXY_ENV.BERTH_HAPROXY_DRAIN_TIMEOUT.default);

export function readHaproxySettings(env: Readonly<Record<string, string | undefined>>, problems: string[]): HaproxySettings {
  const duration = (name: HaproxyVariable, fallback: number, min: number): number => {
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
