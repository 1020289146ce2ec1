import assert from "node:assert/strict";
import { test } from "node:test";
import { stripMarathonPrefix } from "../mesos/taskInfoToSpec.js";
import { AppDefinitionError, marathonTaskInfo, parseMarathonApp, readMarathonApp } from "./marathonApp.js";

const build = (json: unknown, hostPorts: number[] = []) =>
  marathonTaskInfo({
    app: parseMarathonApp(json),
    taskId: "app.1",
    agentId: "agent",
    hostname: "localhost",
    hostPorts,
    executorPath: "/opt/berth's/bin/berth-executor",
    frameworkId: "fw",
  });

const envOf = (task: ReturnType<typeof build>): Record<string, string | undefined> =>
  Object.fromEntries((task.executor?.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));

test("cmd travels behind Marathon's executor prefix, which Berth can strip again", () => {
  const task = build({ id: "/shop/web", cmd: "python3 -m http.server $PORT0" });
  const stripped = stripMarathonPrefix(task.executor?.command?.value ?? "");
  assert.deepEqual(stripped, { ok: true, command: "python3 -m http.server $PORT0" });
  assert.equal(task.command, undefined);
  assert.equal(task.name, "shop.web");
});

test("args travel exactly in TaskInfo.command (shell=false)", () => {
  const task = build({ args: ["/bin/echo", "a b", "$HOME"] });
  assert.deepEqual(task.command, { shell: false, value: "/bin/echo", arguments: ["/bin/echo", "a b", "$HOME"] });
});

test("ports, labels, env and the kill grace become Marathon's TaskInfo and environment", () => {
  const task = build(
    {
      id: "/web",
      cmd: "run",
      env: { PORT0: "overridden?", GREETING: "hi" },
      labels: { consul: "web", tier: "front" },
      portDefinitions: [{ port: 0, name: "http" }, { port: 0, name: "admin-api", labels: { consul: "admin" } }],
      taskKillGracePeriodSeconds: 7.5,
    },
    [31000, 31001],
  );
  const env = envOf(task);
  assert.equal(env.PORT_HTTP, "31000");
  assert.equal(env.PORT1, "31001");
  assert.equal(env.PORT_ADMIN_API, "31001");
  assert.equal(env.PORTS, "31000,31001");
  assert.equal(env.PORT0, "overridden?", "the app's env wins, as in Marathon");
  assert.equal(env.GREETING, "hi");
  assert.equal(env.MARATHON_APP_ID, "/web");
  assert.equal(env.MARATHON_APP_LABEL_TIER, "front");
  assert.equal(task.kill_policy?.grace_period?.nanoseconds, 7_500_000_000);
  assert.deepEqual(task.labels?.labels, [{ key: "consul", value: "web" }, { key: "tier", value: "front" }]);
  assert.deepEqual(task.discovery?.ports?.ports?.map((p) => [p.number, p.name]), [[31000, "http"], [31001, "admin-api"]]);
  assert.deepEqual(task.discovery?.ports?.ports?.[1]?.labels, { labels: [{ key: "consul", value: "admin" }] });
});

test("invalid definitions list every problem with its path", () => {
  assert.throws(
    () => parseMarathonApp({ cmd: "x", args: ["y"], env: { "BAD-NAME": "1", OK: 5 }, portDefinitions: [{ port: 70000 }], taskKillGracePeriodSeconds: -1 }),
    (error: unknown) => {
      assert.ok(error instanceof AppDefinitionError);
      for (const path of ["env.BAD-NAME", "env.OK", "portDefinitions.0.port", "taskKillGracePeriodSeconds"]) assert.match(error.message, new RegExp(path.replaceAll(".", "\\.")));
      return true;
    },
  );
  assert.throws(() => parseMarathonApp({ id: "/x" }), /exactly one of cmd or args/);
  assert.throws(() => parseMarathonApp([]), AppDefinitionError);
});

test("an unknown field is an error naming the closest known one, at the top and inside nested objects", () => {
  assert.throws(
    () => parseMarathonApp({ cmd: "x", helthChecks: [], portDefinitions: [{ port: 0, nmae: "http" }], healthChecks: [{ protocol: "MESOS_TCP", intervalSecond: 1 }], upgradeStrategy: { minimumHealthCapacity: 1, maxOverCapacity: 0 } }),
    (error: unknown) => {
      assert.ok(error instanceof AppDefinitionError);
      assert.match(error.message, /helthChecks: unknown field \(did you mean healthChecks\?\)/);
      assert.match(error.message, /portDefinitions\.0\.nmae: unknown field \(did you mean name\?\)/);
      assert.match(error.message, /healthChecks\.0\.intervalSecond: unknown field \(did you mean intervalSeconds\?\)/);
      assert.match(error.message, /upgradeStrategy\.maxOverCapacity: unknown field \(did you mean maximumOverCapacity\?\)/);
      return true;
    },
  );
});

test("fields berth dev cannot honour are named in warnings; status fields from a GET are named once", () => {
  const { app, warnings } = readMarathonApp({
    cmd: "x",
    container: { type: "DOCKER" },
    constraints: [["hostname", "UNIQUE"]],
    acceptedResourceRoles: ["*"],
    fetch: [],
    env: { TOKEN: { secret: "db" }, PLAIN: "1" },
    networks: [{ mode: "container/bridge" }],
    version: "2020-01-01T00:00:00Z",
    tasksRunning: 2,
  });
  const text = warnings.join("\n");
  for (const field of ["container", "constraints", "acceptedResourceRoles", "env.TOKEN", "networks"]) assert.match(text, new RegExp(`^${field.replace(".", "\\.")}\\b`, "m"), field);
  assert.doesNotMatch(text, /^fetch/m, "an empty list asks for nothing");
  assert.match(text, /version, tasksRunning: ignored \(Marathon's status fields/);
  assert.deepEqual(app.env, { PLAIN: "1" });
});

test("the Mesos health check goes into TaskInfo.health_check on the instance's host port", () => {
  const task = build({ cmd: "x", portDefinitions: [{ port: 0, name: "http" }], healthChecks: [{ protocol: "MESOS_HTTP", path: "/health" }] }, [31555]);
  assert.equal(task.health_check?.type, "HTTP");
  assert.deepEqual(task.health_check?.http, { scheme: "http", port: 31555, path: "/health" });
  assert.equal(task.health_check?.grace_period_seconds, 300);
  assert.equal(build({ cmd: "x", healthChecks: [{ protocol: "HTTP" }] }).health_check, undefined, "Marathon-level: not sent");
});

test("Marathon's defaults and rules: instances, upgradeStrategy, killSelection, ports, readiness checks", () => {
  const { app } = readMarathonApp({ cmd: "x", ports: [0, 8080], killSelection: "OldestFirst" });
  assert.equal(app.instances, 1);
  assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 1, maximumOverCapacity: 1 });
  assert.equal(app.killSelection, "OLDEST_FIRST");
  assert.deepEqual(app.portDefinitions, [{ port: 0 }, { port: 8080 }]);
  assert.equal(app.cpus, 1);
  const ready = readMarathonApp({ cmd: "x", portDefinitions: [{ port: 0, name: "http-api" }], readinessChecks: [{}] }).app.readinessChecks[0];
  assert.deepEqual(ready, { name: "readinessCheck", protocol: "HTTP", path: "/", portName: "http-api", intervalSeconds: 30, timeoutSeconds: 10, httpStatusCodesForReady: [200], preserveLastResponse: false });
  assert.throws(() => parseMarathonApp({ cmd: "x", readinessChecks: [{ portName: "web" }] }), /readinessChecks\.0\.portName: no port definition is named "web"/);
  assert.throws(() => parseMarathonApp({ cmd: "x", ports: [0], portDefinitions: [] }), /portDefinitions or ports/);
  assert.throws(() => parseMarathonApp({ cmd: "x", requirePorts: true, portDefinitions: [{ port: 0 }] }), /requirePorts/);
  assert.throws(() => parseMarathonApp({ cmd: "x", upgradeStrategy: { minimumHealthCapacity: 1.5 } }), /upgradeStrategy\.minimumHealthCapacity/);
});
