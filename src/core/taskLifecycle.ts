// The lifecycle of one task: hooks around the process that TaskRunner supervises (docs/ARCHITECTURE.md, "Lifecycle
// phases and the kill path").
// No Mesos here: `berth executor` and `berth run` drive it and map its events and outcome to their own world.
//
//   idle ─start()─▶ prestart hooks ─ok─▶ spawn ─▶ running ─(poststart hooks)─ ready ─▶ healthy hooks
//                     │ error: failed        │ spawn error: failed     │ exits: outcome from the exit status
//                     ▼                      ▼                         ▼
//                   stop hooks ◀──────── exited hooks ◀──────── group gone ◀── SIGKILL ◀─ grace ◀─ stop signal
//                                                                                                   ▲
//   kill(): TASK_KILLING ─▶ preKill hooks (bounded) ─▶ drain delay ─────────────────────────────────┘
//
// Under a kill budget (SHUTDOWN, a lost agent) the whole path must end inside it, because the agent SIGKILLs the
// executor when it runs out: the outcome is reported as soon as the process group is gone, and the hooks after it
// (exited, stop, and any still in flight) get only what is left of the budget.
//
// Error policy per phase: prestart stops at the first error and fails the task; poststart, exited and stop
// collect errors and go on; a healthy hook's error kills the task, which then fails; preKill errors are logged
// and never delay the stop signal past their deadline. Every hook call has a deadline.
import { silentLogger, type Logger } from "../logger.js";
import { setLongTimeout, sleep, timeoutSignal, type LongTimer } from "../time/longTimer.js";
import { Checker, HealthChecker, type CheckSpec, type CheckStatus, type HealthCheckSpec } from "./health/index.js";
import { DEFAULT_HOOK_TIMEOUT_MS, type Hook, type HookContext, type KillCause, type LifecyclePhase } from "./hook.js";
import { TaskRunner, type TaskRunnerOptions } from "./taskRunner.js";
import type { TaskOutcome } from "./taskOutcome.js";
import type { TaskSpec } from "./taskSpec.js";

/** Why a task ended, in the core's own terms; front ends map it to their reasons. */
export type OutcomeReason =
  | "exited" // exit 0
  | "exit_status" // non-zero exit or death by signal
  | "spawn_failed"
  | "hook_failed"
  | "health_check_failed"
  | "max_completion_time"
  | "killed"
  | "shutdown"
  | "internal";

export interface LifecycleOutcome {
  readonly state: "finished" | "failed" | "killed";
  readonly reason: OutcomeReason;
  /** Names the cause: exit status, signal, which hook failed and why, which check failed. */
  readonly message: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The process's own outcome, when one ran. */
  readonly process?: TaskOutcome;
}

export interface LifecycleEvents {
  onRunning(pid: number): void;
  /** The first kill of a started task, before preKill hooks (TASK_KILLING). */
  onKilling(cause: KillCause): void;
  /** The task passed its readiness gate; the healthy hooks are about to run. */
  onReady(): void;
  /** A line of hook output for the task's log stream. */
  onHookOutput(hook: string, phase: LifecyclePhase, line: string): void;
  /** The liveness (health) check changed its verdict, with Mesos' rules for when to report. */
  onHealth(healthy: boolean, message: string): void;
  /** The generalized check's status changed. */
  onCheck(status: CheckStatus): void;
  /** A hook call ended (for metrics): how long it took, and why it failed. */
  onHookDone(hook: string, phase: LifecyclePhase, durationMs: number, failure: string | undefined): void;
  /** A liveness or readiness probe gave a result (every probe, not only the reported changes; for metrics). */
  onProbeResult(check: "liveness" | "readiness", ok: boolean): void;
}

export interface LifecycleChecks {
  /** Mesos health check: reports health and kills the task after consecutive failures. */
  liveness?: HealthCheckSpec;
  /** Gates the healthy phase (registration) without ever killing (Kubernetes readiness). */
  readiness?: HealthCheckSpec & { successThreshold?: number };
  /** Generalized check (Mesos TaskInfo.check): reports its status on change, no health semantics. */
  check?: CheckSpec;
}

export interface KillOptions {
  /** Grace between the stop signal and SIGKILL; a later kill may only shorten it. */
  gracePeriodMs?: number;
  cause?: KillCause;
  /**
   * Total time the whole kill path may take (SHUTDOWN, agent loss): preKill, drain and grace are compressed to fit,
   * the outcome is reported once the group is gone, and the hooks after it are cut at the budget's end.
   */
  budgetMs?: number;
}

export interface TaskLifecycleOptions {
  hooks?: readonly Hook[];
  events?: Partial<LifecycleEvents>;
  logger?: Logger;
  /** Wait after the preKill hooks before the stop signal, for in-flight requests to drain. */
  drainMs?: number;
  /** Kill the task (it then fails) when it runs longer than this. */
  maxCompletionTimeMs?: number;
  /** Per-phase default deadline of one hook call. */
  hookTimeoutMs?: Partial<Record<LifecyclePhase, number>>;
  /**
   * The readiness gate opens at the readiness check's first pass, else at the liveness check's first pass, else
   * as soon as the task runs (Kubernetes: no readiness probe means ready).
   */
  checks?: LifecycleChecks;
  runner?: TaskRunnerOptions;
}

const KILL_MESSAGES: Readonly<Record<KillCause, string>> = {
  requested: "killed on request",
  group: "killed with its task group",
  shutdown: "killed because the executor is shutting down",
  health: "killed because its health check failed",
  hook: "killed because a hook failed",
  hook_request: "killed at a hook's request",
  max_completion_time: "killed because it reached its maximum completion time",
  internal: "killed because Berth could not supervise it",
};

/** After a kill budget ran out, how long abandoned hook calls get to clean up (their processes) before `done`. */
const ABANDONED_CALLS_GRACE_MS = 1_000;

export class TaskLifecycle {
  /** The task's outcome: reported after the final hooks, or (under a kill budget) as soon as the process is gone. */
  readonly outcome: Promise<LifecycleOutcome>;
  /** Resolves once nothing of the lifecycle runs any more (final hooks done or cut at the budget). */
  readonly done: Promise<void>;
  readonly #spec: TaskSpec;
  readonly #hooks: readonly Hook[];
  readonly #events: Partial<LifecycleEvents>;
  readonly #log: Logger;
  readonly #options: TaskLifecycleOptions;
  /** Aborted by a kill during prestart: the prestart hooks give up and nothing is spawned. */
  readonly #prestartAbort = new AbortController();
  /** Aborted when the time left for preKill and the drain is over (a kill budget, possibly shortened later). */
  readonly #preSignalAbort = new AbortController();
  #preSignalTimer: LongTimer | undefined;
  /** Aborted at the end of a kill budget: every hook call still running is cut short. */
  readonly #budgetAbort = new AbortController();
  #budgetTimer: LongTimer | undefined;
  /** End of the kill budget (performance.now() time), once one was given. */
  #deadline: number | undefined;
  /** Hook calls not settled yet, including ones abandoned at their deadline (they clean up in the background). */
  readonly #inFlight = new Set<Promise<unknown>>();
  #settle!: (outcome: LifecycleOutcome) => void;
  #settled = false;
  #finalOutcome: LifecycleOutcome | undefined;
  #markDone!: () => void;
  #state: "idle" | "prestart" | "running" | "killing" | "done" = "idle";
  #runner: TaskRunner | undefined;
  #taskSpec: TaskSpec;
  #kill: { cause: KillCause; detail?: string; gracePeriodMs: number } | undefined;
  #ready = false;
  #signalSent = false;
  #maxTimer: LongTimer | undefined;
  #checkers: { stop(): Promise<void> }[] = [];
  /** Hook phases still running, which the kill path and the final phases wait for (each call has a deadline). */
  #poststart: Promise<unknown> = Promise.resolve();
  #healthy: Promise<unknown> = Promise.resolve();
  #killPathDone: Promise<void> = Promise.resolve();

  constructor(spec: TaskSpec, options: TaskLifecycleOptions = {}) {
    this.#spec = spec;
    this.#taskSpec = spec;
    this.#hooks = options.hooks ?? [];
    this.#events = options.events ?? {};
    this.#log = (options.logger ?? silentLogger).child({ task: spec.taskId });
    this.#options = options;
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    this.done = new Promise((resolve) => (this.#markDone = resolve));
  }

  /** The spec the process runs with (with prestart hooks' env), once started. */
  get spec(): TaskSpec {
    return this.#taskSpec;
  }

  get killCause(): KillCause | undefined {
    return this.#kill?.cause;
  }

  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "prestart";
    this.#run().catch((error: unknown) => {
      this.#log.log("error", "lifecycle failed", { error: String(error) });
      this.#report({ state: "failed", reason: "internal", message: `Berth failed to run the task's lifecycle: ${String(error)}`, exitCode: null, signal: null });
      this.#markDone();
    });
  }

  /**
   * Starts (or shortens) the kill path. `detail` names the cause for the final message (e.g. which check failed).
   * Safe to call repeatedly and in any state.
   */
  kill({ gracePeriodMs = this.#spec.killGracePeriodMs, cause = "requested", budgetMs }: KillOptions = {}, detail?: string): void {
    if (budgetMs !== undefined) this.#applyBudget(budgetMs);
    if (this.#state === "done") return;
    // The process already ended on its own: its outcome stands (only its leftovers' grace may still shrink).
    const runnerState = this.#runner?.state;
    if (!this.#kill && (runnerState === "exited" || runnerState === "done")) {
      this.#runner?.kill({ gracePeriodMs: Math.min(gracePeriodMs, this.#remaining()) });
      return;
    }
    if (budgetMs !== undefined) gracePeriodMs = Math.min(gracePeriodMs, budgetMs);
    if (this.#kill) {
      // A repeated kill may only shorten: the grace, and the budget of the whole path.
      this.#kill.gracePeriodMs = Math.min(this.#kill.gracePeriodMs, gracePeriodMs);
      // Before the stop signal (preKill, drain) the shorter grace is simply picked up when the signal is sent.
      if (this.#signalSent) this.#runner?.kill({ gracePeriodMs: Math.min(this.#kill.gracePeriodMs, this.#remaining()) });
      this.#armPreSignalTimer();
      return;
    }
    this.#kill = { cause, gracePeriodMs, ...(detail ? { detail } : {}) };
    this.#armPreSignalTimer();
    if (this.#state === "idle") {
      this.#state = "prestart"; // so that #finish runs the stop hooks
      void this.#finish(this.#killedBeforeStart());
      return;
    }
    if (this.#state === "prestart") {
      this.#emit(() => this.#events.onKilling?.(cause));
      this.#prestartAbort.abort(); // prestart hooks give up; #run notices the kill and never spawns
      return;
    }
    this.#killPathDone = this.#killPath();
  }

  /** Opens the readiness gate (first passing readiness check); runs the healthy hooks once the poststart ones are done. */
  markReady(): void {
    if (this.#ready || this.#quiet()) return;
    this.#ready = true;
    this.#healthy = this.#poststart.then(async () => {
      if (this.#quiet()) return;
      this.#emit(() => this.#events.onReady?.());
      const failure = await this.#runPhase("healthy", (hook, context) => hook.healthy?.(context));
      if (failure) this.kill({ cause: "hook" }, failure);
    });
  }

  /** A budget only ever shortens the time left; once the outcome is known but not yet reported, it is reported now. */
  #applyBudget(budgetMs: number): void {
    const deadline = performance.now() + Math.max(0, budgetMs);
    if (this.#deadline !== undefined && this.#deadline <= deadline) return;
    this.#deadline = deadline;
    this.#budgetTimer?.clear();
    this.#budgetTimer = setLongTimeout(() => this.#budgetAbort.abort(), deadline - performance.now());
    if (this.#finalOutcome) this.#report(this.#finalOutcome);
  }

  #report(outcome: LifecycleOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }

  async #run(): Promise<void> {
    const prestart = await this.#prestart();
    if (this.#kill || prestart.failure !== undefined) {
      await this.#finish(this.#kill ? this.#killedBeforeStart() : { state: "failed", reason: "hook_failed", message: prestart.failure as string, exitCode: null, signal: null });
      return;
    }
    this.#taskSpec = { ...this.#spec, env: { ...this.#spec.env, ...prestart.env } };
    this.#state = "running";
    const runner = new TaskRunner(this.#taskSpec, { onRunning: (pid) => this.#onRunning(pid) }, { ...this.#options.runner, logger: this.#log });
    this.#runner = runner;
    runner.start();
    if (this.#options.maxCompletionTimeMs !== undefined) {
      const limit = this.#options.maxCompletionTimeMs;
      this.#maxTimer = setLongTimeout(() => this.kill({ cause: "max_completion_time" }, `it ran longer than ${limit} ms`), limit);
    }
    const processOutcome = await runner.outcome;
    this.#maxTimer?.clear();
    // The kill path (its preKill hooks) finishes before exited and stop: deregistration comes before cleanup.
    await this.#killPathDone;
    await this.#finish(this.#outcomeOf(processOutcome));
  }

  #killedBeforeStart(): LifecycleOutcome {
    const shutdown = this.#kill?.cause === "shutdown";
    return { state: "killed", reason: shutdown ? "shutdown" : "killed", message: "Task killed before it was started", exitCode: null, signal: null };
  }

  /** Front-end callbacks must not break the lifecycle: a throwing one is logged and the lifecycle goes on. */
  #emit(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#log.log("error", "a lifecycle event handler failed", { error: String(error) });
    }
  }

  #onRunning(pid: number): void {
    this.#emit(() => this.#events.onRunning?.(pid));
    this.#poststart = this.#runPhase("poststart", (hook, context) => hook.poststart?.({ ...context, pid }));
    this.#startChecks();
  }

  /** A check that cannot start must not leave the task running unchecked (and its healthy hooks never run): it fails. */
  #startChecks(): void {
    try {
      this.#startCheckers();
    } catch (error) {
      const message = `a check could not start: ${messageOf(error)}`;
      this.#log.log("error", message);
      void this.#stopChecks();
      this.kill({ cause: "internal" }, message);
    }
  }

  #startCheckers(): void {
    const { liveness, readiness, check } = this.#options.checks ?? {};
    const logger = this.#log;
    if (liveness) {
      const checker = new HealthChecker(liveness, {
        logger,
        onProbeResult: (result) => this.#emit(() => this.#events.onProbeResult?.("liveness", result.ok)),
        onEvent: (event) => {
          if (this.#quiet()) return;
          if (event.type === "health") {
            this.#emit(() => this.#events.onHealth?.(event.healthy, event.result.message));
            if (event.healthy && !readiness) this.markReady();
          } else if (event.type === "kill") {
            this.kill({ cause: "health" }, event.message);
          }
        },
      });
      this.#checkers.push(checker);
      checker.start();
    }
    if (readiness) {
      const checker = new HealthChecker(readiness, {
        logger,
        mode: "readiness",
        onProbeResult: (result) => this.#emit(() => this.#events.onProbeResult?.("readiness", result.ok)),
        afterReady: "stop",
        ...(readiness.successThreshold !== undefined ? { successThreshold: readiness.successThreshold } : {}),
        onEvent: (event) => {
          if (event.type === "readiness" && event.ready) this.markReady();
        },
      });
      this.#checkers.push(checker);
      checker.start();
    }
    if (check) {
      const checker = new Checker(check, { logger, onChange: (status) => this.#quiet() || this.#emit(() => this.#events.onCheck?.(status)) });
      this.#checkers.push(checker);
      checker.start();
    }
    if (!liveness && !readiness) this.markReady();
  }

  /** No check or health news once the kill path runs or the process is gone, even with leftovers (as Mesos). */
  #quiet(): boolean {
    const runnerState = this.#runner?.state;
    return this.#kill !== undefined || this.#state !== "running" || runnerState === "exited" || runnerState === "done";
  }

  #stopChecks(): Promise<unknown> {
    const checkers = this.#checkers;
    this.#checkers = [];
    return Promise.all(checkers.map((c) => c.stop()));
  }

  /** Time left of the kill budget (Infinity without one). */
  #remaining(): number {
    return this.#deadline === undefined ? Infinity : Math.max(0, this.#deadline - performance.now());
  }

  /** preKill and the drain may use at most half of a budget: the task's own grace needs the rest. */
  #armPreSignalTimer(): void {
    if (!this.#kill || this.#deadline === undefined || this.#signalSent) return;
    this.#preSignalTimer?.clear();
    this.#preSignalTimer = setLongTimeout(() => this.#preSignalAbort.abort(), this.#remaining() / 2);
  }

  async #killPath(): Promise<void> {
    const kill = this.#kill!;
    if (this.#state !== "running") return;
    this.#state = "killing";
    void this.#stopChecks();
    this.#emit(() => this.#events.onKilling?.(kill.cause));
    const preSignal = this.#preSignalAbort.signal;
    const exited = (this.#runner?.outcome ?? Promise.resolve()).then(() => undefined);
    // A registration still in flight settles before deregistration starts (bounded by the pre-signal time).
    await Promise.race([this.#healthy, abortedPromise(preSignal)]);
    await this.#runPhase("preKill", (hook, context) => hook.preKill?.({ ...context, cause: kill.cause, exited }), preSignal);
    const drainMs = this.#options.drainMs ?? 0;
    if (drainMs > 0 && this.#runner?.state === "running" && !preSignal.aborted) {
      this.#log.log("info", "draining before the stop signal", { drain_ms: drainMs });
      const drained = new AbortController();
      await Promise.race([sleep(drainMs, drained.signal).catch(() => undefined), exited, abortedPromise(preSignal)]);
      drained.abort();
    }
    this.#preSignalTimer?.clear();
    this.#signalSent = true;
    this.#runner?.kill({ gracePeriodMs: Math.min(kill.gracePeriodMs, this.#remaining()) });
  }

  async #prestart(): Promise<{ env: Record<string, string>; failure?: string }> {
    const env: Record<string, string> = {};
    for (const hook of this.#hooks) {
      if (!hook.prestart || this.#kill) continue;
      try {
        const result = await this.#call(
          hook,
          "prestart",
          (context) => hook.prestart!({ ...context, task: { ...this.#spec, env: { ...this.#spec.env, ...env } } }),
          this.#prestartAbort.signal,
        );
        Object.assign(env, result?.env ?? {});
      } catch (error) {
        if (this.#kill) break;
        return { env, failure: `prestart hook "${hook.name}" failed: ${messageOf(error)}` };
      }
    }
    return { env };
  }

  /** Runs every hook of a phase in order; returns the first failure message (all hooks still run). */
  async #runPhase(
    phase: LifecyclePhase,
    invoke: (hook: Hook, context: HookContext) => Promise<unknown> | undefined,
    cutShort?: AbortSignal,
  ): Promise<string | undefined> {
    let failure: string | undefined;
    for (const hook of this.#hooks) {
      if (!hook[phase]) continue;
      const started = performance.now();
      try {
        await this.#call(hook, phase, (context) => invoke(hook, context) ?? Promise.resolve(), cutShort);
        this.#emit(() => this.#events.onHookDone?.(hook.name, phase, performance.now() - started, undefined));
      } catch (error) {
        const message = `${phase} hook "${hook.name}" failed: ${messageOf(error)}`;
        this.#log.log(phase === "preKill" ? "warn" : "error", message);
        this.#emit(() => this.#events.onHookOutput?.(hook.name, phase, message));
        this.#emit(() => this.#events.onHookDone?.(hook.name, phase, performance.now() - started, messageOf(error)));
        failure ??= message;
      }
    }
    return failure;
  }

  /**
   * One hook call with its deadline: the call's signal aborts at the deadline (or when `cutShort` aborts: a kill
   * during prestart, a kill budget running out during preKill), and the call is abandoned then.
   */
  async #call<T>(hook: Hook, phase: LifecyclePhase, invoke: (context: HookContext) => Promise<T>, cutShort?: AbortSignal): Promise<T> {
    const timeoutMs = hook.timeoutMs ?? this.#options.hookTimeoutMs?.[phase] ?? DEFAULT_HOOK_TIMEOUT_MS[phase];
    const budget = this.#budgetAbort.signal;
    // No time left: the hook is not started at all (a call that would be cut at once could still leave processes).
    if (budget.aborted || cutShort?.aborted) throw new Error(phase === "prestart" && !budget.aborted ? "cancelled by a kill" : "skipped: the kill's time budget ran out");
    const deadline = timeoutSignal(Math.max(1, timeoutMs));
    const signal = AbortSignal.any(cutShort ? [deadline, budget, cutShort] : [deadline, budget]);
    const context: HookContext = {
      task: this.#taskSpec,
      signal,
      output: (line) => this.#emit(() => this.#events.onHookOutput?.(hook.name, phase, line)),
      requestKill: (detail) => this.kill({ cause: "hook_request" }, `hook "${hook.name}": ${detail}`),
    };
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(
          new Error(
            deadline.aborted ? `no answer within ${Math.round(timeoutMs)} ms` : phase === "prestart" && !budget.aborted ? "cancelled by a kill" : "cut short: the kill's time budget ran out",
          ),
        );
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const call = (async () => invoke(context))();
    this.#inFlight.add(call);
    void call.then(
      () => this.#inFlight.delete(call),
      () => this.#inFlight.delete(call),
    );
    try {
      // A hook that ignores its signal cannot hold the lifecycle hostage: the race abandons it.
      return await Promise.race([call, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  #outcomeOf(process: TaskOutcome): LifecycleOutcome {
    const base = { exitCode: process.exitCode, signal: process.state === "finished" ? null : process.signal, process };
    const kill = this.#kill;
    if (process.state === "failed" && process.cause === "spawn") return { ...base, state: "failed", reason: "spawn_failed", message: process.message };
    if (process.state === "failed" && process.cause === "internal") return { ...base, state: "failed", reason: "internal", message: process.message };
    // Once the kill path started, however the process ended (the stop signal, or on its own during preKill after
    // a graceful request) the task was killed, as Mesos reports a killed task whatever its exit status.
    if (kill) {
      const because = `Task ${KILL_MESSAGES[kill.cause]}${kill.detail ? `: ${kill.detail}` : ""}`;
      const message = `${because}. ${process.message}`;
      if (kill.cause === "requested") return { ...base, state: "killed", reason: "killed", message: process.message };
      if (kill.cause === "group" || kill.cause === "hook_request") return { ...base, state: "killed", reason: "killed", message };
      if (kill.cause === "shutdown") return { ...base, state: "killed", reason: "shutdown", message };
      const reason = kill.cause === "health" ? "health_check_failed" : kill.cause === "hook" ? "hook_failed" : kill.cause === "internal" ? "internal" : "max_completion_time";
      return { ...base, state: "failed", reason, message };
    }
    if (process.state === "finished") return { ...base, state: "finished", reason: "exited", message: process.message };
    return { ...base, state: "failed", reason: "exit_status", message: process.message };
  }

  async #finish(outcome: LifecycleOutcome): Promise<void> {
    if (this.#state === "done") return;
    this.#state = "done";
    this.#finalOutcome = outcome;
    this.#preSignalTimer?.clear();
    // Under a kill budget the agent SIGKILLs the executor at its end: report first, clean up in what is left.
    if (this.#deadline !== undefined) this.#report(outcome);
    const budget = abortedPromise(this.#budgetAbort.signal);
    await Promise.race([this.#stopChecks(), budget]);
    // Hooks still in flight (a registration, poststart work) settle before the final phases: a registration must
    // not outlive its cleanup. Each of their calls is bounded by its deadline (and by the budget).
    await Promise.race([Promise.allSettled([this.#poststart, this.#healthy]), budget]);
    // exited only when a process existed.
    if (outcome.process && outcome.reason !== "spawn_failed") {
      await this.#runPhase("exited", (hook, context) => hook.exited?.({ ...context, outcome: outcome.process! }));
    }
    await this.#runPhase("stop", (hook, context) => hook.stop?.(context));
    this.#report(outcome);
    // Calls abandoned at the budget's end were aborted: give them a moment to kill what they started.
    if (this.#inFlight.size > 0) {
      const settledOrLate = new AbortController();
      await Promise.race([Promise.allSettled([...this.#inFlight]), sleep(ABANDONED_CALLS_GRACE_MS, settledOrLate.signal).catch(() => undefined)]);
      settledOrLate.abort();
    }
    this.#budgetTimer?.clear();
    this.#markDone();
  }
}

/** Resolves when `signal` aborts, and never otherwise. */
function abortedPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
