// Warm-up (healthy phase, before any registration): requests to the task's own port so that the first real users do
// not pay for cold caches, lazy initialisation or a JIT that has not run yet (the errors the article still saw at
// deploy time). Failures are reported in the task's log and never fatal, unless the operator asks for that.
import http from "node:http";
import { BerthError } from "../berthError.js";
import type { Hook } from "../core/hook.js";

export interface WarmupOptions {
  /** The task's port on 127.0.0.1. */
  readonly port: number;
  /** Paths requested in turn (GET), each `requests` times. */
  readonly paths: readonly string[];
  readonly requests: number;
  /** Deadline of one request. */
  readonly requestTimeoutMs: number;
  /** A failed request (error or status outside 200–399) fails the hook, and with it the task. */
  readonly required: boolean;
}

export class WarmupError extends BerthError {
  constructor(message: string) {
    super("WARMUP_FAILED", message);
  }
}

export const WARMUP_HOOK_NAME = "warm-up";
/** Requests at the most (paths × requests): a warm-up that takes longer than the healthy phase is a mistake. */
export const MAX_WARMUP_REQUESTS = 10_000;

/** Every problem of the options (empty when valid). */
export function validateWarmupOptions({ port, paths, requests, requestTimeoutMs }: WarmupOptions): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) problems.push(`port ${port} is not a port (1-65535)`);
  if (paths.length === 0) problems.push("no path to request");
  for (const path of paths) if (!path.startsWith("/") || /[\s\0]/.test(path)) problems.push(`path ${JSON.stringify(path.slice(0, 100))} must start with "/" and hold no white space`);
  if (!(Number.isInteger(requests) && requests >= 1 && requests * paths.length <= MAX_WARMUP_REQUESTS)) {
    problems.push(`requests must be a whole number >= 1, at most ${MAX_WARMUP_REQUESTS} in all (${paths.length} path(s))`);
  }
  if (!(Number.isFinite(requestTimeoutMs) && requestTimeoutMs > 0)) problems.push("the request timeout must be a finite number > 0");
  return problems;
}

export function warmupHook(options: WarmupOptions): Hook {
  return {
    name: WARMUP_HOOK_NAME,
    async healthy({ signal, output }): Promise<void> {
      const failures = new Map<string, number>();
      const times: number[] = [];
      let firstFailure: string | undefined;
      for (const path of options.paths) {
        for (let i = 0; i < options.requests; i++) {
          signal.throwIfAborted();
          const started = performance.now();
          const failure = await get(options.port, path, AbortSignal.any([signal, AbortSignal.timeout(Math.ceil(options.requestTimeoutMs))]));
          times.push(performance.now() - started);
          if (failure !== undefined) {
            failures.set(path, (failures.get(path) ?? 0) + 1);
            firstFailure ??= `GET ${path}: ${failure}`;
          }
        }
      }
      const failed = [...failures.values()].reduce((a, b) => a + b, 0);
      // The first request is the cold one: beside the median it shows what the warm-up saved the first user.
      const first = times[0] ?? 0;
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
      output(`warm-up: ${times.length} request(s) to ${options.paths.join(", ")}, ${failed} failed; first ${first.toFixed(1)} ms, median ${median.toFixed(1)} ms`);
      if (failed > 0) {
        const detail = `${failed} of ${times.length} warm-up request(s) failed (first: ${firstFailure})`;
        if (options.required) throw new WarmupError(detail);
        output(`${detail}; registering anyway (berth.warmup.required is not set)`);
      }
    },
  };
}

/** One GET; undefined on a 2xx/3xx answer, else what went wrong. The body is read and thrown away. */
function get(port: number, path: string, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path, signal, agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      response.on("end", () => resolve(status >= 200 && status < 400 ? undefined : `answered ${status}`));
      response.on("error", (error) => resolve(error.message));
    });
    request.on("error", (error) => resolve(signal.aborted ? "no answer in time" : error.message));
  });
}
