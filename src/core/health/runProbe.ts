// Runs one probe with a deadline. A probe's answer — pass or fail — is a result; only a cancellation by the
// caller's signal rejects.
import type { Probe, ProbeResult } from "./checkSpec.js";
import { setLongTimeout } from "../../time/longTimer.js";
import { ProbeTimeoutError } from "./healthErrors.js";
import { probeCommand } from "./probeCommand.js";
import { probeHttp } from "./probeHttp.js";
import { errorResult, timeoutResult } from "./probeResult.js";
import { probeTcp } from "./probeTcp.js";

export interface RunProbeOptions {
  /** Cancels the run: the promise rejects with `signal.reason` once the probe has cleaned up. */
  readonly signal?: AbortSignal;
  /** Deadline of the run; when it passes, the run fails with "… timed out after N ms". 0 or absent = none. */
  readonly timeoutMs?: number;
}

/**
 * The shape the checkers accept, so that their state machines can be tested with a fake probe. It must settle soon
 * after `signal` aborts (resolve or reject, either is fine): the checkers' stop() waits for it.
 */
export type ProbeRunner = (probe: Probe, options: { signal: AbortSignal }) => Promise<ProbeResult>;

/**
 * COMMAND: exit 0 passes; on timeout the command's whole process group is SIGKILLed and gone before this settles.
 * HTTP(S): GET, redirects followed within the probed origin only, passes iff 200 <= status < 400; certificates are
 * not verified.
 * TCP: passes iff the connection is established.
 */
export async function runProbe(probe: Probe, { signal, timeoutMs = 0 }: RunProbeOptions = {}): Promise<ProbeResult> {
  signal?.throwIfAborted();
  const deadline = new AbortController();
  const timer = timeoutMs > 0 ? setLongTimeout(() => deadline.abort(new ProbeTimeoutError(timeoutMs)), timeoutMs) : undefined;
  const combined = signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]);
  try {
    return await dispatch(probe, combined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (deadline.signal.aborted) return timeoutResult(probe, timeoutMs);
    return errorResult(probe, error);
  } finally {
    timer?.clear();
  }
}

function dispatch(probe: Probe, signal: AbortSignal): Promise<ProbeResult> {
  switch (probe.kind) {
    case "command":
      return probeCommand(probe, signal);
    case "http":
      return probeHttp(probe, signal);
    case "tcp":
      return probeTcp(probe, signal);
  }
}
