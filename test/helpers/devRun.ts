// The real `berth dev` CLI as a child process, its output collected, for the dev e2e tests.
import { spawn } from "node:child_process";
import { BERTH_MAIN } from "./berthHarness.js";
import { repoRoot } from "./fixtures.js";

export interface DevRun {
  output: () => string;
  exited: Promise<number | null>;
  running: () => boolean;
  pid: number;
}

/** Runs `berth dev appPath ...args` from the repository root; `env` is added to this process's environment. */
export function runDev(appPath: string, args: readonly string[] = [], env: Record<string, string> = {}): DevRun {
  const child = spawn(process.execPath, [BERTH_MAIN, "dev", appPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running = false;
      resolve(code);
    }),
  );
  return { output: () => output, exited, running: () => running, pid: child.pid as number };
}
