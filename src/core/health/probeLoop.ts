// The scheduling shared by health checks and generalized checks (Mesos' CheckerProcess): the first run `delayMs`
// after start, each next run `intervalMs` after the previous RESULT (so runs never overlap and a slow probe spaces
// them out), every run bounded by `timeoutMs` (0 = none). When the deadline passes, the run counts as a failure at
// once and the probe is aborted (a command's group is SIGKILLed) in the background, as Mesos' `.after(timeout)` does.
import { silentLogger, type Logger } from "../../logger.js";
import type { Probe, ProbeResult } from "./checkSpec.js";
import type { Clock } from "./clock.js";
import { ProbeTimeoutError } from "./healthErrors.js";
import { errorResult, timeoutResult } from "./probeResult.js";
import type { ProbeRunner } from "./runProbe.js";

export interface ProbeLoopOptions {
  readonly probe: Probe;
  readonly delayMs: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly runProbe: ProbeRunner;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Called with every result while the loop runs; never after stop(). */
  readonly onResult: (result: ProbeResult) => void;
}

export class ProbeLoop {
  readonly #options: ProbeLoopOptions;
  readonly #log: Logger;
  #state: "idle" | "running" | "stopped" = "idle";
  #timer: unknown;
  #inFlight: AbortController | undefined;
  /** Runs that have not settled yet (a timed-out or stopped probe still cleaning up); stop() waits for them. */
  readonly #unsettled = new Set<Promise<unknown>>();

  constructor(options: ProbeLoopOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
  }

  get running(): boolean {
    return this.#state === "running";
  }

  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "running";
    this.#schedule(this.#options.delayMs);
  }

  /** No result is delivered after this call; resolves once an in-flight probe has cleaned up. Idempotent. */
  async stop(): Promise<void> {
    this.#state = "stopped";
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort();
    this.#inFlight = undefined;
    await Promise.allSettled([...this.#unsettled]);
  }

  #schedule(ms: number): void {
    if (this.#state !== "running") return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#runOnce();
    }, ms);
  }

  async #runOnce(): Promise<void> {
    if (this.#state !== "running") return;
    const { probe, timeoutMs, clock } = this.#options;
    const controller = new AbortController();
    this.#inFlight = controller;

    // async wrapper: a runner that throws synchronously is a failed run too.
    const run = (async () => this.#options.runProbe(probe, { signal: controller.signal }))().catch((error: unknown) =>
      // An abort (timeout, stop) is accounted for below; anything else is a failed run, not a crash.
      controller.signal.aborted ? undefined : errorResult(probe, error),
    );
    this.#unsettled.add(run);
    void run.finally(() => this.#unsettled.delete(run));

    let timer: unknown;
    const deadline =
      timeoutMs > 0
        ? new Promise<ProbeResult>((resolve) => {
            timer = clock.setTimeout(() => {
              controller.abort(new ProbeTimeoutError(timeoutMs));
              resolve(timeoutResult(probe, timeoutMs));
            }, timeoutMs);
          })
        : undefined;
    const result = await (deadline === undefined ? run : Promise.race([run, deadline]));
    clock.clearTimeout(timer);
    if (this.#inFlight === controller) this.#inFlight = undefined;
    if (this.#state !== "running" || result === undefined) return;

    try {
      this.#options.onResult(result);
    } catch (error) {
      // A listener's bug must not end checking: the task's health would silently stop being watched.
      this.#log.log("error", "check result listener failed", { error: String(error) });
    }
    this.#schedule(this.#options.intervalMs);
  }
}

/** Starts `loop` for a checker whose `signal` may stop it: at once if it already aborted, else when it aborts. */
export function startUnlessAborted(loop: ProbeLoop, signal: AbortSignal | undefined, stop: () => void): void {
  if (signal?.aborted) return stop();
  signal?.addEventListener("abort", stop, { once: true });
  loop.start();
}
