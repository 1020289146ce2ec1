// Time as the checkers see it: injectable so that their state machines can be tested instantly with a fake clock.
import { setLongTimeout, type LongTimer } from "../../time/longTimer.js";

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Any duration: a check's delay, interval, timeout or grace may be 30 days (beyond setTimeout's 2^31-1 ms). */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms): LongTimer => setLongTimeout(callback, ms),
  clearTimeout: (handle) => (handle as LongTimer | undefined)?.clear(),
};
