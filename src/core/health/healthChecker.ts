// Health checks with Mesos' exact semantics (src/checks/health_checker.cpp), and readiness checks with Kubernetes'
// (Berth's extension), on the same scheduling (ProbeLoop: delay, interval after the result, timeout).
//
// mode "health" (Mesos):
//   failure ──initializing (no success yet) and grace > 0 and now − start <= grace──▶ ignored (no event)
//      └─otherwise─▶ consecutiveFailures++ ▶ {health, healthy: false}
//                     └─consecutiveFailures >= spec.consecutiveFailures─▶ {kill} (once per checker)
//   success ──first success, or first after failures──▶ {health, healthy: true}; consecutiveFailures = 0
//   Checking goes on after a kill event (as in Mesos): the front end stops the checker when it kills the task.
//
// mode "readiness" (Kubernetes): not ready until `successThreshold` passes in a row ▶ {readiness, ready: true};
//   with afterReady "watch", `spec.consecutiveFailures` failures in a row ▶ {readiness, ready: false}, and so on;
//   with "stop", checking ends at the first ready. Never kills; gracePeriodMs does not apply (a readiness check
//   failing before the task is ready is the normal case, not an error).
//
// The lifecycle gates its `healthy` phase on the first {health, healthy: true} or {readiness, ready: true}.
import { silentLogger, type Logger } from "../../logger.js";
import type { HealthCheckSpec, ProbeResult } from "./checkSpec.js";
import { systemClock, type Clock } from "./clock.js";
import { InvalidCheckSpecError } from "./healthErrors.js";
import { ProbeLoop, startUnlessAborted } from "./probeLoop.js";
import { runProbe as realRunProbe, type ProbeRunner } from "./runProbe.js";
import { validateCheckSpec } from "./validateProbe.js";

export type HealthEvent =
  /** Mesos TaskHealthStatus: send a TASK_RUNNING update with `healthy`. */
  | { readonly type: "health"; readonly healthy: boolean; readonly consecutiveFailures: number; readonly result: ProbeResult }
  /** Kill the task: it failed its health check `consecutiveFailures` times in a row. `message` names the cause. */
  | { readonly type: "kill"; readonly consecutiveFailures: number; readonly message: string; readonly result: ProbeResult }
  | { readonly type: "readiness"; readonly ready: boolean; readonly result: ProbeResult };

export interface HealthCheckerOptions {
  readonly onEvent: (event: HealthEvent) => void;
  /** Every probe's result, before the checker's own rules decide what to report (for metrics). */
  readonly onProbeResult?: (result: ProbeResult) => void;
  /** "health" (default): Mesos health check; "readiness": Kubernetes readiness, never kills. */
  readonly mode?: "health" | "readiness";
  /** Readiness: passes in a row needed to become ready (default 1, as Kubernetes). */
  readonly successThreshold?: number;
  /** Readiness: after the first ready, keep reporting changes ("watch", default) or stop checking ("stop"). */
  readonly afterReady?: "watch" | "stop";
  /** Stops the checker when aborted. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** For tests: the default runs real probes. */
  readonly runProbe?: ProbeRunner;
}

export class HealthChecker {
  readonly #spec: HealthCheckSpec;
  readonly #options: HealthCheckerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #loop: ProbeLoop;
  #startTime = 0;
  /** Mesos' `initializing`: no success yet. */
  #initializing = true;
  #consecutiveFailures = 0;
  #consecutiveSuccesses = 0;
  #killSent = false;
  #ready = false;
  #stopped = false;

  constructor(spec: HealthCheckSpec, options: HealthCheckerOptions) {
    const problems = validateCheckSpec(spec);
    const { successThreshold = 1 } = options;
    if (options.mode === "readiness" && !(Number.isInteger(successThreshold) && successThreshold >= 1)) {
      problems.push(`successThreshold must be an integer >= 1 (got ${successThreshold})`);
    }
    if (problems.length > 0) throw new InvalidCheckSpecError(problems);
    this.#spec = spec;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ check: options.mode ?? "health" });
    this.#loop = new ProbeLoop({
      ...spec,
      runProbe: options.runProbe ?? ((probe, { signal }) => realRunProbe(probe, { signal })),
      clock: this.#clock,
      logger: this.#log,
      onResult: (result) => {
        options.onProbeResult?.(result);
        if (options.mode === "readiness") this.#readiness(result);
        else this.#health(result);
      },
    });
  }

  /** Whether the last reported state is healthy / ready (false before the first success). */
  get passing(): boolean {
    return this.#options.mode === "readiness" ? this.#ready : !this.#initializing && this.#consecutiveFailures === 0;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Starts checking; the grace period counts from here. */
  start(): void {
    if (this.#stopped || this.#loop.running) return;
    this.#startTime = this.#clock.now();
    startUnlessAborted(this.#loop, this.#options.signal, () => void this.stop());
  }

  /** No event after this call; an in-flight probe is aborted; resolves once it has cleaned up. Idempotent. */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.#loop.stop();
  }

  #emit(event: HealthEvent): void {
    if (!this.#stopped) this.#options.onEvent(event);
  }

  #health(result: ProbeResult): void {
    const spec = this.#spec;
    if (result.ok) {
      this.#log.log("debug", "health check passed", { result: result.message });
      // Only on the first success and on the first success after failures.
      if (this.#initializing || this.#consecutiveFailures > 0) {
        this.#initializing = false;
        this.#consecutiveFailures = 0;
        this.#emit({ type: "health", healthy: true, consecutiveFailures: 0, result });
      }
      this.#consecutiveFailures = 0;
      return;
    }
    const sinceStart = this.#clock.now() - this.#startTime;
    if (this.#initializing && spec.gracePeriodMs > 0 && sinceStart <= spec.gracePeriodMs) {
      this.#log.log("info", "ignoring health check failure: still in grace period", { result: result.message, output: result.output });
      return;
    }
    const failures = ++this.#consecutiveFailures;
    this.#log.log("warn", "health check failed", { consecutiveFailures: failures, result: result.message, output: result.output });
    this.#emit({ type: "health", healthy: false, consecutiveFailures: failures, result });
    if (failures >= spec.consecutiveFailures && !this.#killSent) {
      this.#killSent = true;
      const times = failures === 1 ? "once" : `${failures} times in a row`;
      this.#emit({ type: "kill", consecutiveFailures: failures, message: `health check failed ${times}: ${result.message}`, result });
    }
  }

  #readiness(result: ProbeResult): void {
    const { successThreshold = 1, afterReady = "watch" } = this.#options;
    if (result.ok) {
      this.#consecutiveFailures = 0;
      this.#consecutiveSuccesses++;
      if (!this.#ready && this.#consecutiveSuccesses >= successThreshold) {
        this.#ready = true;
        this.#log.log("info", "readiness check passed: ready", { result: result.message });
        this.#emit({ type: "readiness", ready: true, result });
        if (afterReady === "stop") void this.stop();
      }
      return;
    }
    this.#consecutiveSuccesses = 0;
    this.#consecutiveFailures++;
    this.#log.log(this.#ready ? "warn" : "debug", "readiness check failed", {
      consecutiveFailures: this.#consecutiveFailures,
      result: result.message,
      output: result.output,
    });
    if (this.#ready && this.#consecutiveFailures >= Math.max(1, this.#spec.consecutiveFailures)) {
      this.#ready = false;
      this.#emit({ type: "readiness", ready: false, result });
    }
  }
}
