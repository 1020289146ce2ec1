// Deadline-bounded waiting on agent state: every recorded change calls notify(), and each waiter re-runs its
// probe. No polling, no sleeps.
import { AgentError } from "./agentError.js";
import { setLongTimeout } from "../time/longTimer.js";

export interface WaitOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WaitSpec<T> extends WaitOptions {
  /** Returns the awaited value, or undefined while it is not there yet. */
  probe: () => T | undefined;
  /** "a status update matching the predicate on executor e1" */
  what: string;
  /** What was seen instead, for the timeout message. */
  seen: () => string;
}

export class ChangeNotifier {
  readonly #listeners = new Set<() => void>();
  #closed: AgentError | undefined;

  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** After close, pending and future waits whose probe is not already satisfied reject with `error`. */
  close(error: AgentError): void {
    this.#closed = error;
    this.notify();
  }

  wait<T>({ probe, what, seen, timeoutMs = 10_000, signal }: WaitSpec<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        this.#listeners.delete(check);
        timer.clear();
        signal?.removeEventListener("abort", onAbort);
      };
      const check = (): void => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          done();
          reject(error);
          return;
        }
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (this.#closed) {
          done();
          reject(new AgentError(this.#closed.code, `${this.#closed.message} while waiting for ${what}; seen: ${seen()}`));
        }
      };
      const onAbort = (): void => {
        done();
        reject(new AgentError("AGENT_ABORTED", `aborted while waiting for ${what}; seen: ${seen()}`, { cause: signal?.reason }));
      };
      const timer = setLongTimeout(() => {
        done();
        reject(new AgentError("AGENT_WAIT_TIMEOUT", `timed out after ${timeoutMs} ms waiting for ${what}; seen: ${seen()}`));
      }, timeoutMs);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#listeners.add(check);
      check();
    });
  }
}
