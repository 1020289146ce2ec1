// The baselines' registration, done the usual way from outside the executor (marathon-lb, marathon-consul and the
// like): the bench calls add() and remove() when the events they follow arrive — a task's TASK_RUNNING (the process
// started), its health endpoint answering, its terminal status (the process is gone). It reacts at once to each
// event (the best case for these tools, which follow an event bus and often reload HAProxy). Nothing drains: remove()
// is maintenance and `del server`, retried while HAProxy still counts connections to the dead server.
import { HaproxyError, RuntimeApi } from "../../src/hooks/haproxy/runtimeApi.js";
import { sleep } from "../../src/time/longTimer.js";

export class EventRegistrar {
  readonly #api: RuntimeApi;
  readonly #backend: string;

  constructor(api: RuntimeApi, backend: string) {
    this.#api = api;
    this.#backend = backend;
  }

  async add(server: string, address: string, signal: AbortSignal): Promise<void> {
    await this.#api.addServer(this.#backend, server, address, {}, signal);
    await this.#api.enableServer(this.#backend, server, signal);
  }

  async remove(server: string, signal: AbortSignal): Promise<void> {
    await this.#api.setState(this.#backend, server, "maint", signal);
    for (;;) {
      try {
        await this.#api.deleteServer(this.#backend, server, signal);
        return;
      } catch (error) {
        if (!(error instanceof HaproxyError && error.kind === "server-busy")) throw error;
        await sleep(20, signal);
      }
    }
  }
}
