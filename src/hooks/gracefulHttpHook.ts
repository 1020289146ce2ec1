// Aurora-style graceful shutdown over HTTP (Thermos' /quitquitquit, then /abortabortabort): before the stop
// signal, ask the task itself to finish, and wait until it has or the wait is over. Stops escalating as soon as
// the task's process group is gone. Connection errors are expected from tasks without the endpoint.
import { request } from "node:http";
import type { Hook } from "../core/hook.js";

export interface GracefulHttpOptions {
  port: number;
  /** POSTed first. */
  path: string;
  /** POSTed when the task is still there after the first wait; none by default. */
  abortPath?: string;
  /** Wait after each request for the task to exit. */
  waitMs: number;
  host?: string;
}

function post(url: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", signal, headers: { "content-length": 0 } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

export function gracefulHttpHook({ port, path, abortPath, waitMs, host = "127.0.0.1" }: GracefulHttpOptions): Hook {
  return {
    name: "graceful-http",
    async preKill({ signal, exited, output }) {
      let gone = false;
      void exited.then(() => (gone = true));
      for (const step of abortPath ? [path, abortPath] : [path]) {
        if (gone || signal.aborted) return;
        const url = `http://${host}:${port}${step}`;
        try {
          const status = await post(url, AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, waitMs))]));
          output(`POST ${url} answered ${status}`);
        } catch (error) {
          output(`POST ${url} failed: ${(error as Error).message}`);
          continue;
        }
        // Wait for the task to act on it, but not past the wait or the hook's deadline.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          void exited.then(done);
          signal.addEventListener("abort", done, { once: true });
        });
      }
    },
  };
}
