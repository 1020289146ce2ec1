// Status updates the agent has not acknowledged yet, in the order they were made. Mesos requires an executor to
// keep every update until ACKNOWLEDGED and to resend them all in the next SUBSCRIBE.
import { uuidToString } from "./uuid.js";
import type { CallUpdate, TaskStatus } from "./types.js";

export class UnackedUpdates {
  readonly #updates = new Map<string, CallUpdate>();

  add(status: TaskStatus): string {
    const key = uuidToString(status.uuid as Uint8Array);
    this.#updates.set(key, { status });
    return key;
  }

  /** Removes the acknowledged update; false if it was not (or no longer) pending. */
  acknowledge(uuid: Uint8Array): boolean {
    return this.#updates.delete(uuidToString(uuid));
  }

  has(key: string): boolean {
    return this.#updates.has(key);
  }

  get(key: string): CallUpdate | undefined {
    return this.#updates.get(key);
  }

  keys(): string[] {
    return [...this.#updates.keys()];
  }

  all(): CallUpdate[] {
    return [...this.#updates.values()];
  }

  get size(): number {
    return this.#updates.size;
  }
}
