// Property tests of the task label parser (src/mesos/berthLabels.ts): any keys and values are read without a throw,
// an unknown `berth.` key is a problem, a value out of its range is a problem that names the label, and whatever
// is accepted without a problem is a setting Berth can use (finite times, real ports, catchable signals).
//
// Runs: fixed seed and a few hundred cases per property in CI; deeper with BERTH_FUZZ_RUNS=100000 and
// BERTH_FUZZ_SEED=random (see ./fuzzParameters.ts).
import assert from "node:assert/strict";
import { constants } from "node:os";
import { test } from "node:test";
import fc from "fast-check";
import { validateCheckSpec } from "../../src/core/health/index.js";
import { validateExecHookOptions } from "../../src/hooks/execHook.js";
import { validateHttpHookOptions } from "../../src/hooks/httpHook.js";
import { validateSleepHookOptions } from "../../src/hooks/sleepHook.js";
import { BERTH_LABELS, readBerthLabels, type BerthLabelSettings } from "../../src/mesos/berthLabels.js";
import type { Label, TaskInfo } from "../../src/mesos/types.js";
import { labelArbitrary, numberText, plausibleLabels, portsOfTask } from "./berthLabelArbitrary.js";
import { fuzzParameters } from "./fuzzParameters.js";

const CONTEXT = { env: { PATH: "/usr/bin:/bin" }, cwd: "/sandbox" };
const HOOK_KEY = /^berth\.hook\.([a-z0-9][a-z0-9-]*)\.(exec|phases|timeout-seconds)$/;
const CATCHABLE = new Set(Object.keys(constants.signals).filter((name) => name !== "SIGKILL" && name !== "SIGSTOP"));

function taskWith(labels: Label[], ports: Pick<TaskInfo, "discovery" | "resources">): TaskInfo {
  return { name: "t", task_id: { value: "t" }, agent_id: { value: "a" }, labels: { labels }, ...ports };
}

function read(task: TaskInfo): { settings: BerthLabelSettings; problems: string[] } {
  const problems: string[] = [];
  const settings = readBerthLabels(task, CONTEXT, problems);
  return { settings, problems };
}

const anyLabels = fc.oneof(fc.array(labelArbitrary, { maxLength: 12 }), plausibleLabels);

test("any labels are read without a throw", () => {
  fc.assert(
    fc.property(anyLabels, portsOfTask, (labels, ports) => {
      const { problems } = read(taskWith(labels, ports));
      for (const problem of problems) assert.ok(typeof problem === "string" && problem.length > 0);
    }),
    fuzzParameters(400),
  );
});

test("an unknown berth.* key is a problem that names it; other tools' keys are not Berth's business", () => {
  fc.assert(
    fc.property(fc.array(labelArbitrary, { maxLength: 12 }), portsOfTask, (labels, ports) => {
      const { problems } = read(taskWith(labels, ports));
      for (const { key } of labels) {
        if (!key.startsWith("berth.") || key in BERTH_LABELS || HOOK_KEY.test(key)) continue;
        assert.ok(problems.some((problem) => problem.includes(key)), `unknown key ${JSON.stringify(key)} is not reported: ${problems.join(" | ")}`);
      }
      const foreign = labels.filter(({ key }) => !key.startsWith("berth."));
      assert.deepEqual(read(taskWith(foreign, ports)).problems, []);
    }),
    fuzzParameters(400),
  );
});

/** The label group a key belongs to: its settings are only read together. */
function groupOf(key: string): string {
  const hook = HOOK_KEY.exec(key);
  if (hook) return `berth.hook.${hook[1]}`;
  if (key.startsWith("berth.readiness.")) return "berth.readiness";
  if (key.startsWith("berth.graceful.")) return "berth.graceful";
  return key;
}

const isSeconds = (text: string): boolean => {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) && value >= 0 && Number.isFinite(value * 1000);
};

/** Whether the effective value of `key` is in its range, given the other labels; undefined when it is not read. */
function inRange(key: string, value: string, labels: ReadonlyMap<string, string>, portCount: number): boolean | undefined {
  const hook = HOOK_KEY.exec(key);
  if (hook) {
    if (hook[2] === "timeout-seconds") return isSeconds(value) && Number(value) > 0;
    if (hook[2] === "phases") return undefined; // checked by the exec-hook properties
    return undefined;
  }
  const protocol = labels.get("berth.readiness.protocol");
  switch (key) {
    case "berth.stop-signal":
      return CATCHABLE.has((value.startsWith("SIG") ? value : `SIG${value}`).toUpperCase());
    case "berth.drain-seconds":
    case "berth.readiness.delay-seconds":
    case "berth.readiness.interval-seconds":
    case "berth.readiness.timeout-seconds":
    case "berth.graceful.wait-seconds":
      return isSeconds(value);
    case "berth.readiness.successes":
      return value.trim() !== "" && Number.isInteger(Number(value)) && Number(value) >= 1;
    case "berth.readiness.protocol":
      return ["http", "https", "tcp", "command"].includes(value);
    case "berth.readiness.path":
      return protocol === "command" ? undefined : value.startsWith("/");
    case "berth.graceful.path":
    case "berth.graceful.abort-path":
      return value.startsWith("/");
    case "berth.readiness.port-index":
    case "berth.graceful.port-index": {
      const prefix = key.slice(0, key.lastIndexOf("."));
      if (labels.has(`${prefix}.port-name`) || (prefix === "berth.readiness" && protocol === "command")) return undefined;
      return value.trim() !== "" && Number.isInteger(Number(value)) && Number(value) >= 0 && Number(value) < portCount;
    }
    default:
      return undefined;
  }
}

function portCountOf(task: TaskInfo): number {
  const discovered = task.discovery?.ports?.ports ?? [];
  if (discovered.length > 0) return discovered.length;
  let count = 0;
  for (const resource of task.resources ?? []) for (const range of resource.ranges?.range ?? []) count += Math.max(0, Math.min(range.end - range.begin + 1, 1000));
  return Math.min(count, 1000);
}

test("a value out of its range is a problem that names the label (or its group, when the group is invalid anyway)", () => {
  fc.assert(
    fc.property(anyLabels, portsOfTask, (labels, ports) => {
      const task = taskWith(labels, ports);
      const { problems } = read(task);
      const effective = new Map(labels.filter(({ key }) => key.startsWith("berth.")).map(({ key, value }) => [key, value ?? ""]));
      const portCount = portCountOf(task);
      const verdicts = new Map([...effective].map(([key, value]) => [key, inRange(key, value, effective, portCount)]));
      for (const [key, verdict] of verdicts) {
        if (verdict !== false) continue;
        const group = groupOf(key);
        const groupOtherwiseValid = [...verdicts].every(([other, v]) => other === key || groupOf(other) !== group || v !== false);
        const named = problems.some((problem) => problem.includes(key));
        const groupNamed = problems.some((problem) => problem.includes(group));
        // An exec hook's problems name the hook ("labels berth.hook.<name>: timeoutMs must be …"), not its field.
        const hookNamed = group.startsWith("berth.hook.") && groupNamed;
        assert.ok(named || hookNamed || (!groupOtherwiseValid && groupNamed), `${key}=${JSON.stringify(effective.get(key)?.slice(0, 40))} is out of range but not reported: ${problems.join(" | ") || "(no problems)"}`);
      }
    }),
    fuzzParameters(400),
  );
});

// Enable with item 5 (today: a graceful endpoint on port 0 of the ports resource, drain 1e306 → Infinity).
test("accepted settings are usable: finite drain, catchable signal, graceful endpoint on a real port, valid exec hooks", () => {
  fc.assert(
    fc.property(anyLabels, portsOfTask, (labels, ports) => {
      const { settings, problems } = read(taskWith(labels, ports));
      if (problems.length > 0) return;
      assert.ok(Number.isFinite(settings.drainMs) && settings.drainMs >= 0, `drainMs ${settings.drainMs}`);
      assert.ok(CATCHABLE.has(settings.stopSignal), `stopSignal ${settings.stopSignal}`);
      const graceful = settings.graceful;
      if (graceful) {
        assert.ok(Number.isInteger(graceful.port) && graceful.port >= 1 && graceful.port <= 65535, `graceful port ${graceful.port}`);
        assert.ok(graceful.path.startsWith("/") && (graceful.abortPath === undefined || graceful.abortPath.startsWith("/")));
        assert.ok(Number.isFinite(graceful.waitMs) && graceful.waitMs >= 0, `graceful waitMs ${graceful.waitMs}`);
      }
      for (const hook of settings.hooks) {
        if (hook.kind === "exec") assert.deepEqual(validateExecHookOptions(hook.options), []);
        if (hook.kind === "http") assert.deepEqual(validateHttpHookOptions(hook.options), []);
        if (hook.kind === "sleep") assert.deepEqual(validateSleepHookOptions(hook.options), []);
      }
    }),
    fuzzParameters(400),
  );
});

// The known gap of issue 6 item 5: a readiness port outside 1-65535 (port 0 of the ports resource, 70000 from
// DiscoveryInfo) and readiness times that overflow are accepted. Enable after merging the checks helper's fix.
test("an accepted readiness check can run: real port, finite times, successes >= 1", () => {
  fc.assert(
    fc.property(anyLabels, portsOfTask, (labels, ports) => {
      const { settings, problems } = read(taskWith(labels, ports));
      const readiness = settings.readiness;
      if (problems.length > 0 || !readiness) return;
      assert.deepEqual(validateCheckSpec(readiness), []);
      assert.ok(Number.isInteger(readiness.successThreshold) && readiness.successThreshold >= 1, `successThreshold ${readiness.successThreshold}`);
    }),
    fuzzParameters(400),
  );
});

// Reported to the lead (not part of item 5's known gap): validateExecHookOptions and the readiness labels accept a
// NUL byte, which makes the spawn throw when the hook or the check runs instead of failing the task up front.
test("no NUL byte from a label reaches a process: exec hook argv, readiness command", () => {
  fc.assert(
    fc.property(anyLabels, portsOfTask, (labels, ports) => {
      const { settings, problems } = read(taskWith(labels, ports));
      if (problems.length > 0) return;
      for (const hook of settings.hooks) {
        if (hook.kind === "exec") assert.ok(!hook.options.argv.some((word) => word.includes("\0")), `exec hook ${hook.options.name} has a NUL byte in its argv`);
        if (hook.kind === "http") assert.ok(Object.values(hook.options.headers ?? {}).every((v) => !/[\0\r\n]/.test(v)), `http hook ${hook.options.name}: a header value with NUL, CR or LF`);
      }
      const probe = settings.readiness?.probe;
      if (probe?.kind === "command" && probe.command.kind === "shell") assert.ok(!probe.command.script.includes("\0"), "a readiness command with a NUL byte");
    }),
    fuzzParameters(400),
  );
});

// Enable with item 5 (today: drain-seconds 1.8e305 gives drainMs Infinity).
test("numbers in any notation never throw and never turn into NaN or Infinity settings", () => {
  fc.assert(
    fc.property(numberText, (text) => {
      const { settings, problems } = read(taskWith([{ key: "berth.drain-seconds", value: text }], {}));
      if (problems.length === 0) assert.ok(Number.isFinite(settings.drainMs) && settings.drainMs >= 0, `drain-seconds ${JSON.stringify(text)} gave drainMs ${settings.drainMs}`);
      else assert.ok(problems.every((problem) => problem.includes("berth.drain-seconds")));
    }),
    fuzzParameters(300),
  );
});
