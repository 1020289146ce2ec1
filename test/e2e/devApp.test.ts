// `berth dev` honouring the whole Marathon app, end to end with the real CLI, real executors and real servers (the
// agent is Berth's own double, src/agent): the example's MESOS_HTTP health check and graceful kill in timeline
// order, unknown and unsupported fields, exit codes, --instances with a rolling restart (SIGUSR2) that follows
// upgradeStrategy and killSelection and waits for Marathon-style readiness checks, and --executor.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BERTH_MAIN, TAG_VARIABLE, taggedProcesses } from "../helpers/berthHarness.js";
import { runDev, type DevRun } from "../helpers/devRun.js";
import { repoRoot } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/waitFor.js";

interface Sandbox {
  dir: string;
  tag: string;
  /** Writes an app definition (the example's server.py beside it) with the run tag in its env; returns its path. */
  app: (definition: Record<string, unknown>, name?: string) => string;
  cleanup: () => void;
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "berth-devapp-test-"));
  copyFileSync(join(repoRoot, "examples/hello/server.py"), join(dir, "server.py"));
  const tag = randomUUID();
  return {
    dir,
    tag,
    app: (definition, name = "app.json") => {
      const env = { ...((definition.env as Record<string, string> | undefined) ?? {}), [TAG_VARIABLE]: tag };
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify({ ...definition, env }));
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const example = (): Record<string, unknown> => JSON.parse(readFileSync(join(repoRoot, "examples/hello/app.json"), "utf8")) as Record<string, unknown>;

/** Stops what is left of a run and fails if any process of it was left behind. */
async function finish(dev: DevRun, box: Sandbox): Promise<void> {
  if (dev.running()) process.kill(dev.pid, "SIGKILL");
  await dev.exited;
  const left = taggedProcesses(box.tag);
  for (const line of left) process.kill(Number(line.split(" ")[0]), "SIGKILL");
  box.cleanup();
  assert.deepEqual(left, [], "processes left behind");
}

/** The index of the first line matching `pattern` at or after `from`; fails showing the output. */
function lineIndex(lines: readonly string[], pattern: RegExp, from = 0): number {
  const index = lines.findIndex((line, i) => i >= from && pattern.test(line));
  assert.notEqual(index, -1, `no line matching ${pattern} after line ${from} in:\n${lines.join("\n")}`);
  return index;
}

/** `berth dev` with exactly these arguments (none at all, too). */
function runDevArgs(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [BERTH_MAIN, "dev", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

describe("berth dev: the whole Marathon app", () => {
  test("the example: its MESOS_HTTP health check passes, Ctrl-C drains and stops it gracefully, all in timeline order", async () => {
    const box = sandbox();
    const dev = runDev(box.app(example()));
    try {
      await waitFor(() => dev.output().includes("healthy: the health check passed"), { timeoutMs: 60_000, what: "the health check to pass" });
      process.kill(dev.pid, "SIGINT");
      assert.equal(await dev.exited, 0, dev.output());
      const lines = dev.output().split("\n");
      const health = lineIndex(lines, /^\s+\+\S+\s+health check: MESOS_HTTP GET http:\/\/127\.0\.0\.1:\d+\/health, first after 0s, every 1s/);
      const starting = lineIndex(lines, /^\s+\+\S+\s+TASK_STARTING/, health);
      // The executor speaks before the agent has forwarded TASK_STARTING: its lines are held back until then.
      assert.equal(lines.findIndex((line) => /executor: /.test(line)), starting + 1, "no executor diagnostics before TASK_STARTING");
      const running = lineIndex(lines, /^\s+\+\S+\s+TASK_RUNNING$/, starting);
      const healthy = lineIndex(lines, /^\s+\+\S+\s+healthy: the health check passed$/, running);
      lineIndex(lines, /^\s+\+\S+\s+deployed: 1 instance healthy$/, healthy);
      const killing = lineIndex(lines, /^\s+\+\S+\s+TASK_KILLING/, healthy);
      const drain = lineIndex(lines, /executor: msg="draining before the stop signal" drain_ms=1000/, killing);
      // main renames the message ("sending the stop signal"); either names the signal.
      const sigterm = lineIndex(lines, /executor: msg="(killing task|sending the stop signal)" signal=SIGTERM/, drain);
      const graceful = lineIndex(lines, /^SIGTERM: no new connections, finishing what is in flight, then exiting$/, sigterm);
      const killed = lineIndex(lines, /^\s+\+\S+\s+TASK_KILLED\s+healthy=true\s+"Command exited with status 0"$/, lineIndex(lines, /^bye$/, graceful));
      const summary = lineIndex(lines, /^summary \(\+\S+\): \/demo\/hello, 1 instance launched, 0 rolling restarts$/, killed);
      lineIndex(lines, /^\s+\[1\] demo_hello\.\S+\s+TASK_KILLED \(killed as asked\)\s+running \+\S+, healthy \+\S+, kill took \S+, executor exited \(code 0\)$/, summary);
      assert.equal(lines.filter((line) => line !== "").at(-1), "exit code 0");
    } finally {
      await finish(dev, box);
    }
  });

  test("bad input exits 2 naming it: a misspelt field (with the closest), a missing argument, bad --instances and --executor", async () => {
    const box = sandbox();
    try {
      const misspelt = box.app({ id: "/x", cmd: "true", helthChecks: [], portDefinitions: [{ port: 0, nmae: "http" }] });
      const typo = await runDevArgs([misspelt]);
      assert.equal(typo.code, 2, typo.output);
      assert.match(typo.output, /helthChecks: unknown field \(did you mean healthChecks\?\)/);
      assert.match(typo.output, /portDefinitions\.0\.nmae: unknown field \(did you mean name\?\)/);
      const missing = await runDevArgs([]);
      assert.equal(missing.code, 2, missing.output);
      assert.match(missing.output, /missing required argument/);
      const good = box.app({ id: "/x", cmd: "true" }, "good.json");
      for (const [args, message] of [
        [["--instances", "0"], /--instances must be a whole number from 1 to 100, got "0"/],
        [["--instances", "two"], /--instances must be a whole number/],
        [["--executor", join(box.dir, "nothing-here")], /--executor ".*nothing-here": not an executable file \(ENOENT\)/],
        [["--executor", join(box.dir, "good.json")], /not an executable file \(EACCES\)/],
      ] as const) {
        const run = await runDevArgs([good, ...args]);
        assert.equal(run.code, 2, run.output);
        assert.match(run.output, message);
      }
    } finally {
      box.cleanup();
    }
  });

  test("--executor runs another executor program; fields it cannot honour are named in warnings, a Marathon-level check too", async () => {
    const box = sandbox();
    const wrapper = join(box.dir, "my-executor");
    // An executor "being written": here one that announces itself and hands over to Berth's.
    writeFileSync(wrapper, `#!/bin/sh\necho "my-executor: started as $0 by the agent" >&2\nexec ${JSON.stringify(join(repoRoot, "bin/berth-executor"))} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const appPath = box.app({
      id: "/plain",
      cmd: 'exec python3 -u "$DEV_APP_DIR/server.py"',
      env: { GREETING: "hey" },
      portDefinitions: [{ port: 0, name: "http" }],
      healthChecks: [{ protocol: "HTTP", path: "/health" }],
      constraints: [["hostname", "UNIQUE"]],
      container: { type: "DOCKER", docker: { image: "x" } },
    });
    const dev = runDev(appPath, ["--executor", wrapper]);
    try {
      await waitFor(() => /^hey from \/plain: Serving HTTP/m.test(dev.output()), { timeoutMs: 60_000, what: "the app to serve" });
      process.kill(dev.pid, "SIGINT");
      assert.equal(await dev.exited, 0, dev.output());
      const output = dev.output();
      assert.match(output, new RegExp(`executor ${wrapper.replaceAll("/", "\\/")}, agent`));
      assert.match(output, /^my-executor: started as .*my-executor by the agent$/m);
      assert.match(output, /berth dev: warning: constraints: ignored \(placement/);
      assert.match(output, /berth dev: warning: container: ignored \(no containerizer/);
      assert.match(output, /berth dev: warning: healthChecks\.0: protocol HTTP is a Marathon-level check.*Use MESOS_HTTP/);
      assert.doesNotMatch(output, /health check: /, "no health check was sent to the executor");
    } finally {
      await finish(dev, box);
    }
  });

  test("--instances 2 and SIGUSR2: a rolling restart per upgradeStrategy (keep 2 up, at most 3), youngest first, gated by readiness", async () => {
    const box = sandbox();
    const appPath = box.app({
      ...example(),
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 },
      readinessChecks: [{ name: "ready", portName: "http", path: "/health", intervalSeconds: 2, timeoutSeconds: 1 }],
    });
    const dev = runDev(appPath, ["--instances", "2"]);
    try {
      await waitFor(() => dev.output().includes("deployed: 2 instances healthy and ready"), { timeoutMs: 60_000, what: "two healthy, ready instances" });
      process.kill(dev.pid, "SIGUSR2");
      await waitFor(() => dev.output().includes("rolling restart done"), { timeoutMs: 90_000, what: "the rolling restart to finish" });
      process.kill(dev.pid, "SIGINT");
      assert.equal(await dev.exited, 0, dev.output());
      const lines = dev.output().split("\n");
      const start = lineIndex(lines, /SIGUSR2: rolling restart of 2 instances \(minimumHealthCapacity 1: keep 2 up; maximumOverCapacity 0: at most 3 at once; 0 killed at once; youngest first\)/);
      const launch3 = lineIndex(lines, /\[3\] launching \/demo\/hello as task/, start);
      const ready3 = lineIndex(lines, /\[3\] readiness check ready: ready \(HTTP 200\)/, launch3);
      const healthy3 = lineIndex(lines, /\[3\] healthy: the health check passed/, launch3);
      const kill2 = lineIndex(lines, /\[2\] rolling restart: killing this old instance/, launch3);
      assert.ok(kill2 > ready3 && kill2 > healthy3, "an old instance goes only once a new one is healthy and ready");
      const killed2 = lineIndex(lines, /\[2\] TASK_KILLED/, kill2);
      const launch4 = lineIndex(lines, /\[4\] launching \/demo\/hello as task/, kill2);
      assert.ok(launch4 > killed2, "at most 3 at once: the fourth waits for the old one to be gone");
      const kill1 = lineIndex(lines, /\[1\] rolling restart: killing this old instance/, launch4);
      assert.ok(kill1 > lineIndex(lines, /\[4\] readiness check ready: ready/, launch4));
      lineIndex(lines, /rolling restart done: instances \[3\] \[4\] healthy and ready/, lineIndex(lines, /\[1\] TASK_KILLED/, kill1));
      // Never more than 3 instances alive at once, from the restart on.
      let alive = 2;
      let most = 2;
      for (const line of lines.slice(start)) {
        if (/launching \/demo\/hello/.test(line)) alive += 1;
        if (/TASK_(KILLED|FAILED|FINISHED)/.test(line)) alive -= 1;
        most = Math.max(most, alive);
        if (/rolling restart done/.test(line)) break;
      }
      assert.equal(most, 3, "at most 3 alive (and 3 were)");
      lineIndex(lines, /^summary \(\+\S+\): \/demo\/hello, 4 instances launched, 1 rolling restart$/);
      assert.equal(lines.filter((line) => /killed by the rolling restart/.test(line)).length, 2);
    } finally {
      await finish(dev, box);
    }
  });
});
