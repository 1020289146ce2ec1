// The HAProxy hook against a real HAProxy 2.6 (test/helpers/haproxy.ts) routing to a real HTTP server standing in
// for the task.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, afterEach, before, describe, it } from "node:test";
import { startHaproxy, type TestHaproxy } from "../../test/helpers/haproxy.js";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import { freePort } from "../dev/freePort.js";
import type { Hook, HookContext } from "../core/hook.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { HaproxyError } from "./haproxy/runtimeApi.js";
import { haproxyHook, haproxyServerName, HaproxyHookError, type HaproxyHookOptions } from "./haproxyHook.js";

/** The task: counts requests; /slow waits until released; /hang never ends its response. */
interface TaskServer {
  readonly port: number;
  readonly hits: Map<string, number>;
  readonly pending: ServerResponse[];
  /** Resolves at the next request of `path` reaching the server. */
  arrived(path: string): Promise<void>;
  close(): Promise<void>;
}

async function startTaskServer(): Promise<TaskServer> {
  const port = await freePort();
  const hits = new Map<string, number>();
  const pending: ServerResponse[] = [];
  const waiters: { path: string; resolve: () => void }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    for (const w of waiters.filter((w) => w.path === path)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (path === "/slow") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first half,");
      pending.push(res);
    } else if (path === "/hang") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("never ends");
      pending.push(res);
    } else {
      res.end(`task ${port}`);
    }
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    port,
    hits,
    pending,
    arrived: (path) => new Promise((resolve) => waiters.push({ path, resolve })),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Answer {
  status: number;
  body: string;
}

/** One request through HAProxy (no keep-alive). */
function get(port: number, path: string, signal?: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, ...(signal ? { signal } : {}) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const TASK_ID = "web.1f0c2b7e-9a3d-11ee-8c90-0242ac120002";

function context(signal: AbortSignal, lines: string[], taskId = TASK_ID): HookContext {
  const task: TaskSpec = { taskId, name: "web", command: { kind: "shell", script: "true" }, env: {}, cwd: "/", killGracePeriodMs: 1000, stopSignal: "SIGTERM" };
  return { task, signal, output: (line) => lines.push(line) };
}

function preKillContext(signal: AbortSignal, lines: string[], taskId = TASK_ID): Parameters<NonNullable<Hook["preKill"]>>[0] {
  return { ...context(signal, lines, taskId), cause: "requested", exited: new Promise<void>(() => undefined) };
}

async function serverNames(haproxy: TestHaproxy, backend: string): Promise<string[]> {
  return (await haproxy.api.serversState(backend, AbortSignal.timeout(5_000))).map((s) => s.name);
}

/** A request through HAProxy that the task never answers, once it has reached the task; abort it with `controller`. */
async function endlessRequest(haproxy: TestHaproxy, task: TaskServer): Promise<{ controller: AbortController; hang: Promise<Answer | string> }> {
  const arrived = task.arrived("/hang");
  const controller = new AbortController();
  const hang = get(haproxy.port, "/hang", controller.signal).catch(() => "aborted");
  await withTimeout(arrived, 10_000, "the endless request to reach the task");
  return { controller, hang };
}

describe("haproxyServerName", () => {
  it("keeps a Marathon task id and adds the port; sanitizes and hashes anything else", () => {
    assert.equal(haproxyServerName(TASK_ID, 31005), `${TASK_ID}_31005`);
    const odd = haproxyServerName("my/app x", 80);
    assert.match(odd, /^my_app_x_80-[0-9a-f]{8}$/);
    assert.notEqual(haproxyServerName("my/app", 80), haproxyServerName("my_app", 80));
    assert.ok(haproxyServerName("x".repeat(500), 80).length < 120);
  });
});

describe("haproxyHook options", () => {
  it("refuses bad options, naming each problem", () => {
    assert.throws(
      () => haproxyHook({ socket: { path: "/x" }, backends: [{ backend: "b e", address: "nope", weight: 300 }], drainTimeoutMs: -1 }),
      (error: unknown) =>
        error instanceof HaproxyHookError && /backend "b e"/.test(error.message) && /address "nope"/.test(error.message) && /weight/.test(error.message) && /drainTimeoutMs/.test(error.message),
    );
  });
});

describe("haproxyHook against a real HAProxy", () => {
  let haproxy: TestHaproxy;
  let task: TaskServer;
  const hooks: Hook[] = [];

  before(async () => {
    haproxy = await startHaproxy([{ name: "be" }, { name: "be2" }, { name: "static", balance: "static-rr" }], { tcpSocket: true });
    task = await startTaskServer();
  });
  afterEach(async () => {
    // Every hook's re-check loop ends and its servers go, so that tests do not see each other's.
    for (const res of task.pending.splice(0)) res.destroy();
    for (const hook of hooks.splice(0)) await hook.stop?.(context(AbortSignal.timeout(10_000), []));
  });
  after(async () => {
    await task?.close();
    await haproxy?.stop();
  });

  const make = (overrides: Partial<HaproxyHookOptions> = {}): Hook => {
    const hook = haproxyHook({
      socket: { path: haproxy.socketPath },
      backends: [{ backend: "be", address: `127.0.0.1:${task.port}`, weight: 10 }],
      drainTimeoutMs: 10_000,
      recheckIntervalMs: 60_000,
      pollIntervalMs: 50,
      ...overrides,
    });
    hooks.push(hook);
    return hook;
  };
  const name = (): string => haproxyServerName(TASK_ID, task.port);

  it("registers at healthy: HAProxy routes to the task; stop removes it, and stop again is fine", async () => {
    assert.equal((await get(haproxy.port, "/")).status, 503, "no server before the registration");
    const hook = make();
    const lines: string[] = [];
    await hook.healthy!(context(AbortSignal.timeout(10_000), lines));
    assert.deepEqual(await serverNames(haproxy, "be"), [name()]);
    const state = (await haproxy.api.serversState("be", AbortSignal.timeout(5_000)))[0]!;
    assert.equal(state.adminState & 1, 0, "out of maintenance");
    assert.equal(state.weight, 10);
    const answer = await get(haproxy.port, "/");
    assert.deepEqual(answer, { status: 200, body: `task ${task.port}` });
    assert.ok(lines.some((l) => l.startsWith(`registered be/${name()} at 127.0.0.1:${task.port} (weight 10)`)), lines.join("\n"));

    const stopLines: string[] = [];
    await hook.stop!(context(AbortSignal.timeout(10_000), stopLines));
    assert.deepEqual(await serverNames(haproxy, "be"), []);
    assert.ok(stopLines.includes(`removed be/${name()}`), stopLines.join("\n"));
    // Idempotent: a second stop has nothing to do, and a preKill after it neither.
    await hook.stop!(context(AbortSignal.timeout(10_000), stopLines));
    await hook.preKill!(preKillContext(AbortSignal.timeout(10_000), stopLines));
    assert.equal((await get(haproxy.port, "/")).status, 503);
  });

  it("stop is fine when the server was removed behind its back", async () => {
    const hook = make();
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    await haproxy.command(`set server be/${name()} state maint`);
    assert.equal((await haproxy.command(`del server be/${name()}`)).trim(), "Server deleted.");
    const lines: string[] = [];
    await hook.stop!(context(AbortSignal.timeout(10_000), lines));
    assert.ok(lines.includes(`server be/${name()} is already gone`), lines.join("\n"));
  });

  it("registers in several backends and drains them all", async () => {
    const hook = make({ backends: [{ backend: "be", address: `127.0.0.1:${task.port}` }, { backend: "be2", address: `127.0.0.1:${task.port}` }] });
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    assert.deepEqual(await serverNames(haproxy, "be"), [name()]);
    assert.deepEqual(await serverNames(haproxy, "be2"), [name()]);
    const lines: string[] = [];
    await hook.preKill!(preKillContext(AbortSignal.timeout(20_000), lines));
    assert.deepEqual(await serverNames(haproxy, "be"), []);
    assert.deepEqual(await serverNames(haproxy, "be2"), []);
    assert.ok(lines.includes(`removed be/${name()}`) && lines.includes(`removed be2/${name()}`), lines.join("\n"));
  });

  it("preKill waits for a request in flight to finish (scur 0) before del server; new requests no longer reach the task", async () => {
    const hook = make();
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    const arrived = task.arrived("/slow");
    const slow = get(haproxy.port, "/slow");
    await withTimeout(arrived, 10_000, "the slow request to reach the task");

    const lines: string[] = [];
    let preKillDone = false;
    const preKill = hook.preKill!(preKillContext(AbortSignal.timeout(30_000), lines)).then(() => void (preKillDone = true));
    await waitFor(() => lines.some((l) => l.includes("1 session(s)")), { what: "the hook to report the session left" });
    // Draining: the server is still there and the request still in flight; a new request is not sent to the task.
    assert.deepEqual(await serverNames(haproxy, "be"), [name()]);
    const stat = await haproxy.api.serverStat("be", name(), AbortSignal.timeout(5_000));
    assert.equal(stat?.status, "DRAIN");
    assert.equal(stat?.scur, 1);
    const rootHits = task.hits.get("/") ?? 0;
    assert.equal((await get(haproxy.port, "/")).status, 503, "a draining server gets no new request");
    assert.equal(task.hits.get("/") ?? 0, rootHits);
    assert.equal(preKillDone, false, "preKill still waits for the session");

    // The response ends: the session ends, the hook confirms the drain and removes the server.
    task.pending.shift()!.end("second half");
    assert.deepEqual(await slow, { status: 200, body: "first half,second half" });
    await withTimeout(preKill, 10_000, "preKill after the drain");
    const drainedAt = lines.findIndex((l) => l.startsWith(`drained be/${name()}`));
    const removedAt = lines.indexOf(`removed be/${name()}`);
    assert.ok(lines[0]?.startsWith(`draining be/${name()}`), lines.join("\n"));
    assert.ok(drainedAt > 0 && removedAt > drainedAt, lines.join("\n"));
    assert.deepEqual(await serverNames(haproxy, "be"), []);
    assert.equal((await get(haproxy.port, "/")).status, 503);
    assert.equal(task.hits.get("/") ?? 0, rootHits, "no request reached the task after the drain");
    // stop after preKill: nothing left to do.
    const stopLines: string[] = [];
    await hook.stop!(context(AbortSignal.timeout(10_000), stopLines));
    assert.deepEqual(stopLines, []);
  });

  it("the drain is bounded: a request that never ends leaves at the drain timeout, and stop removes the server later", async () => {
    const hook = make({ drainTimeoutMs: 700 });
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    const { controller, hang } = await endlessRequest(haproxy, task);

    const lines: string[] = [];
    const started = performance.now();
    await withTimeout(hook.preKill!(preKillContext(AbortSignal.timeout(30_000), lines)), 10_000, "preKill at its drain timeout");
    const took = performance.now() - started;
    assert.ok(took >= 650 && took < 5_000, `preKill took ${took} ms`);
    assert.ok(lines.some((l) => l.startsWith(`drain of be/${name()} timed out after`) && l.includes("1 session(s) left")), lines.join("\n"));
    // HAProxy refuses to delete a server with a session attached: it stays in maintenance.
    assert.ok(lines.some((l) => l.startsWith(`left be/${name()} in maintenance`)), lines.join("\n"));
    const state = (await haproxy.api.serversState("be", AbortSignal.timeout(5_000))).find((s) => s.name === name());
    assert.ok(state && (state.adminState & 1) === 1, "in maintenance");

    // The task goes (its connections with it): stop removes the server.
    controller.abort();
    assert.equal(await hang, "aborted");
    for (const res of task.pending.splice(0)) res.destroy();
    const stopLines: string[] = [];
    await hook.stop!(context(AbortSignal.timeout(10_000), stopLines));
    assert.ok(stopLines.includes(`removed be/${name()}`), stopLines.join("\n"));
    assert.deepEqual(await serverNames(haproxy, "be"), []);
  });

  it("the drain ends at the hook's deadline when that comes first, and says so", async () => {
    const hook = make({ drainTimeoutMs: 60_000 });
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    const { controller, hang } = await endlessRequest(haproxy, task);
    const lines: string[] = [];
    await withTimeout(hook.preKill!(preKillContext(AbortSignal.timeout(600), lines)), 10_000, "preKill at its deadline");
    assert.ok(lines.some((l) => l.startsWith(`drain of be/${name()} cut short by the hook's deadline`)), lines.join("\n"));
    controller.abort();
    await hang;
    // The task goes: stop removes what the cut-short preKill left.
    for (const res of task.pending.splice(0)) res.destroy();
    const stopLines: string[] = [];
    await hook.stop!(context(AbortSignal.timeout(10_000), stopLines));
    assert.ok(stopLines.includes(`removed be/${name()}`), stopLines.join("\n"));
  });

  it("adds the server again when it vanished (as on a reload), until preKill", async () => {
    const hook = make({ recheckIntervalMs: 100 });
    const lines: string[] = [];
    await hook.healthy!(context(AbortSignal.timeout(10_000), lines));
    await haproxy.command(`set server be/${name()} state maint`);
    assert.equal((await haproxy.command(`del server be/${name()}`)).trim(), "Server deleted.");
    await waitFor(async () => (await serverNames(haproxy, "be")).includes(name()), { what: "the re-check loop to add the server again" });
    await waitFor(async () => (await get(haproxy.port, "/")).status === 200, { what: "HAProxy to route to the re-added server" });
    assert.ok(lines.some((l) => l.startsWith(`server be/${name()} is gone from HAProxy`)), lines.join("\n"));
    assert.ok(lines.includes(`registered be/${name()} at 127.0.0.1:${task.port} again`), lines.join("\n"));

    await hook.preKill!(preKillContext(AbortSignal.timeout(10_000), []));
    assert.deepEqual(await serverNames(haproxy, "be"), []);
    // The loop is over: the server stays gone.
    const after = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 400)); // several re-check intervals: checks that nothing happens
    assert.deepEqual(await serverNames(haproxy, "be"), []);
    assert.equal(lines.length, after);
  });

  it("adds the server again after a real HAProxy reload (master-worker, SIGUSR2)", async () => {
    const hook = make({ recheckIntervalMs: 100 });
    const lines: string[] = [];
    await hook.healthy!(context(AbortSignal.timeout(10_000), lines));
    assert.equal((await get(haproxy.port, "/")).status, 200);
    await haproxy.reload();
    // The old worker may still answer a request or two while it hands its listeners over, so the
    // proof is the new worker's own server list (reload() resolves once the socket is the new one's).
    await waitFor(async () => lines.includes(`registered be/${name()} at 127.0.0.1:${task.port} again`), { what: "the re-check loop to add the server again" });
    assert.ok(lines.some((l) => l.startsWith(`server be/${name()} is gone from HAProxy`)), lines.join("\n"));
    assert.deepEqual(await serverNames(haproxy, "be"), [name()]);
    await waitFor(async () => (await get(haproxy.port, "/")).status === 200, { what: "HAProxy to route to the task again after the reload" });
    await hook.preKill!(preKillContext(AbortSignal.timeout(10_000), lines));
    assert.deepEqual(await serverNames(haproxy, "be"), []);
  });

  it("registers a host name's address (HAProxy would leave it unresolved without resolvers)", async () => {
    const hook = make({ backends: [{ backend: "be", address: `localhost:${task.port}` }] });
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    const state = (await haproxy.api.serversState("be", AbortSignal.timeout(5_000)))[0]!;
    assert.match(state.address, /^(?:127\.0\.0\.1|::1)$/);
    assert.equal((await get(haproxy.port, "/")).status, state.address === "::1" ? 503 : 200);
  });

  it("works over a TCP Runtime API socket (host:port)", async () => {
    const hook = make({ socket: { host: "127.0.0.1", port: haproxy.tcpPort! } });
    const lines: string[] = [];
    await hook.healthy!(context(AbortSignal.timeout(10_000), lines));
    assert.equal((await get(haproxy.port, "/")).status, 200);
    await hook.preKill!(preKillContext(AbortSignal.timeout(10_000), lines));
    assert.ok(lines.includes(`removed be/${name()}`), lines.join("\n"));
  });

  it("adds the server with HAProxy health checks when asked", async () => {
    const hook = make({ check: true, checkIntervalMs: 200 });
    await hook.healthy!(context(AbortSignal.timeout(10_000), []));
    await waitFor(async () => (await haproxy.api.serverStat("be", name(), AbortSignal.timeout(5_000)))?.status === "UP", { what: "the checked server UP" });
    assert.equal((await get(haproxy.port, "/")).status, 200);
  });

  it("an unknown backend fails the registration, naming the backend", async () => {
    const hook = make({ backends: [{ backend: "nosuch", address: `127.0.0.1:${task.port}` }] });
    await assert.rejects(hook.healthy!(context(AbortSignal.timeout(10_000), [])), (error: unknown) => {
      assert.ok(error instanceof HaproxyError && error.kind === "no-such-backend", String(error));
      assert.match(error.message, /nosuch/);
      assert.match(error.message, new RegExp(haproxy.socketPath.replaceAll(".", "\\.")));
      return true;
    });
  });

  it("a backend with balance static-rr fails the registration, naming the backend and why", async () => {
    const hook = make({ backends: [{ backend: "static", address: `127.0.0.1:${task.port}` }] });
    await assert.rejects(hook.healthy!(context(AbortSignal.timeout(10_000), [])), (error: unknown) => {
      assert.ok(error instanceof HaproxyError && error.kind === "static-backend", String(error));
      assert.match(error.message, /backend static uses a static balance algorithm/);
      return true;
    });
  });

  it("a missing socket fails the registration, naming the socket and the backend; stop then has nothing to undo", async () => {
    const path = `${haproxy.dir}/missing.sock`;
    const hook = make({ socket: { path } });
    await assert.rejects(hook.healthy!(context(AbortSignal.timeout(10_000), [])), (error: unknown) => {
      assert.ok(error instanceof HaproxyError && error.kind === "socket-missing", String(error));
      assert.match(error.message, new RegExp(`no HAProxy socket at ${path.replaceAll(".", "\\.")}`));
      assert.match(error.message, /be\//);
      return true;
    });
  });

  it("a TCP socket nobody listens on is 'unreachable', within the signal", async () => {
    const port = await freePort();
    const hook = make({ socket: { host: "127.0.0.1", port } });
    await assert.rejects(hook.healthy!(context(AbortSignal.timeout(10_000), [])), (error: unknown) => {
      assert.ok(error instanceof HaproxyError && error.kind === "unreachable", String(error));
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });
});
