// A wrk process (Debian's wrk 4.1) sending a fixed rate of requests over keep-alive connections with
// bench/rolling/rate.lua, until stop(): SIGINT makes wrk finish, run the script's done() and print its record.
// wrk runs in its own process group and carries a duration bound of its own, so it ends even if this process dies.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../test/helpers/fixtures.js";
import { parseWrkOutput, summarizeLoad, type LoadSummary, type WrkRecord } from "./wrkReport.js";

export const WRK_BIN = "/usr/bin/wrk";
export const RATE_SCRIPT = join(repoRoot, "bench", "rolling", "rate.lua");

/** CLOCK_MONOTONIC in ms, the clock rate.lua stamps requests with (libuv's hrtime is CLOCK_MONOTONIC too). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface WrkLoadOptions {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly connections: number;
  /** The timeline's zero (monotonicMs()). */
  readonly origin: number;
  /** Every Nth request is `/slow?ms=longMs` (0 or absent: none). */
  readonly longEvery?: number;
  readonly longMs?: number;
  /** wrk stops by itself after this long (a bound, not the run's length: stop() ends it). */
  readonly maxDurationS: number;
  /** Longer than any request takes: a request unanswered for longer when the load stops failed. */
  readonly unfinishedWindowMs?: number;
}

export interface WrkLoad {
  readonly pid: number;
  /** SIGINT, then wrk's record and the summary of every request. */
  stop(signal: AbortSignal): Promise<{ record: WrkRecord; summary: LoadSummary }>;
  /** SIGKILL to the group (cleanup after a failure). */
  kill(): void;
}

export class WrkLoadError extends Error {
  readonly code = "ROLLING_WRK";
}

export function startWrkLoad(options: WrkLoadOptions): WrkLoad {
  const { url, ratePerSecond, connections, origin, longEvery = 0, longMs = 1000, maxDurationS, unfinishedWindowMs = 3_000 } = options;
  const argv = ["-t1", `-c${connections}`, `-d${Math.ceil(maxDurationS)}s`, "--timeout", "30s", "-s", RATE_SCRIPT, url, "--", String(origin), String(ratePerSecond), String(longEvery), String(longMs)];
  if (!existsSync(WRK_BIN)) throw new WrkLoadError(`${WRK_BIN} is missing: install Debian's wrk (scripts/setup.sh does)`);
  const child = spawn(WRK_BIN, argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once("error", (error) => resolve(error.message));
    child.once("close", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  const signalGroup = (name: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  return {
    pid: child.pid ?? -1,
    async stop(signal) {
      signalGroup("SIGINT");
      const onAbort = (): void => signalGroup("SIGKILL");
      signal.addEventListener("abort", onAbort, { once: true });
      const how = await exited;
      signal.removeEventListener("abort", onAbort);
      if (how !== 0) throw new WrkLoadError(`wrk ended with ${how}: ${stderr.trim() || stdout.slice(-500)}`);
      const record = parseWrkOutput(stdout);
      return { record, summary: summarizeLoad(record, origin, unfinishedWindowMs) };
    },
    kill: () => signalGroup("SIGKILL"),
  };
}
