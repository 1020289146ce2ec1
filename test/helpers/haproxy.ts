// A real HAProxy (Debian's 2.6) for tests: a temp dir with its config, an admin Runtime API socket, a frontend on a
// free 127.0.0.1 port, and the backends a test asks for. Runs in the foreground (-db) as a child in its own process
// group, killed by stop() (call it from an after hook).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/dev/freePort.js";
import { RuntimeApi } from "../../src/hooks/haproxy/runtimeApi.js";
import { waitFor } from "./waitFor.js";

export const HAPROXY_BIN = "/usr/sbin/haproxy";

export interface HaproxyBackendConfig {
  readonly name: string;
  /** roundrobin by default. */
  readonly balance?: string;
  /** Extra lines (e.g. `server static1 127.0.0.1:1234`). */
  readonly lines?: readonly string[];
}

export interface TestHaproxy {
  readonly dir: string;
  readonly socketPath: string;
  /** The frontend's port (routes to the first backend). */
  readonly port: number;
  readonly api: RuntimeApi;
  readonly pid: number;
  /** HAProxy's own output (its log goes to stdout). */
  log(): string;
  /** Sends one command to the admin socket and returns the answer. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startHaproxy(backends: readonly HaproxyBackendConfig[]): Promise<TestHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), "berth-haproxy-"));
  const socketPath = join(dir, "admin.sock");
  const port = await freePort();
  const config = [
    "global",
    `  stats socket ${socketPath} mode 600 level admin`,
    `  pidfile ${join(dir, "haproxy.pid")}`,
    "  log stdout format raw local0",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "frontend fe",
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${backends[0]?.name ?? "be"}`,
    ...backends.flatMap((b) => [`backend ${b.name}`, `  balance ${b.balance ?? "roundrobin"}`, ...(b.lines ?? []).map((l) => `  ${l}`)]),
    "",
  ].join("\n");
  const configFile = join(dir, "haproxy.cfg");
  writeFileSync(configFile, config);
  const logFile = join(dir, "haproxy.log");
  const out = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(HAPROXY_BIN, ["-db", "-f", configFile], { stdio: ["ignore", out, out], detached: true });
  } finally {
    closeSync(out);
  }
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  child.once("error", () => undefined);
  const api = new RuntimeApi({ path: socketPath });
  const stop = async (): Promise<void> => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 5_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`haproxy exited at start: ${readFileSync(logFile, "utf8")}`);
        try {
          return (await api.command("show info", AbortSignal.timeout(2_000))).includes("Name: HAProxy");
        } catch {
          return false;
        }
      },
      { what: "HAProxy's admin socket to answer", timeoutMs: 20_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dir,
    socketPath,
    port,
    api,
    pid: child.pid!,
    log: () => readFileSync(logFile, "utf8"),
    command: (line) => api.command(line, AbortSignal.timeout(5_000)),
    stop,
  };
}
