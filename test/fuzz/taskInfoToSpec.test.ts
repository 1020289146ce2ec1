// Property tests of TaskInfo → TaskSpec (src/mesos/taskInfoToSpec.ts): for any TaskInfo the codec can hand over —
// hostile environment names and values, NUL bytes, huge strings, odd kill policies and durations, health checks
// with extreme numbers, absent commands, many labels — the result is either a spec Berth can run or a list of
// problems (TASK_ERROR), never a throw; and a shell only ever runs a command the task itself gave as a command.
//
// Runs: fixed seed and a few hundred cases per property in CI; deeper with BERTH_FUZZ_RUNS=100000 and
// BERTH_FUZZ_SEED=random (see ./fuzzParameters.ts).
import assert from "node:assert/strict";
import { constants } from "node:os";
import { test } from "node:test";
import fc from "fast-check";
import { validateCheckSpec, type CheckSpec, type HealthCheckSpec, type Probe } from "../../src/core/health/index.js";
import type { CommandSpec } from "../../src/core/taskSpec.js";
import { stripMarathonPrefix, taskInfoToSpec, type TaskSpecContext, type TaskSpecResult } from "../../src/mesos/taskInfoToSpec.js";
import type { ExecutorInfo, TaskInfo } from "../../src/mesos/types.js";
import { fuzzParameters } from "./fuzzParameters.js";
import { HOSTILE_LEAVES, hostileStrings } from "./schemaArbitrary.js";
import { envName, executorInfo, taskInfo } from "./taskInfoArbitrary.js";

const TOKEN = "executor-token-never-for-tasks";
const CONTEXT_BASE: Omit<TaskSpecContext, "executorInfo"> = {
  executorEnv: { PATH: "/usr/bin:/bin", HOME: "/root", MESOS_EXECUTOR_AUTHENTICATION_TOKEN: TOKEN, BERTH_MESOS_ENCODING: "json", BERTH_LOG_LEVEL: "debug" },
  cwd: "/sandbox",
  defaultKillGracePeriodMs: 3000,
};

function convert(task: TaskInfo, info: ExecutorInfo | undefined): TaskSpecResult {
  return taskInfoToSpec(task, { ...CONTEXT_BASE, executorInfo: info });
}

const hasNul = (text: string): boolean => text.includes("\0");
const CATCHABLE = new Set(Object.keys(constants.signals).filter((name) => name !== "SIGKILL" && name !== "SIGSTOP"));

function commandProblems(command: CommandSpec, where: string): string[] {
  if (command.kind === "shell") {
    return command.script.trim() === "" || hasNul(command.script) ? [`${where}: shell script ${JSON.stringify(command.script.slice(0, 40))}`] : [];
  }
  const problems: string[] = [];
  if (command.file === "" || hasNul(command.file)) problems.push(`${where}: file ${JSON.stringify(command.file.slice(0, 40))}`);
  if (command.args.some((arg) => typeof arg !== "string" || hasNul(arg))) problems.push(`${where}: an argument is not a string without NUL`);
  return problems;
}

/** Every way `env` cannot be handed to execve: names with '=' or NUL, empty names, values with NUL. */
function envProblems(env: Readonly<Record<string, string>>, where: string): string[] {
  return Object.entries(env)
    .filter(([name, value]) => name === "" || name.includes("=") || hasNul(name) || typeof value !== "string" || hasNul(value))
    .map(([name]) => `${where}: variable ${JSON.stringify(name.slice(0, 40))}`);
}

/** Why a command probe cannot be spawned as given (validateCheckSpec checks the rest of its shape). */
function probeProblems(probe: Probe, where: string): string[] {
  if (probe.kind !== "command") return [];
  return [
    ...commandProblems(probe.command, `${where}.command`),
    ...envProblems(probe.env, `${where}.env`),
    ...(probe.user !== undefined && (probe.user === "" || hasNul(probe.user)) ? [`${where}.user`] : []),
  ];
}

function checkProblems(check: HealthCheckSpec | CheckSpec | undefined, where: string): string[] {
  return check ? validateCheckSpec(check).map((problem) => `${where}: ${problem}`) : [];
}

/** Why an accepted spec could not run (or breaks a promise): empty when it can. Readiness is checked on its own. */
function specProblems(task: TaskInfo, result: TaskSpecResult & { ok: true }): string[] {
  const { spec } = result;
  const problems: string[] = [];
  if (spec.taskId !== task.task_id.value || spec.taskId === "" || hasNul(spec.taskId)) problems.push(`taskId ${JSON.stringify(spec.taskId.slice(0, 40))}`);
  // The id and name reach hooks as BERTH_TASK_ID and BERTH_TASK_NAME.
  if (hasNul(spec.name)) problems.push("name has a NUL byte");
  problems.push(...commandProblems(spec.command, "command"), ...envProblems(spec.env, "env"));
  if (spec.cwd !== CONTEXT_BASE.cwd) problems.push("cwd");
  if (spec.user !== undefined && (spec.user === "" || hasNul(spec.user))) problems.push(`user ${JSON.stringify(spec.user.slice(0, 40))}`);
  if (!(Number.isFinite(spec.killGracePeriodMs) && spec.killGracePeriodMs >= 0)) problems.push(`killGracePeriodMs ${spec.killGracePeriodMs}`);
  if (!CATCHABLE.has(spec.stopSignal)) problems.push(`stopSignal ${spec.stopSignal}`);
  const max = result.maxCompletionTimeMs;
  if (max !== undefined && !(Number.isFinite(max) && max >= 0)) problems.push(`maxCompletionTimeMs ${max}`);
  if (spec.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN === TOKEN) problems.push("the executor's token reached the task");
  return problems;
}

test("any TaskInfo gives a spec or a list of problems, never a throw", () => {
  fc.assert(
    fc.property(taskInfo, executorInfo, (task, info) => {
      const result = convert(task, info);
      if (!result.ok) {
        assert.ok(result.problems.length > 0, "rejected without a problem");
        for (const problem of result.problems) assert.ok(typeof problem === "string" && problem.length > 0);
      }
    }),
    fuzzParameters(300),
  );
});

test("an accepted TaskInfo gives a spec Berth can run: command, environment, user, kill grace, signal", () => {
  fc.assert(
    fc.property(taskInfo, executorInfo, (task, info) => {
      const result = convert(task, info);
      if (result.ok) assert.deepEqual(specProblems(task, result), []);
    }),
    fuzzParameters(300),
  );
});

test("an accepted TaskInfo gives health checks and checks that can run", () => {
  fc.assert(
    fc.property(taskInfo, executorInfo, (task, info) => {
      const result = convert(task, info);
      if (!result.ok) return;
      assert.deepEqual([...checkProblems(result.checks.liveness, "liveness"), ...checkProblems(result.checks.check, "check")], []);
    }),
    fuzzParameters(300),
  );
});

// Reported to the lead (checksFromTaskInfo.ts / validateProbe.ts, the checks helper's): a COMMAND check's command
// with a NUL byte, and its own environment variables with an empty name, '=' or NUL, are accepted; spawning the
// check then throws at every run instead of the task failing up front with TASK_ERROR.
test("an accepted COMMAND check can be spawned: no NUL byte, valid variable names", () => {
  fc.assert(
    fc.property(taskInfo, executorInfo, (task, info) => {
      const result = convert(task, info);
      if (!result.ok) return;
      const { liveness, check } = result.checks;
      assert.deepEqual([...(liveness ? probeProblems(liveness.probe, "liveness.probe") : []), ...(check ? probeProblems(check.probe, "check.probe") : [])], []);
    }),
    fuzzParameters(300),
  );
});

/** The shell commands a task itself gave: its command (Marathon's executor line, an app's cmd) and its checks'. */
function ownShellCommands(task: TaskInfo, info: ExecutorInfo | undefined): Set<string> {
  const own = new Set<string>();
  const add = (value: string | undefined): void => void (value !== undefined && own.add(value));
  add(task.command?.value);
  const executorLine = (task.executor ?? info)?.command?.value;
  if (executorLine !== undefined) {
    const stripped = stripMarathonPrefix(executorLine);
    if (stripped.ok) add(stripped.command);
  }
  try {
    const app = JSON.parse(Buffer.from(task.data ?? []).toString("utf8")) as { cmd?: unknown };
    if (typeof app?.cmd === "string") add(app.cmd);
  } catch {
    // not an app definition
  }
  add(task.health_check?.command?.value);
  add(task.check?.command?.command.value);
  return own;
}

test("a shell only ever runs a whole command the task gave, never a label value spliced into one", () => {
  fc.assert(
    fc.property(taskInfo, executorInfo, (task, info) => {
      const result = convert(task, info);
      if (!result.ok) return;
      const own = ownShellCommands(task, info);
      // berth.readiness.command is a whole command of its own (README: run as Mesos runs COMMAND checks).
      const readinessLabel = task.labels?.labels?.findLast((label) => label.key === "berth.readiness.command")?.value;
      const scripts: [string, CommandSpec][] = [["command", result.spec.command]];
      for (const [name, check] of Object.entries(result.checks)) if (check?.probe.kind === "command") scripts.push([name, check.probe.command]);
      for (const [where, command] of scripts) {
        if (command.kind !== "shell") continue;
        const allowed = own.has(command.script) || (where === "readiness" && command.script === readinessLabel);
        assert.ok(allowed, `${where} runs the shell line ${JSON.stringify(command.script.slice(0, 80))}, which the task did not give as a command`);
      }
    }),
    fuzzParameters(300),
  );
});

/** The environment Berth must build: the executor's minus its own variables, then the task's in order. */
function expectedEnvironment(task: TaskInfo): Map<string, string> {
  const expected = new Map<string, string>();
  for (const [name, value] of Object.entries(CONTEXT_BASE.executorEnv)) {
    if (value !== undefined && name !== "MESOS_EXECUTOR_AUTHENTICATION_TOKEN" && !name.startsWith("BERTH_")) expected.set(name, value);
  }
  for (const variable of task.command?.environment?.variables ?? []) expected.set(variable.name, variable.value ?? "");
  return expected;
}

function assertEnvironment(task: TaskInfo, result: TaskSpecResult): void {
  const variables = task.command?.environment?.variables ?? [];
  const invalid = variables.some((v) => v.name === "" || v.name.includes("=") || hasNul(v.name) || v.type === "SECRET" || hasNul(v.value ?? ""));
  if (invalid) assert.equal(result.ok, false, "an invalid or SECRET variable was accepted");
  if (result.ok) assert.deepEqual(new Map(Object.entries(result.spec.env)), expectedEnvironment(task));
}

test("the task's environment: its valid variables win, the executor's own never reach it", () => {
  fc.assert(
    fc.property(taskInfo, executorInfo, (task, info) => assertEnvironment(task, convert(task, info))),
    fuzzParameters(300),
  );
});

test("any variable name or value: invalid ones are problems, every valid one reaches the task as given", () => {
  const variable = fc.record({ name: envName, value: hostileStrings(20), type: fc.constantFrom("VALUE" as const, "UNKNOWN" as const, "SECRET" as const) }, { requiredKeys: ["name"] });
  fc.assert(
    fc.property(fc.array(variable, { maxLength: 6 }), (variables) => {
      const task: TaskInfo = { name: "t", task_id: { value: "t" }, agent_id: { value: "a" }, command: { value: "env", environment: { variables } } };
      assertEnvironment(task, convert(task, undefined));
    }),
    fuzzParameters(300),
  );
});

test("negative, NaN and infinite durations are problems; any non-negative one is kept", () => {
  const nanos = fc.oneof(HOSTILE_LEAVES.int64, fc.constantFrom(NaN, Infinity, -Infinity, -0.5, 1.5));
  fc.assert(
    fc.property(fc.option(nanos, { nil: undefined }), fc.option(nanos, { nil: undefined }), (grace, max) => {
      const task: TaskInfo = {
        name: "t",
        task_id: { value: "t" },
        agent_id: { value: "a" },
        command: { value: "sleep 1" },
        ...(grace !== undefined ? { kill_policy: { grace_period: { nanoseconds: grace } } } : {}),
        ...(max !== undefined ? { max_completion_time: { nanoseconds: max } } : {}),
      };
      const result = convert(task, undefined);
      const valid = (n: number | undefined): boolean => n === undefined || (Number.isFinite(n) && n >= 0);
      assert.equal(result.ok, valid(grace) && valid(max), JSON.stringify(result.ok ? result.spec : result.problems));
      if (result.ok) {
        assert.equal(result.spec.killGracePeriodMs, grace === undefined ? CONTEXT_BASE.defaultKillGracePeriodMs : grace / 1e6);
        assert.equal(result.maxCompletionTimeMs, max === undefined ? undefined : max / 1e6);
      }
    }),
    fuzzParameters(300),
  );
});
