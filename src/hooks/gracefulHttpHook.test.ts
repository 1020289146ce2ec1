import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fixture, markerTaskSpec, MarkerDir } from "../../test/helpers/fixtures.js";
import { checkEachTest, LeftoverGuard } from "../../test/helpers/leftovers.js";
import { withTimeout } from "../../test/helpers/waitFor.js";
import { freePort } from "../../test/helpers/health/healthServer.js";
import type { Hook } from "../core/hook.js";
import { signalGroup, waitGroupGone } from "../process/signalGroup.js";
import { spawnGroup } from "../process/spawnGroup.js";
import { gracefulHttpHook, type GracefulHttpOptions } from "./gracefulHttpHook.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
checkEachTest(guard, (fresh) => (markers = fresh));

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

/** Runs the quit-server fixture (exits 0 on POST /quitquitquit) as the task, and the hook's preKill against it. */
async function preKillAgainstQuitServer(options: Omit<GracefulHttpOptions, "port">): Promise<{ lines: string[]; exitedFirst: boolean }> {
  const port = await freePort();
  const task = markerTaskSpec(markers, { kind: "argv", file: process.execPath, args: [fixture("quit-server.mjs")] }, {
    env: markers.env({ PORT: String(port), QUIT_FILE: markers.file("quit") }),
  });
  const handle = await spawnGroup(task.command, { env: task.env, cwd: task.cwd, stdout: "ignore", stderr: "inherit" });
  guard.watchGroup(handle.pid);
  try {
    await markers.pids("ready", { what: "the quit server to listen" });
    let exitedFirst = false;
    const exited = handle.exited.then(() => void (exitedFirst = true));
    const hook: Hook = gracefulHttpHook({ ...options, port });
    const lines: string[] = [];
    await withTimeout(
      hook.preKill!({ task, signal: AbortSignal.timeout(60_000), output: (line) => lines.push(line), cause: "requested", exited }),
      30_000,
      "the graceful hook",
    );
    return { lines, exitedFirst };
  } finally {
    try {
      signalGroup(handle.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await waitGroupGone(handle.pid, { signal: AbortSignal.timeout(10_000) });
  }
}

describe("gracefulHttpHook", () => {
  it("with a 30-day wait, POSTs the path and ends when the task exits (long timers used to fire at once)", async () => {
    const { lines, exitedFirst } = await preKillAgainstQuitServer({ path: "/quitquitquit", abortPath: "/abortabortabort", waitMs: THIRTY_DAYS_MS });
    assert.equal(readFileSync(markers.file("quit"), "utf8"), "quit\n", "the task got POST /quitquitquit");
    assert.equal(exitedFirst, true, "the hook waited for the task to exit");
    assert.equal(lines.length, 1, `one request, no abort path: ${JSON.stringify(lines)}`);
    assert.match(lines[0] ?? "", /^POST http:\/\/127\.0\.0\.1:\d+\/quitquitquit answered 200$/);
  });
});
