// Aurora-style graceful shutdown over HTTP (Thermos' /quitquitquit, then /abortabortabort): before the stop
// signal, ask the task itself to finish, and wait until it has or the wait is over. Stops escalating as soon as
// the task's process group is gone. Connection errors are expected from tasks without the endpoint. Redirects are
// never followed (node:http does not): the POST goes to the task's own port and nowhere else.
import { request } from "node:http";
import { BerthError } from "../berthError.js";
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

/** Options that cannot work (code GRACEFUL_HTTP_INVALID); the message lists every problem. */
export class GracefulHttpError extends BerthError {
  constructor(problems: readonly string[]) {
    super("GRACEFUL_HTTP_INVALID", `Invalid graceful HTTP hook: ${problems.join("; ")}`);
  }
}

/** Every problem of the options (empty when valid). */
export function validateGracefulHttpOptions({ port, path, abortPath, waitMs, host }: GracefulHttpOptions): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) problems.push(`port must be an integer from 1 to 65535 (got ${port})`);
  for (const [name, value] of [["path", path], ["abortPath", abortPath]] as const) {
    if (value !== undefined && !(typeof value === "string" && value.startsWith("/"))) problems.push(`${name} must start with "/" (got ${JSON.stringify(value)})`);
  }
  if (!(Number.isFinite(waitMs) && waitMs >= 0)) problems.push(`waitMs must be a finite number >= 0 (got ${waitMs})`);
  if (host !== undefined && (typeof host !== "string" || host === "")) problems.push("host must be a non-empty string when set");
  return problems;
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

/** Throws a GracefulHttpError for options that cannot work (the front ends validate first, naming their labels). */
export function gracefulHttpHook(options: GracefulHttpOptions): Hook {
  const problems = validateGracefulHttpOptions(options);
  if (problems.length > 0) throw new GracefulHttpError(problems);
  const { port, path, abortPath, waitMs, host = "127.0.0.1" } = options;
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
