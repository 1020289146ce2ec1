// The packaged executor, not the source tree: `scripts/package.mjs` builds both artifacts into a temp dir, and each
// runs on our local Mesos agent simulator as a framework starts a custom executor by path (the tarball as a Marathon
// shell line, the single executable by argv), followed by the app's command words, which Berth ignores. Each must subscribe with the agent's token, run a task, pass
// its HTTP health check, keep the token out of a task's reach, and kill the task gracefully.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ExecutorHandle, TaskInput } from "../../src/agent/index.js";
import { freePort } from "../../src/dev/freePort.js";
import { startJsonLinesReceiver } from "../doubles/jsonLinesReceiver.js";
import { killPolicy, shellTask, withBerth } from "../helpers/berthHarness.js";
import { fixture, repoRoot } from "../helpers/fixtures.js";
import { assertNowhere, attack } from "../helpers/tokenAttack.js";

const VERSION = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
/** A first build fetches the single executable's Node (~50 MB) from the npm registry; later ones take ~15 s. */
const BUILD_TIMEOUT_MS = 600_000;

const dir = mkdtempSync(join(tmpdir(), "berth-package-"));
const out = join(dir, "artifacts");
const unpacked = join(dir, "unpacked");
const tarballLauncher = join(unpacked, "berth-executor", "berth-executor");
const singleExecutable = join(out, `berth-executor-linux-${process.arch}`);

/** Runs scripts/package.mjs as `npm run package` does; rejects with its stderr on failure. */
function packageArtifacts(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "scripts", "package.mjs"), "--out", out], { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"], signal });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`scripts/package.mjs exited ${code}:\n${stderr}`))));
  });
}

before(async () => {
  await packageArtifacts(AbortSignal.timeout(BUILD_TIMEOUT_MS));
  // As the Mesos fetcher extracts an archive URI into the sandbox.
  mkdirSync(unpacked);
  const tar = spawnSync("tar", ["-xzf", join(out, `berth-executor-${VERSION}.tar.gz`), "-C", unpacked], { encoding: "utf8" });
  assert.equal(tar.status, 0, tar.stderr);
}, { timeout: BUILD_TIMEOUT_MS });

after(() => rmSync(dir, { recursive: true, force: true }));

const variables = (env: Record<string, string>): { name: string; value: string }[] => Object.entries(env).map(([name, value]) => ({ name, value }));

/** The health-server fixture with an HTTP health check; it exits 0 on SIGTERM. */
function webTask(port: number): TaskInput {
  return shellTask("web", `exec node ${fixture("health-server.mjs")}`, {
    command: { environment: { variables: variables({ PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: String(port) }) } },
    health_check: { type: "HTTP", http: { port, path: "/health" }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 2, grace_period_seconds: 30 },
    // A kill that had to wait this long would blow the test's deadline: TASK_KILLED in time means the task quit on SIGTERM.
    kill_policy: killPolicy(120_000),
  });
}

/** The app's command words Marathon appends to the executor's command line (ignored by Berth). */
const APP_WORDS = ["exec", "node", "app.js", "--port", "8080"];
/**
 * Marathon's command line for an executor given by path (its PathExecutor): make it executable, then exec it with
 * the app's command. The exec matters: sh -c (dash here) does not exec a last simple command by itself, and a shell
 * left as the executor's parent would keep the agent's token in its /proc/<pid>/environ.
 */
const marathonLine = (executorPath: string): string => `chmod ug+rx '${executorPath}' && exec '${executorPath}' ${APP_WORDS.join(" ")}`;

async function runsTaskChecksAndKills(executor: ExecutorHandle, dumpFile: string, expectExe: (exe: string, cmdline: string) => void): Promise<void> {
  const token = executor.authToken;
  assert.ok(token, "the agent issued a token");
  const pid = executor.pid;
  assert.ok(pid, "the executor runs");
  const port = await freePort();
  executor.launch(webTask(port));
  const healthy = await executor.waitForUpdate((s) => s.task_id.value === "web" && (s.healthy === true || s.state !== "TASK_RUNNING" && s.state !== "TASK_STARTING"), { timeoutMs: 60_000 });
  assert.equal(healthy.state, "TASK_RUNNING", healthy.message);
  assert.equal(healthy.healthy, true);
  // The executor process is the artifact (read while it runs: the pid is the one the agent started).
  expectExe(readlinkSync(`/proc/${pid}/exe`), readFileSync(`/proc/${pid}/cmdline`, "utf8"));

  const read = await attack(executor, dumpFile);
  const parent = [...read.keys()].find((source) => source.startsWith("parent "))?.slice("parent ".length);
  assert.equal(parent, String(pid), "the attacker is the executor's child");
  assert.match(read.get(`/proc/${pid}/environ`) ?? "", /MESOS_EXECUTOR_ID=/, "read the executor's environ");
  assertNowhere(read, token);
  assert.doesNotMatch(read.get(`/proc/${pid}/environ`) ?? "", /MESOS_EXECUTOR_AUTHENTICATION_TOKEN/);

  executor.kill("web");
  const killed = await executor.waitForUpdate((s) => s.task_id.value === "web" && s.state !== "TASK_RUNNING" && s.state !== "TASK_STARTING", { timeoutMs: 60_000 });
  assert.equal(killed.state, "TASK_KILLED", killed.message);
  assert.doesNotMatch(killed.message ?? "", /SIGKILL/, "the task quit on SIGTERM");
  assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
  assert.ok(executor.calls.length > 0 && executor.calls.every((c) => c.status !== 401 && c.status !== 403), "every call was authenticated");
}

describe("packaged artifacts on the local agent simulator", () => {
  test(`berth-executor-${VERSION}.tar.gz (launcher + one-file bundle, system node): runs a task, passes its health check, keeps the token from tasks, kills gracefully`, () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" }, launch: { command: { shell: marathonLine(tarballLauncher) } } }, async ({ executor, markers }) => {
      await runsTaskChecksAndKills(executor, markers.file("dump"), (exe, cmdline) => {
        assert.equal(exe, readlinkSync("/proc/self/exe"), "the system's node");
        assert.ok(cmdline.split("\0").includes(join(unpacked, "berth-executor", "berth-executor.cjs")), `runs the bundle, not the source tree: ${cmdline}`);
      });
    }));

  test(`berth-executor-linux-${process.arch} (single executable, Node 24): runs a task, passes its health check, keeps the token from tasks (re-exec), kills gracefully`, () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" }, launch: { command: { argv: [singleExecutable, ...APP_WORDS] } } }, async ({ executor, markers }) => {
      await runsTaskChecksAndKills(executor, markers.file("dump"), (exe) => assert.equal(exe, singleExecutable));
    }));

  // The log thread is a worker started from source inside each artifact (no file beside them to start it from).
  for (const [artifact, command] of [
    ["the tarball", { shell: marathonLine(tarballLauncher) }],
    ["the single executable", { argv: [singleExecutable] }],
  ] as const) {
    test(`${artifact} ships a task's lines through its log thread to a json_lines receiver (double) before TASK_FINISHED`, async () => {
      const receiver = await startJsonLinesReceiver();
      try {
        await withBerth({ launch: { command, env: { BERTH_LOG_SINKS: `tcp://127.0.0.1:${receiver.port}` } } }, async ({ executor }) => {
          executor.launch(shellTask("talker", `for i in 1 2 3; do echo "{\\"msg\\":\\"line $i\\"}"; done`, { labels: { labels: [{ key: "log-scraping", value: "logstash" }] } }));
          const finished = await executor.waitForUpdate((s) => s.task_id.value === "talker" && s.state !== "TASK_RUNNING" && s.state !== "TASK_STARTING", { timeoutMs: 60_000 });
          assert.equal(finished.state, "TASK_FINISHED", finished.message);
          assert.deepEqual(receiver.problems, []);
          assert.deepEqual(receiver.events.filter((e) => e["task-id"] === "talker").map((e) => e.message), ["line 1", "line 2", "line 3"]);
          assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
          assert.doesNotMatch(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /log thread failed/);
        });
      } finally {
        await receiver.stop();
      }
    });
  }

  test("the single executable works with the protobuf encoding too (the schema is inside it)", () =>
    withBerth({ encoding: "protobuf", launch: { command: { argv: [singleExecutable] } } }, async ({ executor }) => {
      executor.launch(shellTask("ok", "exit 0"));
      const finished = await executor.waitForUpdate((s) => s.task_id.value === "ok" && s.state !== "TASK_RUNNING" && s.state !== "TASK_STARTING", { timeoutMs: 60_000 });
      assert.equal(finished.state, "TASK_FINISHED", finished.message);
      assert.equal(executor.calls.find((c) => c.call?.type === "SUBSCRIBE")?.contentType, "application/x-protobuf");
      assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
    }));
});

describe("the tarball's launcher on an unsuitable agent", () => {
  test("a node older than 20 on PATH: a message naming the version and the way out, exit 2", () => {
    // Node 18 as far as the bundle can tell: its version check reads process.version(s).
    const preload = join(dir, "node18.cjs");
    writeFileSync(preload, 'Object.defineProperty(process, "version", { value: "v18.20.0" });\nObject.defineProperty(process, "versions", { value: { ...process.versions, node: "18.20.0" } });\n');
    const result = spawnSync(tarballLauncher, ["exec", "app"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_OPTIONS: `--require ${preload}` }, encoding: "utf8", timeout: 60_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^berth-executor: needs Node\.js 20 or later, but .* is v18\.20\.0; .*single executable/);
  });

  test("no node on PATH: a message naming PATH and the single executable, exit 127", () => {
    const result = spawnSync(tarballLauncher, [], { env: { PATH: join(dir, "empty") }, encoding: "utf8", timeout: 60_000 });
    assert.equal(result.status, 127, result.stderr);
    assert.match(result.stderr, /^berth-executor: no node on PATH .*single executable/);
  });
});
