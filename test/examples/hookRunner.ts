// Runs an example exec hook script the way Berth's exec hook does: its argv (no shell line), the task's environment
// plus BERTH_HOOK_PHASE / BERTH_TASK_ID / BERTH_TASK_NAME, and reports its exit status and output.
import { execFile } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../helpers/fixtures.js";

export function exampleHook(...path: string[]): string {
  return join(repoRoot, "examples", "hooks", ...path);
}

export interface HookRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One run of `script` in `phase` for `taskId`, with `env` as the task's environment (PATH is added). */
export function runHook(script: string, phase: string, taskId: string, env: Record<string, string>): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    execFile(
      script,
      [],
      {
        env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env, BERTH_HOOK_PHASE: phase, BERTH_TASK_ID: taskId, BERTH_TASK_NAME: taskId.split(".")[0] ?? taskId },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Throws a clear error (the test fails, it is not skipped) when a binary the test needs is missing. */
export function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is not installed: these tests need Debian's ${pkg} package (apt-get install -y ${pkg}; scripts/setup.sh installs it in CI)`);
  }
}

export interface TaskServer {
  readonly port: number;
  readonly server: Server;
  /** Resolves when a request for /slow has arrived (it is then in flight). */
  readonly slowArrived: Promise<void>;
  close(): Promise<void>;
}

/** A task: an HTTP server on 127.0.0.1 answering every request with its name; /slow?ms=N answers after N ms. */
export async function startTaskServer(name: string): Promise<TaskServer> {
  let arrived!: () => void;
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  const server = createServer((req, res) => {
    res.setHeader("connection", "close");
    const url = new URL(req.url ?? "/", "http://task");
    if (url.pathname === "/slow") {
      arrived();
      const timer = setTimeout(() => res.end(name), Number(url.searchParams.get("ms") ?? "1000"));
      res.on("close", () => clearTimeout(timer));
      return;
    }
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, server, slowArrived, close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())) };
}

/** One GET (no keep-alive): status and body, or the error's message as status. */
export function get(port: number, path = "/"): Promise<{ status: number | string; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (error) => resolve({ status: error.message, body }));
    });
    req.on("error", (error) => resolve({ status: error.message, body: "" }));
    req.end();
  });
}
