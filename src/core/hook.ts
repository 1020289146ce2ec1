// A lifecycle hook: an integration that takes part in some phases of a task's life (docs/ARCHITECTURE.md,
// "Lifecycle phases and the kill path").
// A hook implements only the phases it needs. Every call gets a deadline through `signal`; output written with
// `output` goes into the task's log stream, so operators see what their hooks did.
import type { TaskOutcome } from "./taskOutcome.js";
import type { TaskSpec } from "./taskSpec.js";

export type LifecyclePhase = "prestart" | "poststart" | "healthy" | "preKill" | "exited" | "stop";

/** Why a task is being killed. */
export type KillCause = "requested" | "group" | "shutdown" | "health" | "hook" | "hook_request" | "max_completion_time" | "internal";

export interface HookContext {
  /** The task as it will run (for prestart: before the hook's env is applied). */
  readonly task: TaskSpec;
  /** Aborted when the call's deadline passes or the lifecycle no longer needs the result. */
  readonly signal: AbortSignal;
  /** One line of the hook's output for the task's log stream (never put secrets here). */
  output(line: string): void;
  /**
   * Asks for a graceful kill of the task (the whole kill path), naming why, e.g. a certificate about to expire.
   * May be called later, after the call returned. The task ends TASK_KILLED with `detail` in its message.
   */
  readonly requestKill?: (detail: string) => void;
}

export interface PrestartResult {
  /** Variables added to the task's environment (hook env wins over the task's own). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Hook {
  readonly name: string;
  /** Deadline of one call of this hook, overriding the phase default. */
  readonly timeoutMs?: number;
  /** Before spawn. The first error fails the task. */
  prestart?(context: HookContext): Promise<PrestartResult | void>;
  /** Right after spawn. Errors are reported, the task goes on. */
  poststart?(context: HookContext & { readonly pid: number }): Promise<void>;
  /** Once, at the first passing readiness check. An error kills the task, which then fails. */
  healthy?(context: HookContext): Promise<void>;
  /**
   * A kill was requested, before the stop signal. Bounded; errors are logged and never block the kill.
   * `exited` resolves once the task's process group is gone (a hook asking the task to quit can stop waiting).
   */
  preKill?(context: HookContext & { readonly cause: KillCause; readonly exited: Promise<void> }): Promise<void>;
  /** The process group is gone. Errors are collected. */
  exited?(context: HookContext & { readonly outcome: TaskOutcome }): Promise<void>;
  /** Always, once, last; must be idempotent. Errors are collected. */
  stop?(context: HookContext): Promise<void>;
}

/** Default deadline of one hook call per phase (ms). preKill is short: it delays the stop signal. */
export const DEFAULT_HOOK_TIMEOUT_MS: Readonly<Record<LifecyclePhase, number>> = {
  prestart: 60_000,
  poststart: 30_000,
  healthy: 30_000,
  preKill: 30_000,
  exited: 30_000,
  stop: 30_000,
};
