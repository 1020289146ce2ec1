// The Consul hook against the Consul agent double (test/doubles/consulServer.ts: Consul cannot be installed here),
// phase by phase and inside a real TaskLifecycle: registration at the readiness gate, a preKill that ends only once
// the instance has left Consul's passing set, bounded waits when Consul is unreachable or hangs, and no token in any
// message or output line.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { ConsulServerDouble } from "../../test/doubles/consulServer.js";
import { fixtureCommand, MarkerDir, markerTaskSpec } from "../../test/helpers/fixtures.js";
import { checkEachTest, LeftoverGuard } from "../../test/helpers/leftovers.js";
import { withTimeout } from "../../test/helpers/waitFor.js";
import type { HookContext, KillCause } from "../core/hook.js";
import { TaskLifecycle } from "../core/taskLifecycle.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { ConsulClient, ConsulError, parseConsulAddress } from "./consul/consulClient.js";
import { consulHook, ConsulHookError, registrationBody, type ConsulHookOptions, type ConsulServiceOptions } from "./consulHook.js";
import { readConsulSettings } from "./consulSettings.js";

const TOKEN = "b1gs3cret-acl-token-7f3a";
const TASK: TaskSpec = { taskId: "web.1", name: "web", command: { kind: "shell", script: "true" }, env: {}, cwd: "/tmp", killGracePeriodMs: 1000, stopSignal: "SIGTERM" };

const WEB: ConsulServiceOptions = {
  id: "web.1_web_31000",
  name: "web",
  tags: ["metrics", "marathon", "marathon-task:web.1"],
  address: "10.0.0.5",
  port: 31000,
  check: { http: "http://10.0.0.5:31000/health", intervalMs: 5000, timeoutMs: 2000 },
};
const ADMIN: ConsulServiceOptions = { id: "web.1_web-admin_31001", name: "web-admin", tags: ["marathon"], address: "10.0.0.5", port: 31001, check: { tcp: "10.0.0.5:31001", intervalMs: 1500, timeoutMs: 500 } };

interface Phase {
  readonly lines: string[];
  readonly context: HookContext & { readonly cause: KillCause; readonly exited: Promise<void> };
}

/** A phase context recording the hook's output lines; `signal` is the call's deadline. */
function phase(signal: AbortSignal = new AbortController().signal): Phase {
  const lines: string[] = [];
  return { lines, context: { task: TASK, signal, output: (line) => lines.push(line), cause: "requested", exited: new Promise<void>(() => undefined) } };
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Settles `promise` into a flag the test can read while it is pending. */
function track<T>(promise: Promise<T>): { readonly settled: () => boolean; readonly promise: Promise<T> } {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  tracked.catch(() => undefined);
  return { settled: () => settled, promise: tracked };
}

let consul: ConsulServerDouble;
const options = (more: Partial<ConsulHookOptions> = {}): ConsulHookOptions => ({
  agent: { address: consul.address, token: TOKEN },
  services: [WEB],
  leaveTimeoutMs: 10_000,
  pollWaitMs: 2_000,
  pollIntervalMs: 20,
  ...more,
});

describe("Consul agent double: the documented API, strict", () => {
  before(async () => (consul = await ConsulServerDouble.start()));
  after(() => consul.close());
  const signal = (): AbortSignal => AbortSignal.timeout(5000);

  it("accepts the bodies Berth builds (HTTP and TCP checks, initial status, DeregisterCriticalServiceAfter)", async () => {
    const client = new ConsulClient({ address: consul.address });
    for (const service of [WEB, ADMIN, { ...WEB, id: "plain", name: "plain", check: undefined }]) {
      await client.register(registrationBody(service, "warning", 90_000), signal());
    }
    const registered = consul.agentServices().get("web.1_web-admin_31001");
    assert.equal(registered?.checks[0]?.Status, "warning");
    const body = JSON.parse(consul.requests.find((r) => r.body.includes("web.1_web_31000"))!.body);
    assert.deepEqual(body, {
      ID: "web.1_web_31000",
      Name: "web",
      Tags: ["metrics", "marathon", "marathon-task:web.1"],
      Port: 31000,
      EnableTagOverride: false,
      Address: "10.0.0.5",
      Check: { Interval: "5s", Timeout: "2s", Status: "warning", HTTP: "http://10.0.0.5:31000/health", DeregisterCriticalServiceAfter: "90s" },
    });
    const health = await client.healthService("web", { passing: false }, signal());
    assert.deepEqual(health.entries.map((e) => [e.Service.ID, e.Checks.map((c) => c.CheckID)]), [["web.1_web_31000", ["serfHealth", "service:web.1_web_31000"]]]);
    assert.ok(health.index > 0);
  });

  it("rejects malformed registrations with 400 and Consul's message (so a bug in Berth's body shows)", async () => {
    const client = new ConsulClient({ address: consul.address });
    const cases: [unknown, string][] = [
      [{ ID: "x", Port: 1 }, "Missing service name"],
      [{ ID: "x", Name: "x", Port: "80" }, "Request decode failed: json: cannot unmarshal string into Go struct field ServiceDefinition.Port of type int"],
      [{ ID: "x", Name: "x", Tags: "a,b" }, "Request decode failed: json: cannot unmarshal string into Go struct field ServiceDefinition.Tags of type []string"],
      [{ ID: "x", Name: "x", Adress: "10.0.0.1" }, 'Request decode failed: unknown field "Adress" (the Consul double is strict)'],
      [{ ID: "x", Name: "x", Address: "0.0.0.0" }, "Invalid service address"],
      [{ ID: "x", Name: "x", Check: { HTTP: "http://h:1/", Interval: "5 s" } }, 'Request decode failed: time: invalid duration "5 s"'],
      [{ ID: "x", Name: "x", Check: { HTTP: "http://h:1/" } }, "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"],
      [{ ID: "x", Name: "x", Check: { Interval: "5s" } }, "Invalid check: TTL must be > 0 for TTL checks"],
      [{ ID: "x", Name: "x", Check: { TCP: "h:1", Interval: "5s", Status: "ok" } }, "Status for checks must 'passing', 'warning', 'critical'"],
    ];
    for (const [body, reason] of cases) {
      await assert.rejects(client.register(body as never, signal()), (error: ConsulError) => {
        assert.equal(error.code, "CONSUL_STATUS");
        assert.equal(error.status, 400);
        assert.equal(error.message, `Consul at http://${consul.address}: PUT /v1/agent/service/register answered 400: ${reason}`);
        return true;
      });
    }
  });

  it("deregistering an unknown ID: 404 with Consul's message, which the client takes as already gone", async () => {
    const client = new ConsulClient({ address: consul.address });
    assert.equal(await client.deregister("nope", signal()), "unknown");
    const request = consul.requests.at(-1)!;
    assert.equal(request.status, 404);
    assert.equal(request.answer, 'Unknown service ID "nope". Ensure that the service ID is passed, not the service name.');
  });
});

describe("Consul agent double in ACL mode: the token", () => {
  before(async () => (consul = await ConsulServerDouble.start({ requiredToken: TOKEN })));
  after(() => consul.close());

  it("is sent as X-Consul-Token, and a refused one never appears in the error", async () => {
    const wrong = `${TOKEN}-wrong`;
    const hook = consulHook(options({ agent: { address: consul.address, token: wrong } }));
    const p = phase();
    await assert.rejects(hook.healthy!(p.context), (error: ConsulHookError) => {
      assert.equal(error.code, "CONSUL_REGISTRATION_FAILED");
      assert.equal(
        error.message,
        `registering web.1_web_31000 (service "web") failed: Consul at http://${consul.address}: PUT /v1/agent/service/register answered 403: ACL not found`,
      );
      return true;
    });
    assert.equal(consul.requests.at(-1)!.token, wrong);
    const anonymous = consulHook(options({ agent: { address: consul.address } }));
    await assert.rejects(anonymous.healthy!(phase().context), /answered 403: Permission denied: anonymous token lacks permission 'service:write on "web"'/);
  });

  it("never appears in output lines or errors, even when Consul echoes it", async () => {
    const from = consul.requests.length;
    const hook = consulHook(options());
    const p = phase();
    await hook.healthy!(p.context);
    consul.fault("deregister", { kind: "status", status: 500, body: `rpc error: token ${TOKEN} lacks permission` });
    const kill = phase(AbortSignal.timeout(5000));
    const error = await hook.preKill!(kill.context).then(() => undefined, (e: Error) => e);
    consul.fault("deregister", undefined);
    assert.ok(error instanceof ConsulHookError);
    assert.match(error.message, /answered 500: rpc error: token <token> lacks permission/);
    const texts = [...p.lines, ...kill.lines, error.message, String(error.cause ?? "")];
    for (const text of texts) assert.ok(!text.includes(TOKEN), `the token leaked into: ${text}`);
    assert.ok(consul.requests.slice(from).every((r) => r.token === TOKEN && r.headers["x-consul-token"] === TOKEN), "every request carried the token");
    await hook.stop!(phase().context);
  });
});

describe("consulHook against the Consul agent double", () => {
  before(async () => (consul = await ConsulServerDouble.start()));
  after(() => consul.close());
  beforeEach(() => {
    consul.catalogLag = "none";
    consul.fault("register", undefined);
    consul.fault("deregister", undefined);
    consul.fault("health", undefined);
  });

  it("healthy registers every instance with its check passing; each step is an output line", async () => {
    const hook = consulHook(options({ services: [WEB, ADMIN] }));
    const p = phase();
    await hook.healthy!(p.context);
    const services = consul.agentServices();
    assert.deepEqual([...services.keys()].filter((id) => id.startsWith("web.1_")).sort(), [ADMIN.id, WEB.id].sort());
    assert.deepEqual(services.get(WEB.id)!.checks.map((c) => [c.CheckID, c.Status, c.Type]), [[`service:${WEB.id}`, "passing", "http"]]);
    assert.deepEqual(p.lines, [
      `registered ${WEB.id} as "web" at 10.0.0.5:31000 in Consul at http://${consul.address} (tags: metrics, marathon, marathon-task:web.1, check http://10.0.0.5:31000/health (passing))`,
      `registered ${ADMIN.id} as "web-admin" at 10.0.0.5:31001 in Consul at http://${consul.address} (tags: marathon, check tcp 10.0.0.5:31001 (passing))`,
    ]);
    await hook.stop!(phase().context);
    assert.ok(!consul.agentServices().has(WEB.id) && !consul.agentServices().has(ADMIN.id));
  });

  it("preKill deregisters, then ends only once the instance has left /v1/health/service/<name>?passing", async () => {
    const hook = consulHook(options());
    await hook.healthy!(phase().context);
    // Anti-entropy has not run yet: the catalog still lists the deregistered instance as passing.
    consul.catalogLag = "manual";
    const kill = phase(AbortSignal.timeout(20_000));
    const from = consul.requests.length;
    const preKill = track(hook.preKill!(kill.context));
    // A blocking query (index=) comes only after an answer that still listed the instance.
    const blocking = await consul.waitForRequest((r) => consul.requests.indexOf(r) >= from && r.path === "/v1/health/service/web" && r.query.has("index"));
    assert.ok(blocking.query.has("passing") && blocking.query.has("wait"), "a blocking query on the passing set");
    assert.ok(!consul.agentServices().has(WEB.id), "deregistered from the agent");
    assert.deepEqual(consul.catalogIds().filter((id) => id === WEB.id), [WEB.id], "still in the catalog");
    assert.equal(preKill.settled(), false, "preKill still waits while the instance is passing");
    consul.syncCatalog();
    await withTimeout(preKill.promise, 5000, "preKill after the catalog sync");
    assert.deepEqual(kill.lines.slice(0, 2), [`deregistered ${WEB.id} from Consul at http://${consul.address}`, `waiting for ${WEB.id} to leave the passing instances of "web"`]);
    assert.match(kill.lines[2]!, new RegExp(`^${WEB.id.replaceAll(".", "\\.")} left the passing instances of "web" \\(\\d+ ms after the kill began\\)$`));
    // stop deregisters again: Consul no longer knows the ID, which is fine.
    const stop = phase();
    await hook.stop!(stop.context);
    assert.deepEqual(stop.lines, [`${WEB.id} was not registered in Consul at http://${consul.address} (already gone)`]);
  });

  it("a catalog that lags by 300 ms: preKill ends after the lag, not before", async () => {
    const hook = consulHook(options());
    await hook.healthy!(phase().context);
    consul.catalogLag = 300;
    const started = performance.now();
    const kill = phase(AbortSignal.timeout(20_000));
    await hook.preKill!(kill.context);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290, `preKill ended ${elapsed} ms after it began, before the instance left the passing set`);
    assert.ok(!consul.catalogIds().includes(WEB.id));
    assert.match(kill.lines.at(-1)!, /left the passing instances of "web"/);
  });

  it("an answer that is not Consul's health JSON is a clear error (CONSUL_BAD_RESPONSE)", async () => {
    const client = new ConsulClient({ address: consul.address });
    consul.fault("health", { kind: "status", status: 200, body: "<html>proxy login</html>" });
    await assert.rejects(client.healthService("web", { passing: true }, AbortSignal.timeout(5000)), {
      code: "CONSUL_BAD_RESPONSE",
      message: `Consul at http://${consul.address}: GET /v1/health/service/:name answered 200 with a body that is not JSON (<html>proxy login</html>)`,
    });
    consul.fault("health", { kind: "status", status: 200, body: '{"web": []}' });
    await assert.rejects(client.healthService("web", { passing: true }, AbortSignal.timeout(5000)), { code: "CONSUL_BAD_RESPONSE" });
  });

  it("preKill gives up waiting after leaveTimeoutMs, says so, and reading errors are reported once", async () => {
    const hook = consulHook(options({ leaveTimeoutMs: 400 }));
    await hook.healthy!(phase().context);
    consul.catalogLag = "manual";
    consul.fault("health", { kind: "status", status: 500, body: "No cluster leader" });
    const kill = phase(AbortSignal.timeout(20_000));
    const started = performance.now();
    await hook.preKill!(kill.context);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 390 && elapsed < 5000, `ended after the leave timeout (${elapsed} ms)`);
    assert.deepEqual(kill.lines, [
      `deregistered ${WEB.id} from Consul at http://${consul.address}`,
      `waiting for ${WEB.id} to leave the passing instances of "web"`,
      `cannot read the passing instances of web yet: Consul at http://${consul.address}: GET /v1/health/service/:name answered 500: No cluster leader`,
      `${WEB.id} still among the passing instances of "web" after 400 ms: going on with the kill`,
    ]);
    consul.syncCatalog();
  });

  it("an instance that is not passing (check critical) does not hold preKill", async () => {
    const hook = consulHook(options());
    await hook.healthy!(phase().context);
    consul.setCheckStatus(WEB.id, "critical");
    consul.catalogLag = "manual";
    const kill = phase(AbortSignal.timeout(20_000));
    await withTimeout(hook.preKill!(kill.context), 5000, "preKill");
    assert.match(kill.lines.at(-1)!, /left the passing instances of "web"/);
    consul.syncCatalog();
  });

  it("an unreachable Consul at registration fails with a message naming Consul's address and the cause", async () => {
    const port = await closedPort();
    const hook = consulHook(options({ agent: { address: `127.0.0.1:${port}`, token: TOKEN } }));
    await assert.rejects(hook.healthy!(phase(AbortSignal.timeout(5000)).context), (error: ConsulHookError) => {
      assert.equal(error.code, "CONSUL_REGISTRATION_FAILED");
      assert.equal(
        error.message,
        `registering web.1_web_31000 (service "web") failed: Consul at http://127.0.0.1:${port}: PUT /v1/agent/service/register: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      assert.equal((error.cause as ConsulError).code, "CONSUL_UNREACHABLE");
      return true;
    });
  });

  it("a Consul error at registration names the status and Consul's reason", async () => {
    consul.fault("register", { kind: "status", status: 500, body: "No cluster leader" });
    const hook = consulHook(options());
    await assert.rejects(hook.healthy!(phase().context), /failed: Consul at http:\/\/127\.0\.0\.1:\d+: PUT \/v1\/agent\/service\/register answered 500: No cluster leader$/);
  });

  it("a Consul that hangs at deregistration never holds preKill beyond its deadline", async () => {
    const hook = consulHook(options());
    await hook.healthy!(phase().context);
    consul.fault("deregister", { kind: "hang" });
    const kill = phase(AbortSignal.timeout(300));
    const started = performance.now();
    const error = await hook.preKill!(kill.context).then(() => undefined, (e: Error) => e);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `preKill ended ${elapsed} ms after it began (deadline 300 ms)`);
    assert.ok(error instanceof ConsulHookError && error.code === "CONSUL_DEREGISTRATION_FAILED");
    assert.match(kill.lines[0]!, /^could not deregister web\.1_web_31000: Consul at http:\/\/127\.0\.0\.1:\d+: PUT \/v1\/agent\/service\/deregister\/:id: given up \(/);
    consul.fault("deregister", undefined);
    await hook.stop!(phase().context);
  });

  it("a Consul that hangs on the health query: preKill ends at its deadline", async () => {
    const hook = consulHook(options());
    await hook.healthy!(phase().context);
    consul.fault("health", { kind: "hang" });
    const kill = phase(AbortSignal.timeout(400));
    const started = performance.now();
    await hook.preKill!(kill.context);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `preKill ended ${elapsed} ms after it began (deadline 400 ms)`);
    assert.match(kill.lines.at(-1)!, /stopped waiting for web\.1_web_31000 to leave "web": the hook's deadline passed/);
  });

  it("refuses options that cannot work", () => {
    assert.throws(() => consulHook(options({ services: [{ ...WEB, port: 0 }, { ...WEB }, { ...WEB, id: "a/b" }] })), {
      code: "CONSUL_HOOK_INVALID",
      message:
        'Invalid Consul hook: services[0].port must be an integer from 1 to 65535 (got 0); services[1].id "web.1_web_31000" is used twice; services[2].id "a/b" contains "/": Consul cannot deregister such an ID',
    });
  });
});

describe("consulHook in a TaskLifecycle (real task, Consul agent double)", () => {
  const guard = new LeftoverGuard();
  let markers: MarkerDir;
  checkEachTest(guard, (fresh) => (markers = fresh));
  before(async () => (consul = await ConsulServerDouble.start()));
  after(() => consul.close());

  function run(hookOptions: ConsulHookOptions): { lifecycle: TaskLifecycle; outputs: string[] } {
    const outputs: string[] = [];
    const lifecycle = new TaskLifecycle(markerTaskSpec(markers, fixtureCommand("exits-later-on-sigterm.sh", "0")), {
      hooks: [consulHook(hookOptions)],
      runner: { stdout: "ignore", stderr: "ignore" },
      events: {
        onRunning: (pid) => guard.watchGroup(pid),
        onHookOutput: (hook, phaseName, line) => outputs.push(`${hook}.${phaseName}: ${line}`),
      },
    });
    lifecycle.start();
    return { lifecycle, outputs };
  }

  it("registers when ready; on kill the stop signal comes only after the instance left the passing set", async () => {
    consul.catalogLag = "manual";
    const { lifecycle, outputs } = run(options());
    await markers.pids("ready");
    await consul.waitForRequest((r) => r.path === "/v1/agent/service/register" && r.status === 200);
    const from = consul.requests.length;
    lifecycle.kill();
    await consul.waitForRequest((r) => consul.requests.indexOf(r) >= from && r.path === "/v1/health/service/web" && r.query.has("index"));
    assert.equal(markers.exists("term"), false, "no stop signal while Consul still lists the instance as passing");
    consul.syncCatalog();
    const outcome = await withTimeout(lifecycle.outcome, 30_000, "the outcome");
    assert.equal(outcome.state, "killed");
    assert.ok(markers.exists("term"), "the task got its stop signal");
    const lines = outputs.map((line) => line.replace(/\(\d+ ms/, "(N ms"));
    assert.deepEqual(lines, [
      `consul.healthy: registered ${WEB.id} as "web" at 10.0.0.5:31000 in Consul at http://${consul.address} (tags: metrics, marathon, marathon-task:web.1, check http://10.0.0.5:31000/health (passing))`,
      `consul.preKill: deregistered ${WEB.id} from Consul at http://${consul.address}`,
      `consul.preKill: waiting for ${WEB.id} to leave the passing instances of "web"`,
      `consul.preKill: ${WEB.id} left the passing instances of "web" (N ms after the kill began)`,
      `consul.stop: ${WEB.id} was not registered in Consul at http://${consul.address} (already gone)`,
    ]);
  });

  it("an unreachable Consul at registration fails the task, naming Consul", async () => {
    const port = await closedPort();
    const { lifecycle } = run(options({ agent: { address: `127.0.0.1:${port}` } }));
    const outcome = await withTimeout(lifecycle.outcome, 30_000, "the outcome");
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "hook_failed");
    assert.match(outcome.message, new RegExp(`healthy hook "consul" failed: registering web\\.1_web_31000 \\(service "web"\\) failed: Consul at http://127\\.0\\.0\\.1:${port}: PUT /v1/agent/service/register: connect ECONNREFUSED`));
  });
});

describe("readConsulSettings", () => {
  it("defaults", () => {
    const problems: string[] = [];
    assert.deepEqual(readConsulSettings({}, problems), {
      enabled: true,
      agent: { address: "127.0.0.1:8500", ssl: false },
      globalTag: "marathon",
      initialStatus: "passing",
      leaveTimeoutMs: 20_000,
    });
    assert.deepEqual(problems, []);
  });

  it("reads Consul's variables and Berth's, and names every bad one without showing the token", () => {
    const problems: string[] = [];
    const settings = readConsulSettings(
      {
        CONSUL_HTTP_ADDR: "https://consul.local:8501",
        CONSUL_HTTP_TOKEN: TOKEN,
        BERTH_CONSUL_GLOBAL_TAG: "cluster-a",
        BERTH_CONSUL_INITIAL_STATUS: "critical",
        BERTH_CONSUL_LEAVE_TIMEOUT: "45secs",
        BERTH_CONSUL_DEREGISTER_CRITICAL_AFTER: "10mins",
      },
      problems,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      enabled: true,
      agent: { address: "https://consul.local:8501", ssl: false, token: TOKEN },
      globalTag: "cluster-a",
      initialStatus: "critical",
      leaveTimeoutMs: 45_000,
      deregisterCriticalServiceAfterMs: 600_000,
    });
    const bad: string[] = [];
    readConsulSettings(
      {
        CONSUL_HTTP_ADDR: `http://user:${TOKEN}@consul:8500`,
        CONSUL_HTTP_TOKEN: TOKEN,
        CONSUL_CACERT: "/nonexistent/ca.pem",
        BERTH_CONSUL_INITIAL_STATUS: "ok",
        BERTH_CONSUL_LEAVE_TIMEOUT: "30",
        BERTH_CONSUL_ENABLED: "maybe",
      },
      bad,
    );
    assert.deepEqual(bad, [
      'BERTH_CONSUL_ENABLED: expected true or false, got "maybe"',
      "CONSUL_HTTP_ADDR: invalid Consul address: credentials in the address are not supported (use CONSUL_HTTP_TOKEN)",
      'CONSUL_CACERT: cannot read "/nonexistent/ca.pem" (ENOENT)',
      'BERTH_CONSUL_INITIAL_STATUS: expected passing, warning or critical, got "ok"',
      'BERTH_CONSUL_LEAVE_TIMEOUT: invalid duration "30": expected <number><ns|us|ms|secs|mins|hrs|days|weeks>, e.g. "5secs"',
    ]);
    assert.ok(bad.every((problem) => !problem.includes(TOKEN)));
  });
});

describe("ConsulClient transport: CONSUL_HTTP_ADDR forms, https with CONSUL_CACERT, unix sockets", () => {
  let dir: string;
  let tls: { cert: string; key: string; caFile: string; otherCaFile: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-consul-tls-"));
    const openssl = (...args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for (const ca of ["ca", "other-ca"]) openssl("req", "-x509", ...ec, "-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "2", "-subj", `/CN=${ca}`);
    openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
    tls = {
      cert: readFileSync(join(dir, "server.pem"), "utf8"),
      key: readFileSync(join(dir, "server.key"), "utf8"),
      caFile: join(dir, "ca.pem"),
      otherCaFile: join(dir, "other-ca.pem"),
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("parses the address forms Consul's tools take", () => {
    assert.equal(parseConsulAddress("127.0.0.1:8500").display, "http://127.0.0.1:8500");
    assert.equal(parseConsulAddress("consul.service:8501", true).display, "https://consul.service:8501");
    assert.equal(parseConsulAddress("https://[::1]:8501").display, "https://[::1]:8501");
    assert.deepEqual(parseConsulAddress("unix:///run/consul.sock").socketPath, "/run/consul.sock");
    for (const [text, why] of [
      ["", "empty"],
      ["ftp://h:1", 'unsupported scheme "ftp"'],
      ["http://h:1/v1", 'expected no path or query, got "http://h:1/v1"'],
      ["unix://run.sock", 'unix:// needs an absolute socket path, got "unix://run.sock"'],
    ]) {
      assert.throws(() => parseConsulAddress(text!), { code: "CONSUL_ADDRESS_INVALID", message: `invalid Consul address: ${why}` });
    }
  });

  it("https verified against CONSUL_CACERT; a Consul the CA did not sign is refused, naming the TLS error", async () => {
    const secure = await ConsulServerDouble.start({ tls: { cert: tls.cert, key: tls.key } });
    try {
      const problems: string[] = [];
      const settings = readConsulSettings({ CONSUL_HTTP_ADDR: secure.address, CONSUL_CACERT: tls.caFile }, problems);
      assert.deepEqual(problems, []);
      const hook = consulHook({ ...options(), agent: settings.agent });
      await hook.healthy!(phase(AbortSignal.timeout(5000)).context);
      assert.ok(secure.agentServices().has(WEB.id));
      await hook.stop!(phase(AbortSignal.timeout(5000)).context);

      const wrongCa = readConsulSettings({ CONSUL_HTTP_ADDR: secure.address, CONSUL_CACERT: tls.otherCaFile }, problems);
      const refused = consulHook({ ...options(), agent: wrongCa.agent });
      await assert.rejects(refused.healthy!(phase(AbortSignal.timeout(5000)).context), (error: ConsulHookError) => {
        assert.match(error.message, new RegExp(`Consul at https://127\\.0\\.0\\.1:${secure.port}: PUT /v1/agent/service/register: .*(certificate|verify)`, "i"));
        assert.equal((error.cause as ConsulError).code, "CONSUL_UNREACHABLE");
        return true;
      });
      assert.ok(!secure.agentServices().has(WEB.id));
    } finally {
      await secure.close();
    }
  });

  it("a unix:// agent socket", async () => {
    const local = await ConsulServerDouble.start({ socketPath: join(dir, "consul.sock") });
    try {
      const hook = consulHook({ ...options(), agent: { address: local.address } });
      const p = phase(AbortSignal.timeout(5000));
      await hook.healthy!(p.context);
      assert.match(p.lines[0]!, new RegExp(`in Consul at unix://${dir.replaceAll(".", "\\.")}/consul\\.sock `));
      await hook.preKill!(phase(AbortSignal.timeout(5000)).context);
      assert.equal(local.agentServices().size, 0);
    } finally {
      await local.close();
    }
  });
});
