import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, readExecutorConfig } from "./executorConfig.js";

const base = {
  MESOS_FRAMEWORK_ID: "fw",
  MESOS_EXECUTOR_ID: "ex",
  MESOS_DIRECTORY: "/tmp/sandbox",
  MESOS_AGENT_ENDPOINT: "127.0.0.1:5051",
};

test("reads the agent's variables with Mesos defaults", () => {
  const config = readExecutorConfig(base);
  assert.equal(config.apiUrl.href, "http://127.0.0.1:5051/api/v1/executor");
  assert.equal(config.checkpoint, false);
  assert.equal(config.shutdownGracePeriodMs, 5000);
  assert.equal(config.recoveryTimeoutMs, 900_000);
  assert.equal(config.subscriptionBackoffMaxMs, 2000);
  assert.equal(config.encoding, "json");
  assert.equal(config.sandbox, "/tmp/sandbox");
  assert.equal(config.agentHeartbeatIntervalMs, 30 * 60_000, "the agent's heartbeat interval is Mesos' 30 minutes");
});

test("reads the agent's heartbeat interval; 0secs turns the silence limit off", () => {
  assert.equal(readExecutorConfig({ ...base, BERTH_AGENT_HEARTBEAT_INTERVAL: "1secs" }).agentHeartbeatIntervalMs, 1000);
  assert.equal(readExecutorConfig({ ...base, BERTH_AGENT_HEARTBEAT_INTERVAL: "0secs" }).agentHeartbeatIntervalMs, 0);
});

for (const [value, expected] of [
  ["30", /^BERTH_AGENT_HEARTBEAT_INTERVAL: invalid duration "30"/],
  ["-5secs", /^BERTH_AGENT_HEARTBEAT_INTERVAL: invalid duration "-5secs"/],
  ["10ms", /^BERTH_AGENT_HEARTBEAT_INTERVAL must be at least 100ms, or 0secs/],
] as const) {
  test(`rejects BERTH_AGENT_HEARTBEAT_INTERVAL=${value}, naming it`, () => {
    assert.throws(
      () => readExecutorConfig({ ...base, BERTH_AGENT_HEARTBEAT_INTERVAL: value }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && expected.test(error.problems[0] as string),
    );
  });
}

test("falls back to MESOS_SLAVE_PID for the C++ library's URL", () => {
  const { MESOS_AGENT_ENDPOINT: _, ...rest } = base;
  const config = readExecutorConfig({ ...rest, MESOS_SLAVE_PID: "slave(1)@10.0.0.2:5051" });
  assert.equal(config.apiUrl.href, "http://10.0.0.2:5051/slave(1)/api/v1/executor");
});

test("reads checkpointing, durations, token and encoding", () => {
  const config = readExecutorConfig({
    ...base,
    MESOS_CHECKPOINT: "1",
    MESOS_RECOVERY_TIMEOUT: "3secs",
    MESOS_SUBSCRIPTION_BACKOFF_MAX: "100ms",
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "10secs",
    MESOS_EXECUTOR_AUTHENTICATION_TOKEN: "t0k",
    BERTH_MESOS_ENCODING: "protobuf",
  });
  assert.deepEqual(
    [config.checkpoint, config.recoveryTimeoutMs, config.subscriptionBackoffMaxMs, config.shutdownGracePeriodMs, config.authToken, config.encoding],
    [true, 3000, 100, 10_000, "t0k", "protobuf"],
  );
});

test("names every missing or malformed variable", () => {
  const error = (() => {
    try {
      readExecutorConfig({
        MESOS_EXECUTOR_ID: "ex",
        MESOS_AGENT_ENDPOINT: "not an endpoint",
        MESOS_CHECKPOINT: "yes",
        MESOS_RECOVERY_TIMEOUT: "15",
        BERTH_MESOS_ENCODING: "xml",
      });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof ConfigError);
  for (const name of ["MESOS_FRAMEWORK_ID", "MESOS_DIRECTORY", "MESOS_AGENT_ENDPOINT", "MESOS_CHECKPOINT", "MESOS_RECOVERY_TIMEOUT", "BERTH_MESOS_ENCODING"]) {
    assert.ok(error.problems.some((p) => p.startsWith(name)), `${name} named in ${error.message}`);
  }
  assert.equal(error.code, "EXECUTOR_CONFIG_INVALID");
});

test("requires some way to reach the agent", () => {
  const { MESOS_AGENT_ENDPOINT: _, ...rest } = base;
  assert.throws(() => readExecutorConfig(rest), /MESOS_AGENT_ENDPOINT is not set/);
});

test("BERTH_ADVERTISE_ADDRESS: defaults to the agent endpoint's host; a host name or IP, nothing else", () => {
  assert.equal(readExecutorConfig(base).advertiseAddress, "127.0.0.1");
  assert.equal(readExecutorConfig({ ...base, MESOS_AGENT_ENDPOINT: "[::1]:5051" }).advertiseAddress, "::1");
  assert.equal(readExecutorConfig({ ...base, BERTH_ADVERTISE_ADDRESS: "agent-7.dc1.example.com" }).advertiseAddress, "agent-7.dc1.example.com");
  assert.equal(readExecutorConfig({ ...base, BERTH_ADVERTISE_ADDRESS: "10.1.2.3" }).advertiseAddress, "10.1.2.3");
  for (const bad of ["http://10.1.2.3", "10.1.2.3:80", "a b", "-x.example"]) {
    assert.throws(() => readExecutorConfig({ ...base, BERTH_ADVERTISE_ADDRESS: bad }), (error: unknown) => error instanceof ConfigError && /BERTH_ADVERTISE_ADDRESS: expected a host name or an IP address/.test(error.message), bad);
  }
});

test("BERTH_LOG_LEVEL: every level is honoured, anything else stops the executor, as berth run does", () => {
  assert.equal(readExecutorConfig(base).logLevel, "info");
  for (const level of ["debug", "info", "warn", "error"] as const) assert.equal(readExecutorConfig({ ...base, BERTH_LOG_LEVEL: level }).logLevel, level);
  assert.throws(
    () => readExecutorConfig({ ...base, BERTH_LOG_LEVEL: "verbose" }),
    (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && error.problems[0] === 'BERTH_LOG_LEVEL must be one of debug, info, warn, error (got "verbose")',
  );
});
