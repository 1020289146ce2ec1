// Errors of the health and check layer, each with a stable `code`.
import { BerthError } from "../../berthError.js";

/** The abort reason of a probe run whose deadline passed (a probe reports it as a failed run, not as an error). */
export class ProbeTimeoutError extends BerthError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super("PROBE_TIMEOUT", `timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** A check spec that cannot run; the message lists every problem (see validateCheckSpec). */
export class InvalidCheckSpecError extends BerthError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super("INVALID_CHECK_SPEC", `Invalid check: ${problems.join("; ")}`);
    this.problems = problems;
  }
}
