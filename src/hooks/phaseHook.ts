// A Hook that does the same action in each of the phases it is configured for (http and sleep hooks; Kubernetes'
// lifecycle handlers do one action per hook point the same way).
import type { Hook, HookContext, LifecyclePhase } from "../core/hook.js";

export type PhaseAction = (context: HookContext, phase: LifecyclePhase) => Promise<void>;

export function phaseHook(name: string, phases: readonly LifecyclePhase[], action: PhaseAction, timeoutMs?: number): Hook {
  const hook: { -readonly [K in keyof Hook]: Hook[K] } = { name, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  for (const phase of new Set(phases)) {
    // Each phase's context carries more than HookContext (pid, cause, outcome); the action needs only the common part.
    hook[phase] = async (context: HookContext): Promise<void> => action(context, phase);
  }
  return hook;
}
