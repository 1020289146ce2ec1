// examples/hooks/nginx/upstream-hook.sh against a real nginx (Debian's 1.22, started here on 127.0.0.1 with its
// config, pid file and logs in a temp dir) and real task servers: healthy → routed through nginx; preKill → no
// longer routed; stop idempotent; concurrent registrations keep every line; failures are clear and undo the change.
// Last, the README's Marathon labels on a task run by the real `berth executor` (local agent simulator).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { fixture } from "../helpers/fixtures.js";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";
import { waitFor, withTimeout } from "../helpers/waitFor.js";
import { exampleHook, get, requireBinary, runHook, startTaskServer } from "./hookRunner.js";
import { startDaemon } from "../helpers/daemon.js";

const NGINX = "/usr/sbin/nginx";
const HOOK = exampleHook("nginx", "upstream-hook.sh");

interface TestNginx {
  readonly dir: string;
  readonly port: number;
  readonly upstreams: string;
  readonly config: string;
  /** The env an operator would give the hook (Marathon app env). */
  readonly hookEnv: Record<string, string>;
  stop(): Promise<void>;
}

async function startNginx(): Promise<TestNginx> {
  requireBinary(NGINX, "nginx");
  const dir = mkdtempSync(join(tmpdir(), "berth-nginx-"));
  const port = await freePort();
  const upstreams = join(dir, "upstreams.conf");
  writeFileSync(upstreams, "");
  const config = join(dir, "nginx.conf");
  writeFileSync(
    config,
    [
      "daemon off;",
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log info;`,
      "events { worker_connections 64; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `  ${kind}_temp_path ${dir}/${kind}_temp;`),
      // The `down` server keeps the block valid while the include is empty.
      `  upstream app { include ${upstreams}; server 127.0.0.1:1 down; }`,
      `  server { listen 127.0.0.1:${port}; location / { proxy_pass http://app; } }`,
      "}",
      "",
    ].join("\n"),
  );
  const daemon = startDaemon(NGINX, ["-c", config, "-p", `${dir}/`, "-e", join(dir, "error.log")], join(dir, "stdout.log"));
  const exited = daemon.exited;
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited()) throw new Error(`nginx exited: ${readFileSync(join(dir, "error.log"), "utf8")}`);
        return (await get(port)).status === 502 && existsSync(join(dir, "nginx.pid"));
      },
      { what: "nginx to answer (502: no server yet)", timeoutMs: 20_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, port, upstreams, config, hookEnv: { NGINX_UPSTREAM_FILE: upstreams, NGINX_CONF: config, NGINX_PREFIX: `${dir}/`, NGINX_BIN: NGINX, NGINX_PID_FILE: join(dir, "nginx.pid") }, stop };
}

/** A PATH with the tools the script uses, but no flock. */
function pathWithoutFlock(): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-noflock-"));
  for (const tool of ["sh", "dirname", "awk", "cmp", "cp", "mv", "rm", "chmod", "mkdir", "rmdir", "sleep", "cat", "ps", "tr", "date"]) {
    const target = ["/usr/bin", "/bin"].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (!target) throw new Error(`${tool} not found`);
    symlinkSync(target, join(dir, tool));
  }
  return dir;
}

let nginx: TestNginx;
before(async () => {
  nginx = await startNginx();
});
after(async () => {
  await nginx?.stop();
});

const routedTo = async (body: string): Promise<boolean> => {
  const answer = await get(nginx.port);
  return answer.status === 200 && answer.body === body;
};

describe("examples/hooks/nginx/upstream-hook.sh with a real nginx", () => {
  test("healthy → requests through nginx reach the task; preKill → no longer routed; stop → nothing left, idempotent", async () => {
    const task = await startTaskServer("task-a");
    try {
      const taskId = "web.a1b2c3";
      const env = { ...nginx.hookEnv, PORT0: String(task.port) };
      const healthy = await runHook(HOOK, "healthy", taskId, env);
      assert.equal(healthy.code, 0, healthy.stderr);
      assert.match(healthy.stdout, /added 127\.0\.0\.1:\d+ to .*upstreams\.conf, nginx reloaded/);
      assert.equal(readFileSync(nginx.upstreams, "utf8"), `server 127.0.0.1:${task.port}; # berth-task=${taskId}\n`);
      await waitFor(() => routedTo("task-a"), { what: "nginx to route to the task after the reload" });

      const again = await runHook(HOOK, "healthy", taskId, env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(readFileSync(nginx.upstreams, "utf8").split("\n").length, 2, "one line per task, even when called twice");

      const preKill = await runHook(HOOK, "preKill", taskId, env);
      assert.equal(preKill.code, 0, preKill.stderr);
      assert.match(preKill.stdout, /removed task web\.a1b2c3/);
      assert.equal(readFileSync(nginx.upstreams, "utf8"), "");
      await waitFor(async () => (await get(nginx.port)).status === 502, { what: "nginx to stop routing to the task" });

      const stop = await runHook(HOOK, "stop", taskId, env);
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, /not in .* \(nothing to do\)/);
      assert.equal(readFileSync(nginx.upstreams, "utf8"), "");
    } finally {
      await task.close();
    }
  });

  // Without flock(1) in PATH the script falls back to a lock directory: both must keep every line.
  for (const lock of ["flock", "a lock directory (no flock in PATH)"] as const) {
    test(`five tasks registered at the same time all end up in the file and get requests; removing four keeps the fifth (${lock})`, async () => {
      const path = lock === "flock" ? undefined : pathWithoutFlock();
      const tasks = await Promise.all(["a", "b", "c", "d", "e"].map((name) => startTaskServer(`task-${name}`)));
      const run = (phase: string, i: number) =>
        runHook(HOOK, phase, `web.${i}`, { ...nginx.hookEnv, PORT0: String(tasks[i]!.port), ...(path ? { PATH: path } : {}) });
      try {
        for (const r of await Promise.all(tasks.map((_, i) => run("healthy", i)))) assert.equal(r.code, 0, r.stderr);
        const lines = readFileSync(nginx.upstreams, "utf8").trim().split("\n").sort();
        assert.deepEqual(lines, tasks.map((t, i) => `server 127.0.0.1:${t.port}; # berth-task=web.${i}`).sort());
        const seen = new Set<string>();
        await waitFor(async () => (seen.add((await get(nginx.port)).body), seen.size === 5), { what: "requests to reach all five tasks" });

        for (const r of await Promise.all([0, 1, 2, 3].map((i) => run("preKill", i)))) assert.equal(r.code, 0, r.stderr);
        assert.equal(readFileSync(nginx.upstreams, "utf8"), `server 127.0.0.1:${tasks[4]!.port}; # berth-task=web.4\n`);
        await waitFor(async () => (await Promise.all([1, 2, 3, 4, 5].map(() => get(nginx.port)))).every((r) => r.body === "task-e"), { what: "only task-e to get requests" });
        assert.equal((await run("stop", 4)).code, 0);
        assert.equal(readFileSync(nginx.upstreams, "utf8"), "");
        assert.deepEqual(readdirSync(nginx.dir).filter((f) => f.startsWith("upstreams.conf.") && f !== "upstreams.conf.lock"), [], "no temp file, backup or lock directory left");
      } finally {
        await Promise.all(tasks.map((t) => t.close()));
        if (path) rmSync(path, { recursive: true, force: true });
      }
    });
  }

  test("with NGINX_PID_FILE a reload is confirmed: the first request after healthy reaches the task, the first after preKill does not", async () => {
    const task = await startTaskServer("task-a");
    try {
      const env = { ...nginx.hookEnv, PORT0: String(task.port) };
      for (let round = 0; round < 5; round++) {
        assert.equal((await runHook(HOOK, "healthy", "web.confirm", env)).code, 0);
        assert.deepEqual(await get(nginx.port), { status: 200, body: "task-a" }, `round ${round}: routed as soon as the hook returned`);
        assert.equal((await runHook(HOOK, "preKill", "web.confirm", env)).code, 0);
        assert.equal((await get(nginx.port)).status, 502, `round ${round}: not routed as soon as the hook returned`);
      }
    } finally {
      await task.close();
    }
  });

  test("preKill with NGINX_PID_FILE waits until nginx's old workers have finished the request in flight (confirmed, not slept)", async () => {
    const task = await startTaskServer("task-a");
    try {
      const env = { ...nginx.hookEnv, PORT0: String(task.port), NGINX_DRAIN_SECONDS: "30" };
      assert.equal((await runHook(HOOK, "healthy", "web.slow", env)).code, 0);
      await waitFor(() => routedTo("task-a"), { what: "nginx to route to the task" });
      let inFlightDone = false;
      const inFlight = get(nginx.port, "/slow?ms=1500").then((r) => ((inFlightDone = true), r));
      await withTimeout(task.slowArrived, 10_000, "the slow request to reach the task");
      const started = performance.now();
      const preKill = await runHook(HOOK, "preKill", "web.slow", env);
      assert.equal(preKill.code, 0, preKill.stderr);
      assert.match(preKill.stdout, /the old nginx workers have finished their requests/);
      assert.ok(inFlightDone, "the hook returned only after the request in flight was answered");
      assert.ok(performance.now() - started < 25_000, "and did not wait for its whole bound");
      assert.deepEqual(await inFlight, { status: 200, body: "task-a" });
      assert.equal((await get(nginx.port)).status, 502);
    } finally {
      await task.close();
    }
  });

  test("preKill's wait is bounded by NGINX_DRAIN_SECONDS: it says so and goes on (exit 0)", async () => {
    const task = await startTaskServer("task-a");
    try {
      const env = { ...nginx.hookEnv, PORT0: String(task.port), NGINX_DRAIN_SECONDS: "1" };
      assert.equal((await runHook(HOOK, "healthy", "web.slow2", env)).code, 0);
      await waitFor(() => routedTo("task-a"), { what: "nginx to route to the task" });
      const inFlight = get(nginx.port, "/slow?ms=6000");
      await withTimeout(task.slowArrived, 10_000, "the slow request to reach the task");
      const preKill = await runHook(HOOK, "preKill", "web.slow2", env);
      assert.equal(preKill.code, 0, preKill.stderr);
      assert.match(preKill.stdout, /\d+ old nginx processes still busy after 1 s; going on/);
      assert.deepEqual(await inFlight, { status: 200, body: "task-a" }, "nginx still finishes the request");
    } finally {
      await task.close();
    }
  });

  test("a failed reload exits non-zero naming it and puts the previous file back", async () => {
    const env = { ...nginx.hookEnv, PORT0: "31000", NGINX_CONF: join(nginx.dir, "missing.conf") };
    const run = await runHook(HOOK, "healthy", "web.ccc", env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nginx upstream hook: '.*nginx -s reload' failed; .*upstreams\.conf was restored/);
    assert.equal(readFileSync(nginx.upstreams, "utf8"), "", "the line was taken out again");
  });

  test("bad input: clear messages on stderr, exit 1, nothing written", async () => {
    const cases: [string, string, Record<string, string>, RegExp][] = [
      ["healthy", "web.x", { PORT0: "1" }, /NGINX_UPSTREAM_FILE is not set/],
      ["healthy", "web.x", { ...nginx.hookEnv }, /PORT0 is not set .* NGINX_UPSTREAM_ADDRESS is not set/],
      ["healthy", "web.x\nserver evil:1;", { ...nginx.hookEnv, PORT0: "1" }, /the task id \(BERTH_TASK_ID\) has characters outside/],
      ["healthy", "web.x", { ...nginx.hookEnv, NGINX_UPSTREAM_ADDRESS: "1.2.3.4:5; include /etc/passwd" }, /is not a host:port/],
      ["healthy", "web.x", { ...nginx.hookEnv, PORT0: "1", NGINX_SERVER_PARAMS: "max_fails=1; }" }, /NGINX_SERVER_PARAMS may only hold/],
      ["preKill", "web.x", { ...nginx.hookEnv, NGINX_DRAIN_SECONDS: "$(reboot)" }, /NGINX_DRAIN_SECONDS must be a whole number/],
      ["exited", "web.x", { ...nginx.hookEnv }, /nothing to do in phase 'exited'/],
      ["healthy", "web.x", { ...nginx.hookEnv, PORT0: "1", NGINX_PID_FILE: "/nonexistent.pid" }, /cannot read NGINX_PID_FILE \(\/nonexistent\.pid\): is nginx running\?/],
      ["healthy", "web.x", { ...nginx.hookEnv, PORT0: "1", NGINX_UPSTREAM_FILE: "/nonexistent/dir/up.conf" }, /directory of NGINX_UPSTREAM_FILE \(\/nonexistent\/dir\) does not exist/],
    ];
    for (const [phase, taskId, env, expected] of cases) {
      const run = await runHook(HOOK, phase, taskId, env);
      assert.equal(run.code, 1, `${phase} ${JSON.stringify(env)}`);
      assert.match(run.stderr, expected);
    }
    assert.equal(readFileSync(nginx.upstreams, "utf8"), "");
  });

  test("the README's labels through the real berth executor: registered once ready, removed from nginx on kill", () =>
    withBerth({ agent: { frameworkCapabilities: ["TASK_KILLING_STATE"] } }, async ({ executor, markers }) => {
      const port = await freePort();
      const env = { ...nginx.hookEnv, PORT: String(port), PORT0: String(port), READY_FILE: markers.file("ready") };
      executor.launch(
        shellTask("web.e2e-1", `exec node ${fixture("health-server.mjs")}`, {
          command: { environment: { variables: Object.entries(env).map(([name, value]) => ({ name, value })) } },
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
          labels: {
            labels: [
              { key: "berth.hook.nginx.exec", value: JSON.stringify([HOOK]) },
              { key: "berth.hook.nginx.phases", value: "healthy,preKill,stop" },
              { key: "berth.readiness.protocol", value: "http" },
              { key: "berth.readiness.path", value: "/health" },
            ],
          },
          kill_policy: { grace_period: { nanoseconds: 10e9 } },
        }),
      );
      await waitFor(async () => (await get(nginx.port, "/health")).status === 200, { what: "nginx to route to the task once it is ready", timeoutMs: 30_000 });
      assert.equal(readFileSync(nginx.upstreams, "utf8"), `server 127.0.0.1:${port}; # berth-task=web.e2e-1\n`);
      executor.kill("web.e2e-1");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      assert.deepEqual(statesOf(executor, "web.e2e-1").slice(-2), ["TASK_KILLING", "TASK_KILLED"]);
      assert.equal(readFileSync(nginx.upstreams, "utf8"), "");
      assert.equal((await get(nginx.port, "/health")).status, 502);
      await executor.waitForExit({ timeoutMs: 20_000 });
      const log = readFileSync(join(executor.sandbox, "stderr"), "utf8");
      assert.match(log, /nginx upstream hook: added 127\.0\.0\.1:\d+ to .*, nginx reloaded/);
      assert.match(log, /nginx upstream hook: removed task web\.e2e-1 .*, nginx reloaded/);
      assert.match(log, /nginx upstream hook: task web\.e2e-1 not in .* \(nothing to do\)/, "stop found it gone");
    }));
});
