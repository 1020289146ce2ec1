// A fake ProbeRunner for state-machine tests: answers from a script, on a FakeClock, and records what it was asked.
import type { ProbeResult } from "../../../src/core/health/checkSpec.js";
import type { ProbeRunner } from "../../../src/core/health/runProbe.js";
import type { FakeClock } from "./fakeClock.js";

/** pass / fail (HTTP 200 / 503), an explicit result, or "hang" (answers only by rejecting when aborted). */
export type Step = "pass" | "fail" | "hang" | ProbeResult | { readonly result: "pass" | "fail" | ProbeResult; readonly takesMs: number };

export interface ScriptedProbe {
  readonly run: ProbeRunner;
  /** Clock time of each call. */
  readonly calls: number[];
  /** The signal of each call. */
  readonly signals: AbortSignal[];
}

const toResult = (step: "pass" | "fail" | ProbeResult): ProbeResult =>
  step === "pass"
    ? { ok: true, message: "returned 200", detail: { kind: "http", statusCode: 200 } }
    : step === "fail"
      ? { ok: false, message: "returned 503", detail: { kind: "http", statusCode: 503 } }
      : step;

/** Runs the steps in order; after the last one, repeats it. */
export function scriptedProbe(clock: FakeClock, steps: readonly Step[]): ScriptedProbe {
  const calls: number[] = [];
  const signals: AbortSignal[] = [];
  const run: ProbeRunner = (_probe, { signal }) => {
    const step = steps[Math.min(calls.length, steps.length - 1)];
    calls.push(clock.now());
    signals.push(signal);
    if (step === undefined) throw new Error("empty script");
    if (step === "hang") {
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    }
    if (typeof step === "object" && "takesMs" in step) {
      return new Promise((resolve, reject) => {
        const timer = clock.setTimeout(() => resolve(toResult(step.result)), step.takesMs);
        signal.addEventListener("abort", () => (clock.clearTimeout(timer), reject(signal.reason)), { once: true });
      });
    }
    return Promise.resolve(toResult(step));
  };
  return { run, calls, signals };
}
