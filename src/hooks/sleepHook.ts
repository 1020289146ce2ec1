// A hook that waits (Kubernetes' `sleep` lifecycle handler): e.g. in preKill, time for endpoints that learn of the
// kill late (a load balancer polling its registry) to stop sending traffic before the stop signal.
import type { Hook, LifecyclePhase } from "../core/hook.js";
import { sleep } from "../time/longTimer.js";
import { phaseHook } from "./phaseHook.js";

export interface SleepHookOptions {
  readonly name: string;
  readonly phases: readonly LifecyclePhase[];
  readonly sleepMs: number;
  /** Deadline of one call; must be longer than the sleep, or the sleep always counts as a failure. */
  readonly timeoutMs?: number;
}

/** Every problem of the options (empty when valid). */
export function validateSleepHookOptions({ sleepMs, timeoutMs }: SleepHookOptions): string[] {
  const problems: string[] = [];
  if (!(Number.isFinite(sleepMs) && sleepMs >= 0)) problems.push(`the sleep must be a finite number of seconds >= 0 (got ${sleepMs / 1000})`);
  else if (timeoutMs !== undefined && sleepMs >= timeoutMs) problems.push(`the sleep (${sleepMs / 1000} s) must be shorter than the hook's timeout (${timeoutMs / 1000} s)`);
  return problems;
}

export function sleepHook(options: SleepHookOptions): Hook {
  const { name, phases, sleepMs, timeoutMs } = options;
  return phaseHook(
    name,
    phases,
    async ({ signal, output }, phase) => {
      output(`sleeping ${sleepMs / 1000} s (${phase})`);
      await sleep(sleepMs, signal);
    },
    timeoutMs,
  );
}
