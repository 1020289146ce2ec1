// `berth dev --haproxy` end to end on examples/haproxy-drain: the real CLI starts a real HAProxy 2.6 (Debian's) and
// the built-in agent, which launches `berth executor` with the example app. Registered only once ready; the graceful
// kill (--stop-after: what Ctrl-C does) drains the server (a request in flight finishes) before the app's SIGTERM;
// nothing is left afterwards.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { taggedProcesses } from "../helpers/berthHarness.js";
import { runDev, type DevRun } from "../helpers/devRun.js";
import { repoRoot } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/waitFor.js";

const EXAMPLE = join(repoRoot, "examples/haproxy-drain/app.json");
const TAG_VARIABLE = "E2E_RUN_TAG";

type TaggedDevRun = DevRun & { tag: string };

/**
 * The real CLI, tagged: berth dev and HAProxy inherit the tag from its environment, the executor and the app from
 * --executor-env (the agent hands executors only what it is told to), so every process of the run can be found.
 */
function runTaggedDev(appPath: string, ...args: string[]): TaggedDevRun {
  const tag = randomUUID();
  return { ...runDev(appPath, ["--executor-env", `${TAG_VARIABLE}=${tag}`, ...args], { [TAG_VARIABLE]: tag }), tag };
}

/** Stops what is left of a run and fails if anything was. */
async function noLeftovers(dev: TaggedDevRun): Promise<void> {
  if (dev.running()) process.kill(dev.pid, "SIGKILL");
  await dev.exited;
  // berth dev waits for the executor and HAProxy to exit before it does: anything still tagged is a leftover.
  const left = taggedProcesses(dev.tag);
  for (const line of left) process.kill(Number(line.split(" ")[0]), "SIGKILL");
  assert.deepEqual(left, [], "processes left behind");
}

/** The index of the first output line matching `pattern` at or after line `from`; fails naming the pattern. */
function lineIndex(lines: readonly string[], pattern: RegExp, from = 0): number {
  const index = lines.findIndex((line, i) => i >= from && pattern.test(line));
  assert.notEqual(index, -1, `no line matching ${pattern} after line ${from} in:\n${lines.join("\n")}`);
  return index;
}

describe("berth dev --haproxy (real HAProxy 2.6, examples/haproxy-drain)", () => {
  test("registered once ready, serves through the frontend; the graceful kill drains before SIGTERM; nothing left", async () => {
    const stopAfterS = 12;
    const startedAt = Date.now();
    const dev = runTaggedDev(EXAMPLE, "--haproxy", "--stop-after", String(stopAfterS));
    try {
      const url = await waitFor(() => /haproxy \(pid \d+\): (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.output())?.[1], { timeoutMs: 30_000, what: "the frontend URL in the timeline" });
      const haproxyPid = Number(/haproxy \(pid (\d+)\)/.exec(dev.output())?.[1]);
      await waitFor(() => /msg="registered web\//.test(dev.output()), { timeoutMs: 30_000, what: "the task's registration in HAProxy" });
      const response = await fetch(url);
      assert.equal(response.status, 200, "HAProxy routes to the registered task");
      const taskId = /as task (demo_haproxy-drain\.\S+)/.exec(dev.output())?.[1];
      assert.ok(taskId, "the timeline names the task");
      assert.equal(await response.text(), `hello from ${taskId} (request 1)\n`, "the request reached the app");
      // A request still running when the kill comes: it outlasts --stop-after by a few seconds.
      const slowMs = Math.max(0, startedAt + stopAfterS * 1000 - Date.now()) + 4_000;
      const slow = fetch(`${url}slow?ms=${slowMs}`).then(async (r) => ({ status: r.status, body: await r.text() }));
      assert.equal(await dev.exited, 0, dev.output());
      assert.deepEqual(await slow, { status: 200, body: `slow hello from ${taskId} after ${slowMs} ms\n` }, "the request in flight finished");

      const lines = dev.output().split("\n");
      const states = [...dev.output().matchAll(/^\s*\+\d+\.\d+s\s+(TASK_[A-Z_]+)/gm)].map((m) => m[1]);
      assert.deepEqual(states, ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]);
      const running = lineIndex(lines, /^\s*\+\S+\s+TASK_RUNNING/);
      const ready = lineIndex(lines, /executor: msg="readiness check passed/);
      const registered = lineIndex(lines, /executor: msg="registered web\/\S+ at 127\.0\.0\.1:\d+/);
      assert.ok(running < registered && ready < registered, "registered only after TASK_RUNNING and the readiness check");
      const stop = lineIndex(lines, /--stop-after 12: killing the task gracefully/, registered);
      // TASK_KILLING (a status update) and the executor's log lines reach berth dev by two channels: both follow the
      // stop request, in either order.
      lineIndex(lines, /^\s*\+\S+\s+TASK_KILLING/, stop);
      const draining = lineIndex(lines, /executor: msg="draining web\//, stop);
      const sessionsLeft = lineIndex(lines, /executor: msg="web\/\S+: 1 session\(s\) and 0 queued request\(s\) left"/, draining);
      const drained = lineIndex(lines, /executor: msg="drained web\//, sessionsLeft);
      const removed = lineIndex(lines, /executor: msg="removed web\//, drained);
      const sigterm = lineIndex(lines, /executor: msg="sending the stop signal" .*signal=SIGTERM/, removed);
      // The app got SIGTERM with nothing in flight: the drain waited for the slow request.
      const appStop = lineIndex(lines, /^app: SIGTERM: no new connections; 0 request\(s\) in flight$/, sigterm);
      const killed = lineIndex(lines, /^\s*\+\S+\s+TASK_KILLED/, appStop);
      const haproxyStopped = lineIndex(lines, /^\s*\+\S+\s+haproxy stopped$/, killed);
      assert.ok(haproxyStopped > killed);
      assert.throws(() => process.kill(haproxyPid, 0), { code: "ESRCH" }, "HAProxy's master is gone");
    } finally {
      await noLeftovers(dev);
    }
  });

  test("HAProxy that cannot start (its frontend port is taken) → exit 3 with HAProxy's own message; nothing left", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    const dev = runTaggedDev(EXAMPLE, "--haproxy-port", String(port));
    try {
      assert.equal(await dev.exited, 3, dev.output());
      assert.match(dev.output(), /berth dev: HAProxy \(\/usr\/sbin\/haproxy\) did not start: it exited \(code \d+\):/);
      assert.match(dev.output(), new RegExp(`cannot bind socket.*127\\.0\\.0\\.1:${port}`));
      assert.doesNotMatch(dev.output(), /TASK_/, "no task was launched");
    } finally {
      blocker.close();
      await noLeftovers(dev);
    }
  });

  test("bad usage exits 2 naming the problem: an app without berth.haproxy.backend, a bad --executor-env, both sockets", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-dev-test-"));
    try {
      const plain = join(dir, "app.json");
      writeFileSync(plain, JSON.stringify({ id: "/plain", cmd: "sleep 60", portDefinitions: [{ port: 0 }] }));
      const cases: [string[], RegExp][] = [
        [[plain, "--haproxy"], /--haproxy needs the app's label berth\.haproxy\.backend/],
        [[EXAMPLE, "--executor-env", "1BAD=x", "--executor-env", "NO_VALUE", "--executor-env", "MESOS_X=1"], /--executor-env: "1BAD" is not a valid environment variable name; "NO_VALUE": expected NAME=VALUE; MESOS_X: MESOS_\* and LIBPROCESS_\* variables are set by the agent/],
        [[EXAMPLE, "--haproxy", "--executor-env", "BERTH_HAPROXY_SOCKET=/tmp/x.sock"], /--haproxy sets BERTH_HAPROXY_SOCKET itself/],
        [[EXAMPLE, "--haproxy-port", "70000"], /--haproxy-port must be a port number \(1-65535\), got "70000"/],
      ];
      for (const [args, message] of cases) {
        const dev = runTaggedDev(args[0] as string, ...args.slice(1));
        try {
          assert.equal(await dev.exited, 2, dev.output());
          assert.match(dev.output(), message);
        } finally {
          await noLeftovers(dev);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
