// How a probe and its results are described to operators, shared by the probes and the checkers.
import type { CheckStatus, Probe, ProbeKind, ProbeResult } from "./checkSpec.js";

/** The default target of network probes: the task's own loopback listener (Mesos uses 127.0.0.1, not localhost). */
export const DEFAULT_PROBE_HOST = "127.0.0.1";

/** host:port, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export function probeUrl(probe: Extract<Probe, { kind: "http" }>): string {
  return `${probe.scheme}://${hostPort(probe.host ?? DEFAULT_PROBE_HOST, probe.port)}${probe.path}`;
}

/** "command", "HTTP GET http://127.0.0.1:8080/health", "TCP connect to 127.0.0.1:8080". */
export function describeProbe(probe: Probe): string {
  switch (probe.kind) {
    case "command":
      return "command";
    case "http":
      return `HTTP GET ${probeUrl(probe)}`;
    case "tcp":
      return `TCP connect to ${hostPort(probe.host ?? DEFAULT_PROBE_HOST, probe.port)}`;
  }
}

/** Mesos' empty CheckStatusInfo of a type: the run observed nothing. */
export function emptyStatus(kind: ProbeKind): CheckStatus {
  return { kind };
}

export function timeoutResult(probe: Probe, timeoutMs: number): ProbeResult {
  return { ok: false, message: `${describeProbe(probe)} timed out after ${timeoutMs} ms`, detail: emptyStatus(probe.kind) };
}

/** A run that failed in an unexpected way (a bug or an environment problem rather than an answer from the task). */
export function errorResult(probe: Probe, error: unknown): ProbeResult {
  const reason = error instanceof Error ? error.message : String(error);
  return { ok: false, message: `${describeProbe(probe)} failed: ${reason}`, detail: emptyStatus(probe.kind) };
}

/** Words for the errno of a failed connection. */
export function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known: Readonly<Record<string, string>> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset by peer",
    ETIMEDOUT: "connection timed out",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    EADDRNOTAVAIL: "address not available",
  };
  if (code !== undefined && known[code] !== undefined) return known[code];
  return error instanceof Error ? error.message : String(error);
}
