// Generalized checks (Mesos TaskInfo.check, src/checks/checker.cpp): the same scheduling as health checks, no
// health semantics. A status is reported only when it differs from the previous one. The previous status starts as
// the empty status of the check's type — what the front end sends with TASK_RUNNING — so a first run that observes
// nothing (e.g. a timeout) is not a change, exactly as Mesos' Checker (previousCheckStatus =
// createEmptyCheckStatusInfo(check)).
import { silentLogger, type Logger } from "../../logger.js";
import type { CheckSpec, CheckStatus, ProbeResult } from "./checkSpec.js";
import { systemClock, type Clock } from "./clock.js";
import { InvalidCheckSpecError } from "./healthErrors.js";
import { ProbeLoop, startUnlessAborted } from "./probeLoop.js";
import { emptyStatus } from "./probeResult.js";
import { runProbe as realRunProbe, type ProbeRunner } from "./runProbe.js";
import { validateCheckSpec } from "./validateProbe.js";

export interface CheckerOptions {
  /** A new status (Mesos: TASK_RUNNING with check_status, REASON_TASK_CHECK_STATUS_UPDATED). */
  readonly onChange: (status: CheckStatus, result: ProbeResult) => void;
  /** Stops the checker when aborted. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** For tests: the default runs real probes. */
  readonly runProbe?: ProbeRunner;
}

export class Checker {
  readonly #options: CheckerOptions;
  readonly #loop: ProbeLoop;
  readonly #log: Logger;
  #status: CheckStatus;
  #stopped = false;

  constructor(spec: CheckSpec, options: CheckerOptions) {
    const problems = validateCheckSpec(spec);
    if (problems.length > 0) throw new InvalidCheckSpecError(problems);
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ check: "check" });
    this.#status = emptyStatus(spec.probe.kind);
    this.#loop = new ProbeLoop({
      ...spec,
      runProbe: options.runProbe ?? ((probe, { signal }) => realRunProbe(probe, { signal })),
      clock: options.clock ?? systemClock,
      logger: this.#log,
      onResult: (result) => this.#onResult(result),
    });
  }

  /** The last reported status (initially the empty status of the check's type). */
  get status(): CheckStatus {
    return this.#status;
  }

  start(): void {
    if (this.#stopped || this.#loop.running) return;
    startUnlessAborted(this.#loop, this.#options.signal, () => void this.stop());
  }

  /** No status after this call; an in-flight probe is aborted; resolves once it has cleaned up. Idempotent. */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.#loop.stop();
  }

  #onResult(result: ProbeResult): void {
    const status = canonical(result.detail);
    this.#log.log("debug", "check performed", { result: result.message });
    if (sameStatus(status, this.#status) || this.#stopped) return;
    this.#status = status;
    this.#options.onChange(status, result);
  }
}

/** Only the fields that are set, so that equality and what listeners see do not depend on `undefined` members. */
function canonical(status: CheckStatus): CheckStatus {
  switch (status.kind) {
    case "command":
      return status.exitCode === undefined ? { kind: "command" } : { kind: "command", exitCode: status.exitCode };
    case "http":
      return status.statusCode === undefined ? { kind: "http" } : { kind: "http", statusCode: status.statusCode };
    case "tcp":
      return status.succeeded === undefined ? { kind: "tcp" } : { kind: "tcp", succeeded: status.succeeded };
  }
}

export function sameStatus(a: CheckStatus, b: CheckStatus): boolean {
  const fields = (s: CheckStatus): unknown[] => [
    s.kind,
    "exitCode" in s ? s.exitCode : undefined,
    "statusCode" in s ? s.statusCode : undefined,
    "succeeded" in s ? s.succeeded : undefined,
  ];
  const [fa, fb] = [fields(a), fields(b)];
  return fa.every((value, i) => value === fb[i]);
}
