// The benchmark's side of its TCP sink (bench/logs/receiverMain.ts, a child process): start it on a free port, stop
// it (an outage) and listen again on the same port, ask what it counted.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ReceiverReply, ReceiverRequest, ReceiverStats } from "./receiverMain.js";

export type { ReceiverStats } from "./receiverMain.js";

const MAIN = fileURLToPath(new URL("./receiverMain.js", import.meta.url));

type Pending = { resolve: (reply: ReceiverReply & { ok: true }) => void; reject: (error: Error) => void };
type Request = ReceiverRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class BenchReceiver {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #port = 0;
  #exited = false;
  readonly #gone: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (reply: ReceiverReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply);
      else pending.reject(new Error(`receiver: ${reply.error}`));
    });
    this.#gone = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.#exited = true;
        for (const pending of this.#pending.values()) pending.reject(new Error(`receiver exited (${signal ?? code})`));
        this.#pending.clear();
        resolve();
      }),
    );
  }

  /** Forks the receiver and listens on `port` (0: a free one). */
  static async start(port = 0): Promise<BenchReceiver> {
    const child = fork(MAIN, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
    const receiver = new BenchReceiver(child);
    try {
      await receiver.#listen(port);
    } catch (error) {
      await receiver.close();
      throw error;
    }
    return receiver;
  }

  get port(): number {
    return this.#port;
  }

  get pid(): number {
    if (this.#child.pid === undefined) throw new Error("receiver has no pid");
    return this.#child.pid;
  }

  /** Listens again on the same port, after stop(). */
  async restart(): Promise<void> {
    await this.#listen(this.#port);
  }

  /** The outage: the listener closes, every connection is destroyed; the counts so far. */
  async stop(): Promise<ReceiverStats> {
    return this.#stats(await this.#request({ type: "stop" }));
  }

  /** The counts; with `total`, also how many of the numbers 0 … total-1 never arrived. */
  async stats(total?: number): Promise<ReceiverStats> {
    return this.#stats(await this.#request(total === undefined ? { type: "stats" } : { type: "stats", total }));
  }

  /** Resolves once `distinct` distinct numbers arrived; rejects at the signal. */
  async waitForDistinct(distinct: number, signal: AbortSignal): Promise<ReceiverStats> {
    return this.#stats(await this.#request({ type: "await", distinct }, signal));
  }

  async close(): Promise<void> {
    if (!this.#exited) this.#child.kill("SIGKILL");
    await this.#gone;
  }

  async #listen(port: number): Promise<void> {
    const reply = await this.#request({ type: "listen", port });
    if (reply.port === undefined) throw new Error("receiver: no port");
    this.#port = reply.port;
  }

  #stats(reply: ReceiverReply & { ok: true }): ReceiverStats {
    if (!reply.stats) throw new Error("receiver: no stats in the reply");
    return reply.stats;
  }

  #request(request: Request, signal?: AbortSignal): Promise<ReceiverReply & { ok: true }> {
    if (this.#exited) return Promise.reject(new Error("receiver exited"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#pending.delete(id);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (): void => signal?.removeEventListener("abort", onAbort);
      this.#pending.set(id, {
        resolve: (reply) => (done(), resolve(reply)),
        reject: (error) => (done(), reject(error)),
      });
      this.#child.send({ ...request, id });
    });
  }
}
