// A real HAProxy (Debian's 2.6) for tests: a temp dir with its config, an admin Runtime API socket, a frontend on a
// free 127.0.0.1 port, and the backends a test asks for. Runs in master-worker mode in the foreground (-W -db) as a
// child in its own process group, killed by stop() (call it from an after hook); reload() is a real reload
// (SIGUSR2 to the master: a new worker from the config file, which forgets servers added at run time).
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
  /** A real reload; resolves once the new worker answers on the socket. */
  reload(): Promise<void>;
  /** The admin socket on TCP too, when asked for (startHaproxy's tcpSocket). */
  readonly tcpPort?: number;
  stop(): Promise<void>;
}

export async function startHaproxy(backends: readonly HaproxyBackendConfig[], { tcpSocket = false } = {}): Promise<TestHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), "berth-haproxy-"));
  const socketPath = join(dir, "admin.sock");
  const port = await freePort();
  const tcpPort = tcpSocket ? await freePort() : undefined;
  const config = [
    "global",
    `  stats socket ${socketPath} mode 600 level admin`,
    ...(tcpPort ? [`  stats socket ipv4@127.0.0.1:${tcpPort} level admin`] : []),
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
    child = spawn(HAPROXY_BIN, ["-W", "-db", "-f", configFile], { stdio: ["ignore", out, out], detached: true });
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
  /** The worker's pid as the socket reports it, once it answers. */
  const workerPid = (not?: string): Promise<string> =>
    waitFor(
      async () => {
        if (exited) throw new Error(`haproxy exited: ${readFileSync(logFile, "utf8")}`);
        try {
          const pid = /^Pid: (\d+)$/m.exec(await api.command("show info", AbortSignal.timeout(2_000)))?.[1];
          return pid !== undefined && pid !== not ? pid : false;
        } catch {
          return false;
        }
      },
      { what: not ? "a new HAProxy worker after the reload" : "HAProxy's admin socket to answer", timeoutMs: 20_000 },
    );
  try {
    await workerPid();
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
    async reload() {
      const before = await workerPid();
      process.kill(child.pid!, "SIGUSR2");
      await workerPid(before);
    },
    ...(tcpPort ? { tcpPort } : {}),
    stop,
  };
}
