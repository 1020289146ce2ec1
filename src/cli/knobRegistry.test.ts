// The declarations against the readers: every variable a reader touches is declared, every declared one is read
// (or says why not), every typed one is validated, and the defaults the readers apply are the declared ones.
import { readTaskLogSettings } from "../logs/logSettings.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EnvScope } from "../knob.js";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../core/hook.js";
import { CONSUL_CHECK_STATUSES, DEFAULT_CONSUL_ADDRESS } from "../hooks/consul/consulClient.js";
import { DEFAULT_CERT_VARIABLE, DEFAULT_KEY_VARIABLE } from "../hooks/agentCertificate.js";
import { CONSUL_ENV } from "../hooks/consulKnobs.js";
import { DEFAULT_EXPECT_STATUS, parseStatusRanges } from "../hooks/httpHook.js";
import { HOOK_CONFIG_KNOBS } from "../hooks/hookConfigKnobs.js";
import { INTEGRATION_CREDENTIALS } from "../hooks/integrationCredentials.js";
import { SECRETS_ENV } from "../hooks/secretsKnobs.js";
import { readLogLevel } from "../loggerKnobs.js";
import { takeAgentToken } from "../mesos/agentToken.js";
import { BERTH_HOOK_LABEL_KNOBS, BERTH_LABEL_KNOBS } from "../mesos/berthLabelKnobs.js";
import { readBerthLabels } from "../mesos/berthLabels.js";
import { ConfigError, EXECUTOR_ONLY_VARIABLES, readExecutorConfig } from "../mesos/executorConfig.js";
import { HAPROXY_LABEL_KNOBS } from "../mesos/haproxyLabelKnobs.js";
import { readHaproxyLabels } from "../mesos/haproxyLabels.js";
import { readHaproxySettings } from "../hooks/haproxySettings.js";
import type { TaskInfo } from "../mesos/types.js";
import { VAULT_LABEL_KNOBS, VAULT_LABEL_PREFIX } from "../mesos/vaultLabelKnobs.js";
import { RUN_CONFIG_KNOBS } from "../run/runConfigKnobs.js";
import { readMetricsSettings } from "../metrics/metricsSettings.js";
import { RunConfigError, parseRunConfig, runTaskFromConfig } from "../run/runConfig.js";
import { ENV_KNOBS, LABEL_KNOBS, collectKnobs } from "./knobRegistry.js";

type Env = Record<string, string | undefined>;

const AGENT_ENV = { MESOS_FRAMEWORK_ID: "fw", MESOS_EXECUTOR_ID: "ex", MESOS_DIRECTORY: "/tmp/sandbox", MESOS_AGENT_ENDPOINT: "127.0.0.1:5051" };
/** Metrics on, so that every metrics variable is read. */
const METRICS_ON = { BERTH_METRICS_LISTEN: "127.0.0.1:0" };

/** An environment that records every variable read from it. */
function recording(values: Env = {}): { env: Env; read: Set<string> } {
  const read = new Set<string>();
  const env = new Proxy({ ...values }, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { env, read };
}

const declared = (scope: EnvScope): Set<string> => new Set(ENV_KNOBS.filter(([, knob]) => knob.appliesTo.includes(scope)).map(([name]) => name));
const allDeclared = new Set(ENV_KNOBS.map(([name]) => name));

/** A config that makes berth run read every integration's settings. */
const EVERY_INTEGRATION = {
  haproxy: { backends: ["web"], port: 8080 },
  consul: { services: [{ name: "web", port: 8080 }] },
  vault: { DB_PASSWORD: "secret/db#password" },
  configService: { app: "web" },
  validateCertificate: true,
};

/** The problems berth run finds with this environment (every reader runs, whatever the others found). */
function runProblems(env: Env): string[] {
  const problems: string[] = [];
  readLogLevel(env, problems);
  readMetricsSettings(env, problems);
  readTaskLogSettings(env, problems);
  try {
    runTaskFromConfig(parseRunConfig(EVERY_INTEGRATION), { argv: ["/bin/true"], processEnv: env, cwd: "/tmp", taskId: "t" });
  } catch (error) {
    if (!(error instanceof RunConfigError)) throw error;
    problems.push(...error.problems);
  }
  return problems;
}

/** The problems berth executor finds (cli/executorCommand.ts reads the metrics' variables beside the config). */
function executorProblems(env: Env): string[] {
  const problems: string[] = [];
  readMetricsSettings(env, problems);
  try {
    takeAgentToken({ ...env });
    readExecutorConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) problems.push(...error.problems);
    else problems.push((error as Error).message);
  }
  return problems;
}

describe("knob registry", () => {
  it("a name declared twice is refused", () => {
    assert.throws(() => collectKnobs("environment variable", { A: 1 }, { B: 2, A: 3 }), /environment variable A is declared twice/);
    assert.equal(collectKnobs("label", { a: 1 }, { b: 2 }).length, 2);
  });

  it("the executor reads only declared variables, and every declared one but BERTH_CONFIG (cli/executorCommand.ts) and VAULT_TOKEN (only kept from tasks)", () => {
    const { env, read } = recording({ ...AGENT_ENV, ...METRICS_ON });
    takeAgentToken(env);
    readExecutorConfig(env);
    readMetricsSettings(env, []);
    const undeclared = [...read].filter((name) => !allDeclared.has(name));
    assert.deepEqual(undeclared, [], "read but not declared");
    const unread = [...declared("executor")].filter((name) => !read.has(name));
    assert.deepEqual(unread.sort(), ["BERTH_CONFIG", "VAULT_TOKEN"], "declared but not read");
  });

  it("berth run reads only declared variables, and every one declared for it but VAULT_TOKEN", () => {
    const { env, read } = recording({ ...METRICS_ON });
    runProblems(env);
    const undeclared = [...read].filter((name) => !allDeclared.has(name));
    assert.deepEqual(undeclared, [], "read but not declared");
    const unread = [...declared("run")].filter((name) => !read.has(name));
    assert.deepEqual(unread, ["VAULT_TOKEN"], "declared but not read");
  });

  for (const scope of ["executor", "run"] as const) {
    const typed = ENV_KNOBS.filter(([, knob]) => knob.appliesTo.includes(scope) && ["duration", "boolean", "enum", "integer"].includes(knob.type));
    it(`${scope}: every duration, boolean, enum and integer variable refuses a malformed value, naming itself (${typed.length})`, () => {
      for (const [name] of typed) {
        const env = { ...AGENT_ENV, ...METRICS_ON, [name]: "not-a-value!" };
        const problems = scope === "executor" ? executorProblems(env) : runProblems(env);
        assert.ok(
          problems.some((problem) => problem.startsWith(name)),
          `${name}=not-a-value! is refused by name; problems:\n${problems.join("\n")}`,
        );
      }
    });
  }

  it("the executor applies the declared defaults of its durations and enums", () => {
    const config = readExecutorConfig(AGENT_ENV);
    const seconds = (text: string): number => {
      const match = /^(\d+)(secs|mins)$/.exec(text);
      assert.ok(match, text);
      return Number(match[1]) * (match[2] === "mins" ? 60_000 : 1000);
    };
    const env = Object.fromEntries(ENV_KNOBS) as Record<string, { default?: unknown }>;
    assert.equal(config.shutdownGracePeriodMs, seconds(env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD!.default as string));
    assert.equal(config.recoveryTimeoutMs, seconds(env.MESOS_RECOVERY_TIMEOUT!.default as string));
    assert.equal(config.subscriptionBackoffMaxMs, seconds(env.MESOS_SUBSCRIPTION_BACKOFF_MAX!.default as string));
    assert.equal(config.defaultKillGracePeriodMs, seconds(env.BERTH_KILL_GRACE_PERIOD!.default as string));
    assert.equal(config.heartbeatIntervalMs, seconds(env.BERTH_HEARTBEAT_INTERVAL!.default as string));
    assert.equal(config.agentHeartbeatIntervalMs, seconds(env.BERTH_AGENT_HEARTBEAT_INTERVAL!.default as string));
    assert.equal(config.encoding, env.BERTH_MESOS_ENCODING!.default);
    assert.equal(config.logLevel, env.BERTH_LOG_LEVEL!.default);
    assert.equal(config.checkpoint, env.MESOS_CHECKPOINT!.default === "1");
    assert.equal(config.integrations.haproxy.drainTimeoutMs, seconds(env.BERTH_HAPROXY_DRAIN_TIMEOUT!.default as string));
    assert.equal(config.integrations.haproxy.recheckIntervalMs, seconds(env.BERTH_HAPROXY_RECHECK_INTERVAL!.default as string));
    assert.equal(config.integrations.consul.leaveTimeoutMs, seconds(env.BERTH_CONSUL_LEAVE_TIMEOUT!.default as string));
    assert.equal(config.integrations.consul.globalTag, env.BERTH_CONSUL_GLOBAL_TAG!.default);
    assert.equal(config.integrations.consul.initialStatus, env.BERTH_CONSUL_INITIAL_STATUS!.default);
    assert.equal(config.integrations.consul.enabled, env.BERTH_CONSUL_ENABLED!.default);
    assert.equal(config.integrations.consul.agent.address, env.CONSUL_HTTP_ADDR!.default);
    assert.equal(config.integrations.consul.agent.ssl, env.CONSUL_HTTP_SSL!.default);
    assert.equal(config.integrations.secrets.certificate.certVariable, env.BERTH_CLIENT_CERT_VARIABLE!.default);
    assert.equal(config.integrations.secrets.certificate.keyVariable, env.BERTH_CLIENT_KEY_VARIABLE!.default);
  });

  it("copies kept outside the declarations agree with them", () => {
    assert.equal(CONSUL_ENV.CONSUL_HTTP_ADDR.default, DEFAULT_CONSUL_ADDRESS, "consulClient.ts's own default");
    assert.deepEqual([...CONSUL_ENV.BERTH_CONSUL_INITIAL_STATUS.values], [...CONSUL_CHECK_STATUSES]);
    assert.equal(SECRETS_ENV.BERTH_CLIENT_CERT_VARIABLE.default, DEFAULT_CERT_VARIABLE);
    assert.equal(SECRETS_ENV.BERTH_CLIENT_KEY_VARIABLE.default, DEFAULT_KEY_VARIABLE);
    assert.deepEqual(parseStatusRanges(BERTH_HOOK_LABEL_KNOBS["expect-status"].default), DEFAULT_EXPECT_STATUS);
    assert.deepEqual(parseStatusRanges(HOOK_CONFIG_KNOBS["http.expectStatus"].default), DEFAULT_EXPECT_STATUS);
    for (const text of [BERTH_HOOK_LABEL_KNOBS["timeout-seconds"].defaultText, HOOK_CONFIG_KNOBS.timeoutSeconds.defaultText]) {
      assert.ok(text.includes(`${DEFAULT_HOOK_TIMEOUT_MS.prestart / 1000} for prestart, ${DEFAULT_HOOK_TIMEOUT_MS.stop / 1000} otherwise`), text);
    }
    assert.ok(Object.keys(VAULT_LABEL_KNOBS).every((key) => key.startsWith(VAULT_LABEL_PREFIX)));
  });

  it("the secrets among the declarations are exactly what the executor keeps from tasks (besides every BERTH_* variable)", () => {
    const secrets = ENV_KNOBS.filter(([, knob]) => knob.secret).map(([name]) => name);
    assert.deepEqual(secrets.filter((name) => !name.startsWith("BERTH_")).sort(), [...EXECUTOR_ONLY_VARIABLES].sort());
    assert.deepEqual([...INTEGRATION_CREDENTIALS].sort(), ["CONSUL_HTTP_TOKEN", "VAULT_TOKEN"]);
  });

  it("every label has a unique key; patterns name the part a task chooses as <…>; the predecessor's names kept as they were", () => {
    const keys = LABEL_KNOBS.map(([key]) => key);
    assert.equal(new Set(keys).size, keys.length);
    for (const key of keys) assert.match(key, /^(berth\.[a-z0-9.<>_A-Z-]+|consul|validate-certificate|log-scraping|log-scraping-all|scId)$/);
  });
});

/** A task with these labels and two named ports. */
function task(labels: Record<string, string>): TaskInfo {
  return {
    name: "t",
    task_id: { value: "t.1" },
    agent_id: { value: "a" },
    labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) },
    discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 8080, name: "http" }, { number: 8081, name: "admin" }] } },
  };
}

/** The labels that switch each group of berth.* labels on. */
const ENABLERS: Readonly<Record<string, string>> = { "berth.readiness.protocol": "http", "berth.graceful.path": "/quit", "berth.warmup.paths": "/" };

function berthLabelProblems(labels: Record<string, string>): string[] {
  const problems: string[] = [];
  readBerthLabels(task(labels), { env: {}, cwd: "/tmp" }, problems);
  return problems;
}

describe("label declarations", () => {
  it("every declared berth.* label is known to its reader, an undeclared one is refused", () => {
    for (const key of Object.keys(BERTH_LABEL_KNOBS)) {
      const problems = berthLabelProblems({ ...ENABLERS, [key]: "1" });
      assert.ok(!problems.some((p) => p.includes("is not a Berth label")), `${key}: ${problems.join("; ")}`);
    }
    assert.ok(berthLabelProblems({ "berth.readiness.typo": "1" }).some((p) => p.startsWith("label berth.readiness.typo is not a Berth label")));
    const settings = readHaproxySettings({ BERTH_HAPROXY_SOCKET: "/run/haproxy.sock" }, []);
    for (const [key, knob] of Object.entries(HAPROXY_LABEL_KNOBS)) {
      const problems: string[] = [];
      const value = { boolean: "true", name: "http", list: "web" }[knob.type as string] ?? "1";
      readHaproxyLabels(task({ "berth.haproxy.backend": "web", [key]: value }), { settings, advertiseAddress: "10.0.0.1" }, problems);
      assert.deepEqual(problems, [], key);
    }
  });

  it("every typed berth.* label refuses a malformed value, naming itself", () => {
    const typed = Object.entries(BERTH_LABEL_KNOBS).filter(([, knob]) => ["seconds", "integer", "boolean", "signal", "enum"].includes(knob.type));
    assert.ok(typed.length >= 10, "the test covers the typed labels");
    for (const [key] of typed) {
      const problems = berthLabelProblems({ ...ENABLERS, [key]: "not-a-value!" });
      assert.ok(
        problems.some((p) => p.includes(key) && !p.includes(" need ")),
        `${key}=not-a-value! is refused by name; problems: ${problems.join("; ")}`,
      );
    }
  });

  it("absent labels take the declared defaults", () => {
    const problems: string[] = [];
    const settings = readBerthLabels(task(ENABLERS), { env: {}, cwd: "/tmp" }, problems);
    assert.deepEqual(problems, []);
    const knob = BERTH_LABEL_KNOBS;
    assert.equal(settings.stopSignal, knob["berth.stop-signal"].default);
    assert.equal(settings.drainMs, knob["berth.drain-seconds"].default * 1000);
    assert.equal(settings.readiness?.delayMs, knob["berth.readiness.delay-seconds"].default * 1000);
    assert.equal(settings.readiness?.intervalMs, knob["berth.readiness.interval-seconds"].default * 1000);
    assert.equal(settings.readiness?.timeoutMs, knob["berth.readiness.timeout-seconds"].default * 1000);
    assert.equal(settings.readiness?.successThreshold, knob["berth.readiness.successes"].default);
    assert.deepEqual(settings.readiness?.probe, { kind: "http", scheme: "http", port: 8080, path: knob["berth.readiness.path"].default });
    assert.equal(settings.graceful?.waitMs, knob["berth.graceful.wait-seconds"].default * 1000);
    assert.equal(settings.graceful?.port, 8080, `port index ${knob["berth.graceful.port-index"].default}`);
    assert.equal(settings.warmup?.requests, knob["berth.warmup.requests"].default);
    assert.equal(settings.warmup?.requestTimeoutMs, knob["berth.warmup.timeout-seconds"].default * 1000);
    assert.equal(settings.warmup?.required, knob["berth.warmup.required"].default);
  });
});

describe("config file declarations", () => {
  it("an empty berth run config has exactly the declared literal defaults, and nothing for the other keys", () => {
    const parsed = parseRunConfig({}) as Record<string, unknown>;
    for (const [key, knob] of Object.entries(RUN_CONFIG_KNOBS) as [string, { default?: unknown }][]) {
      assert.deepEqual(parsed[key], knob.default, key);
    }
    assert.deepEqual(Object.keys(parsed).sort(), Object.entries(RUN_CONFIG_KNOBS).filter(([, knob]) => "default" in knob).map(([key]) => key).sort());
  });

  it("a config hook without a method or expected statuses gets the declared ones", () => {
    const parsed = parseRunConfig({ hooks: [{ name: "h", phases: ["stop"], http: { url: "http://127.0.0.1/" } }] });
    assert.equal(parsed.hooks[0]?.http?.method, HOOK_CONFIG_KNOBS["http.method"].default);
  });
});
