import assert from "node:assert/strict";
import { test } from "node:test";
import { stripMarathonPrefix } from "../mesos/taskInfoToSpec.js";
import { AppDefinitionError, marathonTaskInfo, parseMarathonApp } from "./marathonApp.js";

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
