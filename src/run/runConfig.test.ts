import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MESOS_CHECK_DEFAULTS, MESOS_HEALTH_DEFAULTS } from "../core/health/index.js";
import { RunConfigError, parseRunConfig, readRunConfig, runTaskFromConfig, type RunTaskInput } from "./runConfig.js";

const input: RunTaskInput = {
  argv: ["/usr/bin/server", "--port", "8080"],
  processEnv: { PATH: "/usr/bin:/bin", HOME: "/root", BERTH_LOG_LEVEL: "debug", BERTH_SECRET: "x", UNSET: undefined },
  cwd: "/srv",
  taskId: "task-1",
};

const build = (json: unknown, extra: Partial<RunTaskInput> = {}) => runTaskFromConfig(parseRunConfig(json), { ...input, ...extra });

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RunConfigError, String(error));
    assert.equal(error.code, "RUN_CONFIG_INVALID");
    return error.problems;
  }
  assert.fail("expected a RunConfigError");
}

describe("runConfig", () => {
  it("an empty config runs the command with Mesos' defaults and Berth's env minus BERTH_*", () => {
    const task = build({});
    assert.deepEqual(task.spec, {
      taskId: "task-1",
      name: "server",
      command: { kind: "argv", file: "/usr/bin/server", args: ["--port", "8080"] },
      env: { PATH: "/usr/bin:/bin", HOME: "/root" },
      cwd: "/srv",
      killGracePeriodMs: 3_000,
      stopSignal: "SIGTERM",
    });
    assert.deepEqual(task.checks, {});
    assert.deepEqual(task.hooks, []);
    assert.equal(task.drainMs, 0);
    assert.equal(task.maxCompletionTimeMs, undefined);
  });

  it("a generated task id starts with the name", () => {
    const task = runTaskFromConfig(parseRunConfig({ name: "web" }), { ...input, taskId: undefined });
    assert.match(task.spec.taskId, /^web\.[0-9a-f]{8}$/);
  });

  it("takes name, env, kill settings, drain and max completion time from the file; --name wins", () => {
    const task = build(
      { name: "web", env: { HOME: "/home/web", GREETING: "hi" }, killGracePeriodSeconds: 10.5, stopSignal: "SIGQUIT", drainSeconds: 2, maxCompletionSeconds: 3600 },
      { name: "from-cli" },
    );
    assert.equal(task.spec.name, "from-cli");
    assert.deepEqual(task.spec.env, { PATH: "/usr/bin:/bin", HOME: "/home/web", GREETING: "hi" });
    assert.equal(task.spec.killGracePeriodMs, 10_500);
    assert.equal(task.spec.stopSignal, "SIGQUIT");
    assert.equal(task.drainMs, 2_000);
    assert.equal(task.maxCompletionTimeMs, 3_600_000);
    assert.equal(build({ name: "web" }).spec.name, "web");
  });

  it("health check: Mesos' defaults, http path default /", () => {
    const { checks } = build({ healthCheck: { protocol: "http", port: 8080 } });
    assert.deepEqual(checks.liveness, { probe: { kind: "http", scheme: "http", port: 8080, path: "/" }, ...MESOS_HEALTH_DEFAULTS });
  });

  it("health check: every field", () => {
    const { checks } = build({
      healthCheck: { protocol: "https", port: 8443, path: "/health", delaySeconds: 1, intervalSeconds: 2, timeoutSeconds: 3, consecutiveFailures: 4, gracePeriodSeconds: 5 },
    });
    assert.deepEqual(checks.liveness, {
      probe: { kind: "http", scheme: "https", port: 8443, path: "/health" },
      delayMs: 1_000,
      intervalMs: 2_000,
      timeoutMs: 3_000,
      consecutiveFailures: 4,
      gracePeriodMs: 5_000,
    });
  });

  it("readiness check: Kubernetes-like defaults, successes", () => {
    assert.deepEqual(build({ readinessCheck: { protocol: "tcp", port: 5432 } }).checks.readiness, {
      probe: { kind: "tcp", port: 5432 },
      delayMs: 0,
      intervalMs: 1_000,
      timeoutMs: 1_000,
      consecutiveFailures: 3,
      gracePeriodMs: 0,
      successThreshold: 1,
    });
    assert.equal(build({ readinessCheck: { protocol: "tcp", port: 5432, successes: 3 } }).checks.readiness?.successThreshold, 3);
  });

  it("generalized check: a command probe runs argv (no shell) with the task's env and cwd", () => {
    const { checks, spec } = build({ env: { A: "1" }, check: { protocol: "command", command: ["./check.sh", "--quick"], intervalSeconds: 0.5 } });
    assert.deepEqual(checks.check, {
      probe: { kind: "command", command: { kind: "argv", file: "./check.sh", args: ["--quick"] }, env: spec.env, cwd: "/srv" },
      delayMs: MESOS_CHECK_DEFAULTS.delayMs,
      intervalMs: 500,
      timeoutMs: MESOS_CHECK_DEFAULTS.timeoutMs,
    });
  });

  it("hooks become exec hooks in the order of the file, with their phases and deadlines", () => {
    const { hooks } = build({
      hooks: [
        { name: "secrets", phases: ["prestart"], exec: ["./fetch-secrets"], env: { VAULT_ADDR: "http://vault:8200" } },
        { name: "lb", phases: ["healthy", "preKill"], exec: ["./lb", "register"], timeoutSeconds: 2.5 },
      ],
    });
    assert.deepEqual(
      hooks.map((h) => [h.name, h.timeoutMs, typeof h.prestart, typeof h.healthy, typeof h.preKill]),
      [
        ["secrets", undefined, "function", "undefined", "undefined"],
        ["lb", 2_500, "undefined", "function", "function"],
      ],
    );
  });

  it("http and sleep hooks beside exec hooks, exactly one action each", () => {
    const { hooks } = build({
      hooks: [
        { name: "notify", phases: ["healthy"], http: { url: "http://127.0.0.1:8500/v1/register", method: "PUT", headers: { "X-Token": "t" }, expectStatus: "200,204" } },
        { name: "linger", phases: ["preKill"], sleepSeconds: 2 },
      ],
    });
    assert.deepEqual(hooks.map((h) => [h.name, typeof h.healthy, typeof h.preKill]), [
      ["notify", "function", "undefined"],
      ["linger", "undefined", "function"],
    ]);
    const problems = problemsOf(() =>
      build({
        hooks: [
          { name: "none", phases: ["stop"] },
          { name: "both", phases: ["stop"], exec: ["true"], sleepSeconds: 1 },
          { name: "env", phases: ["stop"], sleepSeconds: 1, env: { A: "b" } },
        ],
      }),
    );
    assert.deepEqual(problems, ["hooks.0: needs exactly one of exec, http, sleepSeconds", "hooks.1: needs exactly one of exec, http, sleepSeconds", "hooks.2: env goes with exec only"]);
    // The file's shape is right; what each hook's own rules refuse comes next, each problem with its place.
    const later = problemsOf(() =>
      build({
        hooks: [
          { name: "fine", phases: ["stop"], sleepSeconds: 1 },
          { name: "bad-url", phases: ["stop"], http: { url: "ftp://x" } },
          { name: "bad-status", phases: ["stop"], http: { url: "http://x/", expectStatus: "2xx" } },
          { name: "long-sleep", phases: ["stop"], sleepSeconds: 10, timeoutSeconds: 5 },
        ],
      }),
    );
    assert.deepEqual(later, [
      "hooks.1: http: url must be http or https, not ftp:",
      'hooks.2: http.expectStatus must list statuses or ranges, e.g. "200-299,409"; got "2xx"',
      "hooks.3: the sleep (10 s) must be shorter than the hook's timeout (5 s)",
    ]);
  });

  it("lists every problem with its JSON path", () => {
    const problems = problemsOf(() =>
      parseRunConfig({
        healtCheck: {},
        env: { "BAD NAME": "x", NUM: 3 },
        killGracePeriodSeconds: -1,
        stopSignal: "SIGKILL",
        healthCheck: { protocol: "tcp", path: "/x", intervall: 1 },
        readinessCheck: { protocol: "command", port: 80 },
        check: { protocol: "udp" },
        hooks: [
          { name: "a", phases: ["prestart", "later"], exec: [] },
          { name: "a", phases: ["stop"], exec: ["x"], timeoutSeconds: 0 },
        ],
      }),
    );
    assert.deepEqual([...problems].sort(), [
      'check.protocol: Invalid option: expected one of "http"|"https"|"tcp"|"command"',
      "env.BAD NAME: is not a valid variable name",
      "env.NUM: must be a string",
      "healtCheck: unknown key",
      'healthCheck.intervall: unknown key',
      'healthCheck.path: does not apply to protocol "tcp"',
      'healthCheck.port: is required for protocol "tcp"',
      'hooks.0.exec: must name at least the program',
      'hooks.0.phases.1: Invalid option: expected one of "prestart"|"poststart"|"healthy"|"preKill"|"exited"|"stop"',
      'hooks.1.name: "a" is already the name of an earlier hook',
      "hooks.1.timeoutSeconds: must be > 0 (seconds)",
      "killGracePeriodSeconds: must be >= 0 (seconds)",
      'readinessCheck.command: is required for protocol "command" (an argv list, e.g. ["./check.sh", "--quick"])',
      'readinessCheck.port: does not apply to protocol "command"',
      'stopSignal: "SIGKILL" is not a signal that can ask a task to stop (e.g. SIGTERM, SIGINT, SIGQUIT, SIGUSR1; not SIGKILL or SIGSTOP)',
    ]);
  });

  it("refuses SIGSTOP and unknown signals, accepts any catchable one", () => {
    for (const stopSignal of ["SIGSTOP", "TERM", "SIGFOO", "sigterm"]) assert.equal(problemsOf(() => parseRunConfig({ stopSignal })).length, 1, stopSignal);
    for (const stopSignal of ["SIGINT", "SIGUSR2", "SIGHUP"]) assert.equal(parseRunConfig({ stopSignal }).stopSignal, stopSignal);
  });

  it("refuses seconds that are finite but infinite in milliseconds (an endless wait)", () => {
    const problems = problemsOf(() =>
      parseRunConfig({ drainSeconds: 1e306, maxCompletionSeconds: 1e306, killGracePeriodSeconds: 1e306, healthCheck: { protocol: "tcp", port: 80, timeoutSeconds: 1e306 } }),
    );
    assert.deepEqual(problems.map((p) => p.split(":")[0]).sort(), ["drainSeconds", "healthCheck.timeoutSeconds", "killGracePeriodSeconds", "maxCompletionSeconds"]);
    assert.ok(problems.every((p) => p.endsWith("is too large (seconds)")), problems.join("; "));
    assert.equal(parseRunConfig({ maxCompletionSeconds: 30 * 24 * 3600 }).maxCompletionSeconds, 30 * 24 * 3600, "30 days is fine");
  });

  it("refuses what is not an object, probe types and ports out of range", () => {
    assert.deepEqual(problemsOf(() => parseRunConfig([])), ["(config): must be a JSON object"]);
    const problems = problemsOf(() => parseRunConfig({ healthCheck: { protocol: "http", port: 70000, path: "health", consecutiveFailures: 1.5 } }));
    assert.deepEqual(
      problems.map((p) => p.split(":")[0]),
      ["healthCheck.port", "healthCheck.path", "healthCheck.consecutiveFailures"],
    );
  });

  it("the message is one line for one problem, a list for several", () => {
    assert.throws(() => parseRunConfig({ drainSeconds: -1 }, "app.json"), { message: "app.json: drainSeconds: must be >= 0 (seconds)" });
    assert.throws(() => parseRunConfig({ drainSeconds: -1, name: "" }, "app.json"), { message: /^app\.json is not valid:\n {2}- .*\n {2}- / });
  });

  it("BERTH_ADVERTISE_ADDRESS: a host name or an IP address, as under Mesos; else a config error naming it", () => {
    for (const bad of ["http://10.0.0.1", "10.0.0.1:8080", "a b", ""]) {
      assert.deepEqual(
        problemsOf(() => build({}, { processEnv: { ...input.processEnv, BERTH_ADVERTISE_ADDRESS: bad } })),
        [`BERTH_ADVERTISE_ADDRESS: expected a host name or an IP address (no scheme, no port), got ${JSON.stringify(bad)}`],
        bad,
      );
    }
    for (const good of ["10.0.0.1", "::1", "web-1.dc1.example.com"]) build({}, { processEnv: { ...input.processEnv, BERTH_ADVERTISE_ADDRESS: good } });
  });

  it("no command is an error", () => {
    assert.deepEqual(problemsOf(() => build({}, { argv: [] })), ["no command given: berth run [--config FILE] -- CMD ARGS…"]);
  });

  it("reads a file: missing, not JSON, valid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-run-config-"));
    try {
      await assert.rejects(readRunConfig(join(dir, "missing.json")), (error: unknown) => error instanceof RunConfigError && /cannot read the config file: ENOENT/.test(error.message));
      writeFileSync(join(dir, "bad.json"), "{ name: 1 }");
      await assert.rejects(readRunConfig(join(dir, "bad.json")), /bad\.json: not valid JSON/);
      writeFileSync(join(dir, "ok.json"), JSON.stringify({ name: "svc", drainSeconds: 1 }));
      assert.equal((await readRunConfig(join(dir, "ok.json"))).name, "svc");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
