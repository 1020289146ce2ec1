import assert from "node:assert/strict";
import { test } from "node:test";
import { stripMarathonPrefix, taskInfoToSpec, type TaskSpecContext } from "./taskInfoToSpec.js";
import type { TaskInfo } from "./types.js";

const context: TaskSpecContext = {
  executorInfo: undefined,
  executorEnv: { PATH: "/usr/bin", PORT0: "31000", MESOS_EXECUTOR_AUTHENTICATION_TOKEN: "secret", BERTH_MESOS_ENCODING: "json", CONSUL_HTTP_TOKEN: "consul-secret", VAULT_TOKEN: "vault-secret" },
  cwd: "/sandbox",
  defaultKillGracePeriodMs: 3000,
};
const task = (extra: Partial<TaskInfo>): TaskInfo => ({ name: "t", task_id: { value: "t.1" }, agent_id: { value: "a" }, ...extra });

test("Marathon's executor prefix is stripped whatever the executor path is", () => {
  assert.deepEqual(stripMarathonPrefix("chmod ug+rx '/opt/x y/berth' && exec '/opt/x y/berth' python3 -m http.server $PORT0"), {
    ok: true,
    command: "python3 -m http.server $PORT0",
  });
  assert.deepEqual(stripMarathonPrefix(`chmod ug+rx '/a'\\''b' && exec '/a'\\''b' echo "it's"`), { ok: true, command: `echo "it's"` });
  assert.equal(stripMarathonPrefix("/usr/bin/berth executor").ok, false);
  assert.match(JSON.stringify(stripMarathonPrefix("chmod ug+rx '/a' && exec '/a'")), /no command/);
  assert.match(JSON.stringify(stripMarathonPrefix("chmod ug+rx '/a' && exec '/b' cmd")), /different paths/);
});

test("the command comes from ExecutorInfo.command (Marathon) when TaskInfo has none", () => {
  const result = taskInfoToSpec(
    task({ executor: { executor_id: { value: "e" }, command: { value: "chmod ug+rx '/b' && exec '/b' sleep 10" } } }),
    context,
  );
  assert.ok(result.ok);
  assert.deepEqual(result.spec.command, { kind: "shell", script: "sleep 10" });
});

test("TaskInfo.command wins, in shell and argv forms", () => {
  const shell = taskInfoToSpec(task({ command: { value: "echo $HOME" } }), context);
  assert.ok(shell.ok);
  assert.deepEqual(shell.spec.command, { kind: "shell", script: "echo $HOME" });
  const argv = taskInfoToSpec(task({ command: { shell: false, value: "/bin/echo", arguments: ["echo", "a b", "$X"] } }), context);
  assert.ok(argv.ok);
  assert.deepEqual(argv.spec.command, { kind: "argv", file: "/bin/echo", args: ["a b", "$X"] });
});

test("an old Marathon app definition in TaskInfo.data is used last", () => {
  const result = taskInfoToSpec(task({ data: Buffer.from(JSON.stringify({ id: "/app", cmd: "./run.sh" })) }), context);
  assert.ok(result.ok);
  assert.deepEqual(result.spec.command, { kind: "shell", script: "./run.sh" });
});

test("a task without any command is invalid, and the message says where Berth looked", () => {
  const result = taskInfoToSpec(task({}), context);
  assert.equal(result.ok, false);
  assert.match(result.ok ? "" : result.problems.join(), /TaskInfo\.command is not set.*ExecutorInfo\.command\.value is not set.*TaskInfo\.data is empty/);
});

test("the task environment drops the executor's own variables and adds the task's", () => {
  const result = taskInfoToSpec(task({ command: { value: "env", environment: { variables: [{ name: "A", value: "1" }, { name: "PORT0", value: "1" }] } } }), context);
  assert.ok(result.ok);
  assert.equal(result.spec.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN, undefined);
  assert.equal(result.spec.env.BERTH_MESOS_ENCODING, undefined);
  assert.equal(result.spec.env.CONSUL_HTTP_TOKEN, undefined, "the executor's Consul token is its own");
  assert.equal(result.spec.env.VAULT_TOKEN, undefined, "and so is a Vault token");
  assert.equal(result.spec.env.PATH, "/usr/bin");
  assert.equal(result.spec.env.A, "1");
  assert.equal(result.spec.env.PORT0, "1", "the task's own variables override the executor's");
});

test("every invalid field is listed", () => {
  const result = taskInfoToSpec(
    task({
      command: { value: "", environment: { variables: [{ name: "A=B", value: "x" }, { name: "S", type: "SECRET" }] } },
      kill_policy: { grace_period: { nanoseconds: -1 } },
    }),
    context,
  );
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.problems;
  assert.equal(problems.length, 4, problems.join("\n"));
});

test("kill grace comes from the kill policy, else the default", () => {
  const withPolicy = taskInfoToSpec(task({ command: { value: "x" }, kill_policy: { grace_period: { nanoseconds: 7e9 } } }), context);
  const without = taskInfoToSpec(task({ command: { value: "x" } }), context);
  assert.ok(withPolicy.ok && without.ok);
  assert.equal(withPolicy.spec.killGracePeriodMs, 7000);
  assert.equal(without.spec.killGracePeriodMs, 3000);
});

test("a NUL byte in the id, the name, the user or the command is a problem (execve would refuse it later)", () => {
  const result = taskInfoToSpec(
    { name: "a\0b", task_id: { value: "t\0" }, agent_id: { value: "a" }, command: { shell: false, value: "/bin/echo", arguments: ["echo", "x\0"], user: "u\0" } },
    context,
  );
  assert.equal(result.ok, false);
  assert.deepEqual(result.ok ? [] : result.problems.map((p) => p.split(" contains")[0]), ["TaskInfo.task_id.value", "TaskInfo.name", "the task's user", "the task's argument 1"]);
  assert.equal(taskInfoToSpec(task({ command: { value: "echo \0" } }), context).ok, false);
});

test("a variable named __proto__ reaches the task like any other", () => {
  const result = taskInfoToSpec(task({ command: { value: "env", environment: { variables: [{ name: "__proto__", value: "x" }] } } }), context);
  assert.ok(result.ok);
  assert.deepEqual(Object.entries(result.spec.env).find(([name]) => name === "__proto__"), ["__proto__", "x"]);
});

test("an app definition whose args name no program is not a command", () => {
  const result = taskInfoToSpec(task({ data: Buffer.from(JSON.stringify({ args: ["", "x"] })) }), context);
  assert.equal(result.ok, false);
  assert.match(result.ok ? "" : result.problems.join(), /TaskInfo\.data is not a Marathon app definition/);
});

test("a COMMAND check's command and variables are held to the task's rules: bad names, NUL bytes, SECRETs are problems", () => {
  const result = taskInfoToSpec(
    task({
      command: { value: "sleep 10" },
      health_check: {
        type: "COMMAND",
        command: {
          value: "test -e ready\0",
          environment: { variables: [{ name: "" }, { name: "A=B", value: "x" }, { name: "OK", value: "a\0b" }, { name: "S", type: "SECRET" }, { name: "__proto__", value: "kept" }] },
        },
      },
      labels: { labels: [{ key: "berth.hook.warm.exec", value: JSON.stringify(["/bin/echo", "a\0b"]) }, { key: "berth.hook.warm.phases", value: "prestart" }, { key: "berth.drain-seconds", value: "1\0" }] },
    }),
    context,
  );
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.problems;
  for (const expected of [
    /health_check\.command\.value contains a NUL byte/,
    /variables\[0\]\.name "" is not a valid variable name/,
    /variables\[1\]\.name "A=B" is not a valid variable name/,
    /variables\[2\] \("OK"\) contains a NUL byte/,
    /variables\[3\] \("S"\) is a SECRET variable/,
    /berth\.hook\.warm\.exec contains a NUL byte/,
    /label berth\.drain-seconds contains a NUL byte/,
  ]) {
    assert.ok(problems.some((p) => expected.test(p)), `${expected} in ${problems.join("; ")}`);
  }
  assert.equal(problems.some((p) => p.includes("__proto__")), false, "a variable named __proto__ is fine");
});
