// In-memory hooks for lifecycle tests. Each phase call is recorded in a Timeline as "<name>.<phase>" when it
// starts, then "<name>.<phase>.end" (resolved), ".error" (rejected) or never (hangs); "<name>.<phase>.aborted" when
// the call's signal aborts. A phase behaves as configured: resolve at once, after a delay, with env (prestart), fail,
// hang ignoring its signal, or run custom code. Only configured phases exist on the hook (the lifecycle skips
// phases a hook does not implement).
import type { Hook, HookContext, KillCause, LifecyclePhase, PrestartResult } from "../../../src/core/hook.js";
import type { TaskOutcome } from "../../../src/core/taskOutcome.js";
import type { Timeline } from "./timeline.js";

/** The context of any phase: the phase-specific members are present in their own phase only. */
export type AnyPhaseContext = HookContext & {
  /** poststart */
  readonly pid?: number;
  /** preKill */
  readonly cause?: KillCause;
  /** preKill: resolves once the task's process group is gone. */
  readonly exited?: Promise<void>;
  /** exited */
  readonly outcome?: TaskOutcome;
};

export interface PhaseBehaviour {
  /** Resolve (or fail) only after this long; the delay ignores the call's signal. */
  readonly delayMs?: number;
  /** Reject with this message (after the delay, if any). */
  readonly fail?: string;
  /** Never settle, ignoring the signal: only the lifecycle's deadline can get past it. */
  readonly hang?: boolean;
  /** prestart: the env to return. */
  readonly env?: Readonly<Record<string, string>>;
  /** Runs first (after which delay / fail / env apply); its rejection fails the call. */
  readonly run?: (context: AnyPhaseContext) => Promise<void> | void;
}

export interface HookCall {
  readonly hook: string;
  readonly phase: LifecyclePhase;
  readonly context: AnyPhaseContext;
}

export interface FakeHook extends Hook {
  /** Every call, in order, with the context it got (signal, task, pid, cause, outcome). */
  readonly calls: HookCall[];
}

export type PhaseBehaviours = Partial<Record<LifecyclePhase, PhaseBehaviour | true>>;

const PHASES: readonly LifecyclePhase[] = ["prestart", "poststart", "healthy", "preKill", "exited", "stop"];

export function fakeHook(timeline: Timeline, name: string, phases: PhaseBehaviours, options: { timeoutMs?: number } = {}): FakeHook {
  const calls: HookCall[] = [];
  const hook: Record<string, unknown> = { name, calls, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
  for (const phase of PHASES) {
    const configured = phases[phase];
    if (configured === undefined) continue;
    const behaviour: PhaseBehaviour = configured === true ? {} : configured;
    hook[phase] = async (context: AnyPhaseContext): Promise<PrestartResult | void> => {
      const label = `${name}.${phase}`;
      calls.push({ hook: name, phase, context });
      timeline.add(label);
      if (context.signal.aborted) timeline.add(`${label}.aborted`);
      else context.signal.addEventListener("abort", () => timeline.add(`${label}.aborted`), { once: true });
      try {
        await behaviour.run?.(context);
        if (behaviour.hang) await new Promise<never>(() => undefined);
        if (behaviour.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        if (behaviour.fail !== undefined) throw new Error(behaviour.fail);
      } catch (error) {
        timeline.add(`${label}.error`);
        throw error;
      }
      timeline.add(`${label}.end`);
      return behaviour.env ? { env: behaviour.env } : undefined;
    };
  }
  return hook as unknown as FakeHook;
}

/** A promise that a test resolves by hand, e.g. to hold a hook until the test has done something. */
export function gate(): { readonly promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
