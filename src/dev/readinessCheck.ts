// Marathon's readinessChecks, performed by `berth dev` as Marathon performs them: from the scheduler's side, over
// HTTP(S) to the task's port named `portName`, every intervalSeconds, each request bounded by timeoutSeconds, until
// the status is one of httpStatusCodesForReady. Marathon uses them only during deployments (a new instance counts
// as started once ready); they never reach the executor. Berth's own readiness, which gates registration inside the
// executor, is the `berth.readiness.*` labels (README, "Task labels").
import { BerthError } from "../berthError.js";
import { sleep, timeoutSignal } from "../time/longTimer.js";

export interface ReadinessTarget {
  name: string;
  protocol: "HTTP" | "HTTPS";
  path: string;
  port: number;
  intervalMs: number;
  timeoutMs: number;
  statuses: readonly number[];
}

export type ReadinessResult = { ok: true; status: number } | { ok: false; detail: string };

export class ReadinessAbortedError extends BerthError {
  constructor(options?: { cause?: unknown }) {
    super("DEV_READINESS_ABORTED", "readiness check aborted", options);
  }
}

/** One request: ready when the status is among `statuses`. Redirects are not followed (the status itself counts). */
export async function probeReadiness(target: ReadinessTarget, signal: AbortSignal): Promise<ReadinessResult> {
  const url = `${target.protocol.toLowerCase()}://127.0.0.1:${target.port}${target.path}`;
  try {
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.any([signal, timeoutSignal(target.timeoutMs)]) });
    await response.body?.cancel();
    return target.statuses.includes(response.status) ? { ok: true, status: response.status } : { ok: false, detail: `HTTP ${response.status}` };
  } catch (error) {
    if (signal.aborted) throw new ReadinessAbortedError({ cause: error });
    const cause = (error as { cause?: { code?: string } }).cause;
    return { ok: false, detail: (error as Error).name === "TimeoutError" ? `no answer within ${target.timeoutMs} ms` : (cause?.code ?? (error as Error).message) };
  }
}

/** Probes until ready; `onResult` sees every result. Rejects with ReadinessAbortedError when `signal` aborts. */
export async function waitUntilReady(target: ReadinessTarget, signal: AbortSignal, onResult: (result: ReadinessResult) => void): Promise<void> {
  for (;;) {
    const result = await probeReadiness(target, signal);
    onResult(result);
    if (result.ok) return;
    try {
      // intervalSeconds 0 is valid in Marathon; a tenth of a second keeps it from spinning.
      await sleep(Math.max(100, target.intervalMs), signal);
    } catch (cause) {
      throw new ReadinessAbortedError({ cause });
    }
  }
}
