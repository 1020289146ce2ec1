import assert from "node:assert/strict";
import { test } from "node:test";
import { executorEnvironment, HOST_DEFAULT_PATH, type ExecutorEnvironmentInput } from "./executorEnvironment.js";

const input = (extra: Partial<ExecutorEnvironmentInput> = {}): ExecutorEnvironmentInput => ({
  libprocessIp: "127.0.0.1",
  executorInfo: { executor_id: { value: "e1" } },
  frameworkId: "f1",
  agentId: "a1-S0",
  agentAddress: "127.0.0.1:5051",
  sandbox: "/tmp/sb",
  checkpoint: true,
  shutdownGracePeriodMs: 5000,
  recoveryTimeoutMs: 900_000,
  subscriptionBackoffMaxMs: 2000,
  ...extra,
});

test("the agent's variables, in stout duration format", () => {
  const env = executorEnvironment(input());
  assert.deepEqual(env, {
    LIBPROCESS_IP: "127.0.0.1",
    LIBPROCESS_PORT: "0",
    MESOS_FRAMEWORK_ID: "f1",
    MESOS_EXECUTOR_ID: "e1",
    MESOS_DIRECTORY: "/tmp/sb",
    MESOS_SANDBOX: "/tmp/sb",
    MESOS_SLAVE_ID: "a1-S0",
    MESOS_SLAVE_PID: "slave(1)@127.0.0.1:5051",
    MESOS_AGENT_ENDPOINT: "127.0.0.1:5051",
    MESOS_CHECKPOINT: "1",
    MESOS_HTTP_COMMAND_EXECUTOR: "0",
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "5secs",
    MESOS_RECOVERY_TIMEOUT: "15mins",
    MESOS_SUBSCRIPTION_BACKOFF_MAX: "2secs",
    PATH: HOST_DEFAULT_PATH,
  });
});

test("no recovery variables without checkpointing; ExecutorInfo grace period wins", () => {
  const env = executorEnvironment(input({ checkpoint: false, executorInfo: { executor_id: { value: "e1" }, shutdown_grace_period: { nanoseconds: 1.5e9 } } }));
  assert.equal(env["MESOS_CHECKPOINT"], "0");
  assert.equal(env["MESOS_RECOVERY_TIMEOUT"], undefined);
  assert.equal(env["MESOS_SUBSCRIPTION_BACKOFF_MAX"], undefined);
  // stout prints the largest unit that gives a whole number one level down: 1.5 s is "1500ms".
  assert.equal(env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"], "1500ms");
});

test("command environment (no secrets), token, base env and overrides", () => {
  const env = executorEnvironment(
    input({
      baseEnv: { PATH: "/opt/bin", HOME: "/root" },
      authenticationToken: "tok",
      executorInfo: {
        executor_id: { value: "e1" },
        command: { environment: { variables: [{ name: "PORT0", value: "31000" }, { name: "SECRET_X", type: "SECRET" }] } },
      },
      overrides: { MESOS_AGENT_ENDPOINT: "bad", MESOS_FRAMEWORK_ID: undefined },
    }),
  );
  assert.equal(env["PORT0"], "31000");
  assert.equal("SECRET_X" in env, false);
  assert.equal(env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"], "tok");
  assert.equal(env["PATH"], "/opt/bin");
  assert.equal(env["HOME"], "/root");
  assert.equal(env["MESOS_AGENT_ENDPOINT"], "bad");
  assert.equal("MESOS_FRAMEWORK_ID" in env, false);
});
