// Timers for any duration. Node's setTimeout treats a delay above 2^31-1 ms (about 24.8 days) as 1 ms, so a
// 30-day max_completion_time or check timeout would fire at once: these helpers chain shorter timers instead.

/** The longest delay Node's setTimeout honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  /** Cancels the timer; safe to call repeatedly and after it fired. */
  clear(): void;
  /** Lets the process exit while only this timer is pending (as Timeout.unref). */
  unref(): LongTimer;
}

/**
 * Calls `callback` once after `ms` milliseconds (any non-negative duration; Infinity never fires; NaN and negative
 * values fire at once, as setTimeout does).
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  let unref = false;
  const due = Number.isNaN(ms) || ms < 0 ? 0 : ms;
  if (due === Infinity) {
    return { clear: () => undefined, unref() { return this; } };
  }
  const deadline = performance.now() + due;
  const arm = (): void => {
    if (cleared) return;
    const left = deadline - performance.now();
    if (left > MAX_TIMER_MS) {
      handle = setTimeout(arm, MAX_TIMER_MS);
    } else {
      handle = setTimeout(() => {
        cleared = true;
        callback();
      }, Math.max(0, left));
    }
    if (unref) handle.unref();
  };
  arm();
  return {
    clear() {
      cleared = true;
      clearTimeout(handle);
    },
    unref() {
      unref = true;
      handle?.unref();
      return this;
    },
  };
}

/** Resolves after `ms` (any duration), or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.clear();
      reject(signal?.reason);
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** An AbortSignal that aborts after `ms` (any duration) with a TimeoutError, as AbortSignal.timeout does. */
export function timeoutSignal(ms: number): AbortSignal {
  if (ms <= MAX_TIMER_MS) return AbortSignal.timeout(Math.max(0, Math.ceil(ms)));
  const controller = new AbortController();
  setLongTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms).unref();
  return controller.signal;
}
