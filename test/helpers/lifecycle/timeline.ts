// One ordered record of everything a lifecycle test observes (hook calls, lifecycle events, the outcome), with wall
// clock times (Date.now, comparable with marker files' mtimes) and event-based waiting: a test awaits an entry with a
// deadline instead of sleeping.
import type { Logger } from "../../../src/logger.js";
import { withTimeout } from "../waitFor.js";

export interface Entry {
  readonly what: string;
  /** Date.now() when it was recorded. */
  readonly at: number;
}

interface Waiter {
  readonly match: (what: string) => boolean;
  readonly resolve: (entry: Entry) => void;
}

export class Timeline {
  readonly entries: Entry[] = [];
  #waiters: Waiter[] = [];

  add(what: string): void {
    const entry = { what, at: Date.now() };
    this.entries.push(entry);
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.match(what)) waiter.resolve(entry);
      else this.#waiters.push(waiter);
    }
  }

  /** The names in order, optionally only those matching `filter` (a prefix or a predicate). */
  names(filter?: string | ((what: string) => boolean)): string[] {
    const keep = typeof filter === "string" ? (what: string) => what.startsWith(filter) : (filter ?? (() => true));
    return this.entries.map((e) => e.what).filter(keep);
  }

  has(what: string): boolean {
    return this.entries.some((e) => e.what === what);
  }

  count(what: string): number {
    return this.entries.filter((e) => e.what === what).length;
  }

  /** Position of the first entry named `what` (throws when there is none, naming what was recorded). */
  index(what: string): number {
    const i = this.entries.findIndex((e) => e.what === what);
    if (i < 0) throw new Error(`"${what}" was not recorded; timeline: ${this.names().join(", ")}`);
    return i;
  }

  /** Time of the first entry named `what`. */
  at(what: string): number {
    return this.entries[this.index(what)]!.at;
  }

  /** The first entry named `what` (or matching), now or once it is recorded; rejects after `timeoutMs`. */
  wait(what: string | ((what: string) => boolean), timeoutMs = 20_000): Promise<Entry> {
    const match = typeof what === "string" ? (w: string) => w === what : what;
    const found = this.entries.find((e) => match(e.what));
    if (found) return Promise.resolve(found);
    const promise = new Promise<Entry>((resolve) => this.#waiters.push({ match, resolve }));
    const label = typeof what === "string" ? `"${what}"` : "a matching entry";
    return withTimeout(promise, timeoutMs, `${label} in the timeline (so far: ${this.names().join(", ")})`);
  }
}

/** A Logger that records each diagnostic's message in `timeline` (e.g. to await "health check passed" runs). */
export function timelineLogger(timeline: Timeline): Logger {
  const logger: Logger = { log: (_level, message) => timeline.add(message), child: () => logger };
  return logger;
}
