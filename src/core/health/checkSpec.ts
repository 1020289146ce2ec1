// What a health check, a readiness check or a generalized check runs and how often, free of any Mesos type: the
// Mesos front end converts HealthCheck / CheckInfo protos into these, `berth run` its config file.
import type { CommandSpec } from "../taskSpec.js";

/** One way to look at a task. Network probes default to 127.0.0.1: the task's own listener (as Mesos does). */
export type Probe =
  | {
      readonly kind: "command";
      readonly command: CommandSpec;
      /** The complete environment of the check command (nothing is inherited). */
      readonly env: Readonly<Record<string, string>>;
      readonly cwd: string;
      readonly user?: string;
    }
  | { readonly kind: "http"; readonly scheme: "http" | "https"; readonly port: number; readonly path: string; readonly host?: string }
  | { readonly kind: "tcp"; readonly port: number; readonly host?: string };

export type ProbeKind = Probe["kind"];

/** Mesos HealthCheck semantics (src/checks/health_checker.cpp). Times in ms. */
export interface HealthCheckSpec {
  readonly probe: Probe;
  /** From the checker's start to the first run. */
  readonly delayMs: number;
  /** From one run's result to the next run (not fixed-rate). */
  readonly intervalMs: number;
  /** A run that takes longer fails (a command's process group is SIGKILLed); 0 = no timeout. */
  readonly timeoutMs: number;
  /** Failures in a row (after the grace period) that make the task get killed. */
  readonly consecutiveFailures: number;
  /** Failures before the first success are ignored while the checker has been running for at most this long. */
  readonly gracePeriodMs: number;
}

/** Mesos CheckInfo (generalized check): same scheduling, no health semantics. */
export interface CheckSpec {
  readonly probe: Probe;
  readonly delayMs: number;
  readonly intervalMs: number;
  /** 0 = no timeout. */
  readonly timeoutMs: number;
}

/** Mesos' defaults for HealthCheck (docs/health-checks.md). */
export const MESOS_HEALTH_DEFAULTS = {
  delayMs: 15_000,
  intervalMs: 10_000,
  timeoutMs: 20_000,
  consecutiveFailures: 3,
  gracePeriodMs: 10_000,
} as const;

/** Mesos' defaults for CheckInfo. */
export const MESOS_CHECK_DEFAULTS = { delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000 } as const;

/**
 * What one run observed, shaped like Mesos' CheckStatusInfo: a field is absent when the run could not observe it
 * (timeout, connection refused for HTTP, death by signal, nothing executed) — Mesos' "empty" status of that type.
 */
export type CheckStatus =
  | { readonly kind: "command"; readonly exitCode?: number }
  | { readonly kind: "http"; readonly statusCode?: number }
  | { readonly kind: "tcp"; readonly succeeded?: boolean };

export interface ProbeResult {
  /** Health semantics: exit 0 / 200 <= status < 400 after redirects / connected. */
  readonly ok: boolean;
  /** For operators: "HTTP GET http://127.0.0.1:8080/health returned 503", "command exited with status 1". */
  readonly message: string;
  readonly detail: CheckStatus;
  /** The end of a command probe's output (stdout and stderr), which may help explain a failure. Never in `message`. */
  readonly output?: string;
}
