// Status updates from the moment they are made until the agent acknowledges them: stamped, kept (Mesos requires an
// executor to hold every update until ACKNOWLEDGED and to resend all of them in the next SUBSCRIBE), and posted one
// at a time while subscribed, so that the agent sees them in the order they were made.
import type { Logger } from "../logger.js";
import { sleep } from "../time/longTimer.js";
import { AgentCallError } from "./agentConnection.js";
import type { CallUpdate, TaskStatus } from "./types.js";
import { UnackedUpdates } from "./unackedUpdates.js";
import { newUuidBytes } from "./uuid.js";

export type UpdatePoster = (update: CallUpdate, signal: AbortSignal) => Promise<void>;

export interface UpdateSenderOptions {
  executorId: string;
  /** Posts one UPDATE call; rejects with AgentCallError. */
  post: UpdatePoster;
  logger: Logger;
  /** Wait before posting again after a failure that may clear up (default 1 s). */
  retryDelayMs?: number;
}

/** What a status update is made of; the sender adds source, executor id, timestamp and uuid. */
export type NewStatus = Omit<TaskStatus, "uuid" | "timestamp" | "source" | "executor_id">;

export class UpdateSender {
  readonly #options: UpdateSenderOptions;
  readonly #unacked = new UnackedUpdates();
  /** Keys still to be posted on the current stream, oldest first. */
  #queue: string[] = [];
  #scope: AbortSignal | undefined;
  #pumping = false;

  constructor(options: UpdateSenderOptions) {
    this.#options = options;
  }

  /** Stamps, records as unacknowledged and queues one update; returns its key (the uuid as a string). */
  send(status: NewStatus): string {
    const full: TaskStatus = {
      ...status,
      source: "SOURCE_EXECUTOR",
      executor_id: { value: this.#options.executorId },
      timestamp: Date.now() / 1000,
      uuid: newUuidBytes(),
    };
    const key = this.#unacked.add(full);
    this.#queue.push(key);
    this.#pump();
    return key;
  }

  /** Forgets an acknowledged update; false if this sender does not hold it (unknown or already acknowledged). */
  acknowledge(uuid: Uint8Array): boolean {
    return this.#unacked.acknowledge(uuid);
  }

  /** True while the update with this key is not acknowledged. */
  pending(key: string): boolean {
    return this.#unacked.has(key);
  }

  /** Every unacknowledged update, oldest first, with the keys they carry: what the next SUBSCRIBE must resend. */
  unacknowledged(): { keys: ReadonlySet<string>; updates: CallUpdate[] } {
    return { keys: new Set(this.#unacked.keys()), updates: this.#unacked.all() };
  }

  /**
   * The stream is up. The agent replays what SUBSCRIBE carried (`carried`); everything made since is posted, in
   * order, until `scope` aborts (the stream is gone).
   */
  connected(carried: ReadonlySet<string>, scope: AbortSignal): void {
    this.#scope = scope;
    this.#queue = this.#unacked.keys().filter((key) => !carried.has(key));
    scope.addEventListener("abort", () => this.#scope === scope && (this.#scope = undefined), { once: true });
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping || !this.#scope) return;
    this.#pumping = true;
    void this.#drain().finally(() => {
      this.#pumping = false;
      // An update queued while the last post was settling, on a stream that is still up.
      if (this.#scope && this.#queue.length > 0) this.#pump();
    });
  }

  async #drain(): Promise<void> {
    const { post, logger, retryDelayMs = 1_000 } = this.#options;
    for (let scope = this.#scope; scope && !scope.aborted && this.#queue.length > 0; scope = this.#scope) {
      const key = this.#queue[0] as string;
      const update = this.#unacked.get(key);
      if (!update) {
        this.#queue.shift(); // acknowledged before it was posted (replayed by SUBSCRIBE)
        continue;
      }
      try {
        await post(update, scope);
        if (this.#queue[0] === key) this.#queue.shift();
      } catch (error) {
        if (scope.aborted) return;
        if (error instanceof AgentCallError && !error.retryable) {
          // The agent rejected it; it stays unacknowledged and goes out again with the next SUBSCRIBE.
          logger.log("error", "agent rejected a status update", { error: error.message, state: update.status.state });
          if (this.#queue[0] === key) this.#queue.shift();
          continue;
        }
        logger.log("warn", "status update not delivered; retrying", { error: (error as Error).message });
        await sleep(retryDelayMs, scope).catch(() => undefined);
      }
    }
  }
}
