// A server the tests start from Debian's packages (nginx, varnishd) in its own process group, its output in a log
// file, stopped with its whole group (SIGTERM, SIGKILL after 5 s, then SIGKILL for any child that outlived it).
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

export interface Daemon {
  /** True once the server's main process has exited (a failed start shows here). */
  exited(): boolean;
  stop(): Promise<void>;
}

export function startDaemon(bin: string, args: readonly string[], logFile: string): Daemon {
  const out = openSync(logFile, "a");
  let child;
  try {
    child = spawn(bin, args, { stdio: ["ignore", out, out], detached: true });
  } finally {
    closeSync(out);
  }
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  child.once("error", () => undefined);
  const pid = child.pid;
  const kill = (signal: NodeJS.Signals): void => {
    try {
      if (pid !== undefined) process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    exited: () => exited,
    async stop() {
      if (exited || pid === undefined) return;
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
      kill("SIGKILL"); // workers or a cache child, should any have outlived the main process
    },
  };
}
