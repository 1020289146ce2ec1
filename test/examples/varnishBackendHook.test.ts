// examples/hooks/varnish/backend-health-hook.sh against a real varnishd (Debian's 7.1, started here on 127.0.0.1 with
// its working dir, secret, VCL and pid file in a temp dir) in front of a real task server: preKill → backend.list
// shows the backend sick and requests get 503 (the task is not reached); healthy → routed again.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { waitFor, withTimeout } from "../helpers/waitFor.js";
import { exampleHook, get, requireBinary, runHook, startTaskServer } from "./hookRunner.js";
import { startDaemon } from "../helpers/daemon.js";

const VARNISHD = "/usr/sbin/varnishd";
const VARNISHADM = "/usr/bin/varnishadm";
const HOOK = exampleHook("varnish", "backend-health-hook.sh");

interface TestVarnish {
  readonly workDir: string;
  readonly port: number;
  readonly adminAddress: string;
  readonly secretFile: string;
  /** The env an operator would give the hook (Marathon app env). */
  readonly hookEnv: Record<string, string>;
  adm(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

async function startVarnish(backendPort: number): Promise<TestVarnish> {
  requireBinary(VARNISHD, "varnish");
  requireBinary(VARNISHADM, "varnish");
  const dir = mkdtempSync(join(tmpdir(), "berth-varnish-"));
  chmodSync(dir, 0o755); // varnishd's jail user (varnish) reads the VCL and writes below the working dir
  const workDir = join(dir, "varnishd");
  const [port, adminPort] = [await freePort(), await freePort()];
  const vcl = join(dir, "app.vcl");
  // No probe: the backend is healthy until varnishadm says otherwise. Every request is passed to the backend.
  writeFileSync(vcl, ["vcl 4.1;", `backend app { .host = "127.0.0.1"; .port = "${backendPort}"; }`, "sub vcl_recv { return (pass); }", ""].join("\n"));
  const secret = join(dir, "secret");
  writeFileSync(secret, randomBytes(32).toString("hex") + "\n", { mode: 0o600 });
  const daemon = startDaemon(VARNISHD, ["-F", "-n", workDir, "-a", `127.0.0.1:${port}`, "-T", `127.0.0.1:${adminPort}`, "-S", secret, "-f", vcl, "-P", join(dir, "varnishd.pid"), "-s", "malloc,32m"], join(dir, "varnishd.log"));
  const exited = daemon.exited;
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const adm = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(VARNISHADM, ["-n", workDir, "-t", "5", ...args], { timeout: 15_000 }, (error, stdout, stderr) => (error ? reject(new Error(`varnishadm ${args.join(" ")}: ${stdout}${stderr}`)) : resolve(stdout))),
    );
  try {
    await waitFor(
      async () => {
        if (exited()) throw new Error(`varnishd exited: ${readFileSync(join(dir, "varnishd.log"), "utf8")}`);
        return (await get(port)).status === 200;
      },
      { what: "varnishd to answer through the backend", timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { workDir, port, adminAddress: `127.0.0.1:${adminPort}`, secretFile: secret, hookEnv: { VARNISH_BACKEND: "app", VARNISH_NAME: workDir, VARNISHADM }, adm, stop };
}

/** The Admin column of `backend.list` for boot.app. */
async function adminState(varnish: TestVarnish): Promise<string | undefined> {
  return /^boot\.app\s+(\S+)/m.exec(await varnish.adm("backend.list"))?.[1];
}

let task: Awaited<ReturnType<typeof startTaskServer>>;
let varnish: TestVarnish;
before(async () => {
  task = await startTaskServer("task-a");
  varnish = await startVarnish(task.port);
});
after(async () => {
  await varnish?.stop();
  await task?.close();
});

describe("examples/hooks/varnish/backend-health-hook.sh with a real varnishd", () => {
  test("preKill → the backend is sick and requests get 503; stop → still sick; healthy → routed to the task again", async () => {
    const env = { ...varnish.hookEnv, PORT0: String(task.port) };
    assert.deepEqual(await get(varnish.port), { status: 200, body: "task-a" });

    const preKill = await runHook(HOOK, "preKill", "web.a1", env);
    assert.equal(preKill.code, 0, preKill.stderr);
    assert.match(preKill.stdout, /backend app set to sick \(task web\.a1\)/);
    assert.equal(await adminState(varnish), "sick");
    const refused = await get(varnish.port);
    assert.equal(refused.status, 503, "Varnish no longer sends requests to the task");
    assert.notEqual(refused.body, "task-a");

    const stop = await runHook(HOOK, "stop", "web.a1", env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await adminState(varnish), "sick");

    const healthy = await runHook(HOOK, "healthy", "web.a1", env);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(healthy.stdout, /backend app set to auto/);
    assert.notEqual(await adminState(varnish), "sick");
    assert.deepEqual(await get(varnish.port), { status: 200, body: "task-a" });
  });

  test("preKill with VARNISH_DRAIN_SECONDS returns once the request in flight to the backend is answered (varnishstat)", async () => {
    const env = { ...varnish.hookEnv, VARNISH_DRAIN_SECONDS: "30", VARNISHSTAT: "/usr/bin/varnishstat" };
    let inFlightDone = false;
    const inFlight = get(varnish.port, "/slow?ms=1500").then((r) => ((inFlightDone = true), r));
    await withTimeout(task.slowArrived, 10_000, "the slow request to reach the task");
    const started = performance.now();
    const preKill = await runHook(HOOK, "preKill", "web.a3", env);
    assert.equal(preKill.code, 0, preKill.stderr);
    assert.match(preKill.stdout, /no request to app in flight/);
    assert.ok(inFlightDone, "the hook returned only after the request in flight was answered");
    assert.ok(performance.now() - started < 25_000);
    assert.deepEqual(await inFlight, { status: 200, body: "task-a" });
    assert.equal((await get(varnish.port)).status, 503);
    assert.equal((await runHook(HOOK, "healthy", "web.a3", env)).code, 0);
    assert.deepEqual(await get(varnish.port), { status: 200, body: "task-a" });
  });

  test("through the admin port and secret file (-T / -S) instead of -n", async () => {
    const env = { VARNISH_BACKEND: "app", VARNISH_ADMIN_ADDRESS: varnish.adminAddress, VARNISH_SECRET_FILE: varnish.secretFile, VARNISHADM };
    const preKill = await runHook(HOOK, "preKill", "web.a2", env);
    assert.equal(preKill.code, 0, preKill.stderr);
    assert.equal(await adminState(varnish), "sick");
    assert.equal((await get(varnish.port)).status, 503);
    const healthy = await runHook(HOOK, "healthy", "web.a2", env);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.deepEqual(await get(varnish.port), { status: 200, body: "task-a" });
  });

  test("a backend Varnish does not know: exit 1, Varnish's answer and the command on stderr", async () => {
    const run = await runHook(HOOK, "preKill", "web.a1", { ...varnish.hookEnv, VARNISH_BACKEND: "nope" });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /No Backends matches/);
    assert.match(run.stderr, /varnish backend hook: '.*varnishadm backend\.set_health nope sick' failed \(instance: /);
    assert.deepEqual(await get(varnish.port), { status: 200, body: "task-a" }, "the real backend was left alone");
  });

  test("bad input: clear messages on stderr, exit 1, varnishadm not called", async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ["healthy", { VARNISH_NAME: varnish.workDir }, /VARNISH_BACKEND is not set/],
      ["healthy", { ...varnish.hookEnv, VARNISH_BACKEND: "app auto; vcl.discard boot" }, /VARNISH_BACKEND 'app auto; vcl.discard boot' may only hold/],
      ["preKill", { ...varnish.hookEnv, VARNISH_DRAIN_SECONDS: "1s" }, /VARNISH_DRAIN_SECONDS must be a whole number/],
      ["exited", { ...varnish.hookEnv }, /nothing to do in phase 'exited'/],
      ["healthy", { ...varnish.hookEnv, VARNISHADM: "/nonexistent/varnishadm" }, /'\/nonexistent\/varnishadm backend\.set_health app auto' failed/],
    ];
    for (const [phase, env, expected] of cases) {
      const run = await runHook(HOOK, phase, "web.a1", env);
      assert.equal(run.code, 1, `${phase} ${JSON.stringify(env)}: ${run.stderr}`);
      assert.match(run.stderr, expected);
    }
    assert.notEqual(await adminState(varnish), "sick");
  });
});
