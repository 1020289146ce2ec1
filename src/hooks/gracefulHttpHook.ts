// Aurora-style graceful shutdown over HTTP (Thermos' /quitquitquit, then /abortabortabort): before the stop
// signal, ask the task itself to finish, and wait until it has or the wait is over. Stops escalating as soon as
// the task's process group is gone. Connection errors are expected from tasks without the endpoint. Redirects are
// never followed (node:http does not): the POST goes to the task's own port and nowhere else.
import { request } from "node:http";
import type { Hook } from "../core/hook.js";
import { setLongTimeout } from "../time/longTimer.js";

export interface GracefulHttpOptions {
  port: number;
  /** POSTed first. */
  path: string;
  /** POSTed when the task is still there after the first wait; none by default. */
  abortPath?: string;
  /** Wait after each request for the task to exit (any duration). */
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
        const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}${step}`;
        // Long timers: a wait beyond 2^31-1 ms given to AbortSignal.timeout or setTimeout would end at once.
        const deadline = new AbortController();
        const deadlineTimer = setLongTimeout(() => deadline.abort(new Error(`no answer within ${waitMs} ms`)), Math.max(1, waitMs));
        try {
          const status = await post(url, AbortSignal.any([signal, deadline.signal]));
          output(`POST ${url} answered ${status}`);
        } catch (error) {
          output(`POST ${url} failed: ${(error as Error).message}`);
          continue;
        } finally {
          deadlineTimer.clear();
        }
        // Wait for the task to act on it, but not past the wait or the hook's deadline.
        await new Promise<void>((resolve) => {
          const done = (): void => {
            timer.clear();
            signal.removeEventListener("abort", done);
            resolve();
          };
          const timer = setLongTimeout(done, waitMs);
          void exited.then(done);
          signal.addEventListener("abort", done, { once: true });
        });
      }
    },
  };
}
