// Starts test/fixtures/health-server.mjs as a real process in its own group, for probe and checker tests.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { fixture, type MarkerDir } from "../fixtures.js";
import type { LeftoverGuard } from "../leftovers.js";
import { waitFor } from "../waitFor.js";
import { signalGroup, waitGroupGone } from "../../../src/process/signalGroup.js";
import { spawnGroup } from "../../../src/process/spawnGroup.js";

export interface HealthServer {
  readonly port: number;
  readonly pid: number;
  url(path: string): string;
  /** Makes /health fail (503) or pass (200). */
  setHealthy(healthy: boolean): void;
  stop(): Promise<void>;
}

export interface HealthServerOptions {
  readonly markers: MarkerDir;
  readonly guard: LeftoverGuard;
  /** A fixed port (e.g. from freePort()); default: any free port. */
  readonly port?: number;
  readonly startDelayMs?: number;
  readonly https?: { readonly certFile: string; readonly keyFile: string };
  /** Do not wait until it listens (for slow-start tests; needs a fixed port). */
  readonly noWait?: boolean;
}

/** A port that was free a moment ago (the fixture is told to listen on it later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { markers, guard, port = 0, startDelayMs = 0, https, noWait = false } = options;
  const readyFile = markers.file(`server-${Math.random().toString(36).slice(2)}.port`);
  const failFile = `${readyFile}.fail`;
  const env: Record<string, string> = {
    ...markers.env(),
    PORT: String(port),
    READY_FILE: readyFile,
    START_DELAY_MS: String(startDelayMs),
    FAIL_FILE: failFile,
    ...(https ? { CERT_FILE: https.certFile, KEY_FILE: https.keyFile } : {}),
  };
  const handle = await spawnGroup(
    { kind: "argv", file: process.execPath, args: [fixture("health-server.mjs")] },
    { env, cwd: markers.path, stdout: "ignore", stderr: "inherit" },
  );
  guard.watchGroup(handle.pid);
  const actualPort = noWait
    ? port
    : Number(await waitFor(() => existsSync(readyFile) && readFileSync(readyFile, "utf8").trim(), { what: "the health server to listen" }));
  const scheme = https ? "https" : "http";
  return {
    port: actualPort,
    pid: handle.pid,
    url: (path) => `${scheme}://127.0.0.1:${actualPort}${path}`,
    setHealthy(healthy) {
      // Through FAIL_FILE rather than the control endpoint: works for HTTPS too and needs no request.
      if (healthy) rmSync(failFile, { force: true });
      else writeFileSync(failFile, "");
    },
    async stop() {
      signalGroup(handle.pid, "SIGKILL");
      await waitGroupGone(handle.pid, { signal: AbortSignal.timeout(10_000) });
    },
  };
}
