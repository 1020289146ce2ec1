// `berth dev --haproxy`: a local HAProxy (Debian's, /usr/sbin/haproxy) in front of the app, the way an operator
// runs one beside a Mesos agent. Its config: an HTTP frontend on 127.0.0.1 (a given or free port) routing to the
// first backend the app asks for (label `berth.haproxy.backend`), every backend it asks for (roundrobin, no servers:
// Berth adds the task's server at the readiness gate), and an admin Runtime API socket in the dev temp dir, which
// `berth dev` hands to the executor as BERTH_HAPROXY_SOCKET. HAProxy runs in master-worker mode in the foreground
// (-W -db) in its own process group, so that Ctrl-C reaches `berth dev` only (the drain needs HAProxy alive); stop()
// ends the whole group.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { BerthError } from "../berthError.js";
import { BACKEND_NAME, RuntimeApi } from "../hooks/haproxy/runtimeApi.js";
import { setLongTimeout } from "../time/longTimer.js";

export const DEFAULT_HAPROXY_BIN = "/usr/sbin/haproxy";

export type DevHaproxyErrorKind = "not_installed" | "bad_backend" | "start_failed";

/** HAProxy could not be found or started for `berth dev --haproxy`; the message names the cause. */
export class DevHaproxyError extends BerthError {
  readonly kind: DevHaproxyErrorKind;
  constructor(kind: DevHaproxyErrorKind, message: string, options?: { cause?: unknown }) {
    super("DEV_HAPROXY_FAILED", message, options);
    this.kind = kind;
  }
}

/** The HAProxy program: /usr/sbin/haproxy (Debian's), else the first `haproxy` on PATH; undefined if none. */
export function findHaproxy(path: string | undefined = process.env.PATH): string | undefined {
  const candidates = [DEFAULT_HAPROXY_BIN, ...(path ?? "").split(delimiter).filter((dir) => dir.startsWith("/")).map((dir) => join(dir, "haproxy"))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there, or not executable
    }
  }
  return undefined;
}

/**
 * The backends an app asks for (`berth.haproxy.backend`, comma-separated), validated as HAProxy names (they go into
 * the generated config file). Throws DevHaproxyError(bad_backend) when the label is missing or invalid.
 */
export function devHaproxyBackends(labels: Readonly<Record<string, string>>): string[] {
  const text = labels["berth.haproxy.backend"];
  if (text === undefined) {
    throw new DevHaproxyError("bad_backend", "--haproxy needs the app's label berth.haproxy.backend (the backend to create and register the task in)");
  }
  const backends = text.split(",").map((b) => b.trim());
  const bad = backends.filter((b) => !BACKEND_NAME.test(b));
  if (bad.length > 0 || new Set(backends).size !== backends.length) {
    throw new DevHaproxyError("bad_backend", `label berth.haproxy.backend: expected distinct HAProxy backend names (letters, digits, '-', '_', '.', ':') separated by commas, got ${JSON.stringify(text)}`);
  }
  return backends;
}

/** The generated haproxy.cfg. */
export function devHaproxyConfig({ socketPath, port, backends }: { socketPath: string; port: number; backends: readonly string[] }): string {
  return [
    "global",
    `  stats socket ${socketPath} mode 600 level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "frontend berth-dev",
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${backends[0]}`,
    ...backends.flatMap((backend) => [`backend ${backend}`, "  balance roundrobin"]),
    "",
  ].join("\n");
}

export interface DevHaproxyOptions {
  /** A directory of its own (created): config, admin socket, HAProxy's output. */
  dir: string;
  backends: readonly string[];
  /** The frontend's port on 127.0.0.1. */
  port: number;
  /** Default: findHaproxy(). */
  bin?: string;
  /** How long HAProxy may take to answer on its admin socket (default 15 s). */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface DevHaproxy {
  readonly url: string;
  readonly port: number;
  readonly socketPath: string;
  /** The master's pid, also its process group. */
  readonly pid: number;
  /** HAProxy's own output so far. */
  log(): string;
  /** Resolves when the master exits (for whatever reason). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the whole process group, SIGKILL after 5 s; resolves once the master is gone. Idempotent. */
  stop(): Promise<void>;
}

const pause = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setLongTimeout(() => {
      signal?.removeEventListener("abort", done);
      resolve();
    }, ms);
    const done = (): void => {
      timer.clear();
      resolve();
    };
    signal?.addEventListener("abort", done, { once: true });
  });

/** Starts HAProxy and resolves once its admin socket answers; on failure stops it and throws DevHaproxyError. */
export async function startDevHaproxy({ dir, backends, port, bin = findHaproxy(), startTimeoutMs = 15_000, signal }: DevHaproxyOptions): Promise<DevHaproxy> {
  if (!bin) {
    throw new DevHaproxyError("not_installed", `--haproxy needs HAProxy, found neither at ${DEFAULT_HAPROXY_BIN} nor on PATH (Debian: apt-get install haproxy)`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socketPath = join(dir, "admin.sock");
  const configFile = join(dir, "haproxy.cfg");
  writeFileSync(configFile, devHaproxyConfig({ socketPath, port, backends }));
  const logFile = join(dir, "haproxy.log");
  const readLog = (): string => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const out = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(bin, ["-W", "-db", "-f", configFile], { stdio: ["ignore", out, out], detached: true });
  } finally {
    closeSync(out);
  }
  let gone = false;
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (error) => {
      spawnError = error;
      gone = true;
      resolve({ code: null, signal: null });
    });
    child.once("exit", (code, exitSignal) => {
      gone = true;
      resolve({ code, signal: exitSignal });
    });
  });
  const killGroup = (sig: NodeJS.Signals): void => {
    if (gone || !child.pid) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      killGroup("SIGTERM");
      const timer = setLongTimeout(() => killGroup("SIGKILL"), 5_000);
      await exited;
      timer.clear();
      // The master is gone; a worker that outlived it (it should not) goes too.
      if (child.pid) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // nothing left in the group
        }
      }
    })());

  const api = new RuntimeApi({ path: socketPath });
  const deadline = Date.now() + startTimeoutMs;
  try {
    for (;;) {
      if (signal?.aborted) throw new DevHaproxyError("start_failed", "interrupted while HAProxy was starting");
      if (gone) {
        const { code, signal: sig } = await exited;
        if ((spawnError as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
          throw new DevHaproxyError("not_installed", `--haproxy needs HAProxy: ${bin} does not exist (Debian: apt-get install haproxy)`, { cause: spawnError });
        }
        const why = spawnError ? spawnError.message : `it exited (${sig ?? `code ${code}`})`;
        throw new DevHaproxyError("start_failed", `HAProxy (${bin}) did not start: ${why}${readLog() ? `:\n${readLog().trimEnd()}` : ""}`, spawnError ? { cause: spawnError } : undefined);
      }
      try {
        await api.command("show info", AbortSignal.timeout(1_000));
        break;
      } catch (error) {
        if (Date.now() >= deadline) {
          throw new DevHaproxyError("start_failed", `HAProxy (${bin}) did not answer on its admin socket ${socketPath} within ${startTimeoutMs} ms${readLog() ? `:\n${readLog().trimEnd()}` : ""}`, { cause: error });
        }
      }
      await pause(100, signal);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/`, port, socketPath, pid: child.pid!, log: readLog, exited, stop };
}
