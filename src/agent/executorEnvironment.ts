// The environment the agent gives an executor (executorEnvironment() in src/slave/slave.cpp, plus MESOS_SANDBOX and
// the PATH default from the Mesos containerizer). The executor does NOT inherit the agent's own environment: only
// --executor_environment_variables (here `baseEnv`), the agent's MESOS_* variables, ExecutorInfo.command.environment
// (SECRET variables skipped) and, last, test overrides (undefined removes a variable).
import { formatDuration } from "../time/duration.js";
import type { ExecutorInfo } from "../mesos/types.js";

/** os::host_default_path() of stout, used when nothing else sets PATH. */
export const HOST_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ExecutorEnvironmentInput {
  /** Like --executor_environment_variables (default: nothing inherited). */
  baseEnv?: Readonly<Record<string, string>>;
  libprocessIp: string;
  executorInfo: ExecutorInfo;
  frameworkId: string;
  agentId: string;
  /** host:port of the agent. */
  agentAddress: string;
  sandbox: string;
  checkpoint: boolean;
  shutdownGracePeriodMs: number;
  recoveryTimeoutMs: number;
  subscriptionBackoffMaxMs: number;
  authenticationToken?: string;
  /** Applied last; undefined deletes the variable (to test an executor against bad or missing input). */
  overrides?: Readonly<Record<string, string | undefined>>;
}

export function executorEnvironment(input: ExecutorEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = { LIBPROCESS_IP: input.libprocessIp, ...input.baseEnv };
  env["LIBPROCESS_PORT"] = "0";
  env["MESOS_FRAMEWORK_ID"] = input.frameworkId;
  env["MESOS_EXECUTOR_ID"] = input.executorInfo.executor_id.value;
  env["MESOS_DIRECTORY"] = input.sandbox;
  env["MESOS_SLAVE_ID"] = input.agentId;
  env["MESOS_SLAVE_PID"] = `slave(1)@${input.agentAddress}`;
  env["MESOS_AGENT_ENDPOINT"] = input.agentAddress;
  env["MESOS_CHECKPOINT"] = input.checkpoint ? "1" : "0";
  env["MESOS_HTTP_COMMAND_EXECUTOR"] = "0";
  const grace = input.executorInfo.shutdown_grace_period;
  env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = formatDuration(grace ? grace.nanoseconds / 1e6 : input.shutdownGracePeriodMs);
  if (input.checkpoint) {
    env["MESOS_RECOVERY_TIMEOUT"] = formatDuration(input.recoveryTimeoutMs);
    env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = formatDuration(input.subscriptionBackoffMaxMs);
  }
  if (input.authenticationToken !== undefined) env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = input.authenticationToken;
  // Added by the containerizer after the agent's variables (no container image here, so it is the sandbox).
  env["MESOS_SANDBOX"] = input.sandbox;
  for (const variable of input.executorInfo.command?.environment?.variables ?? []) {
    if (variable.type === "SECRET") continue;
    env[variable.name] = variable.value ?? "";
  }
  env["PATH"] ??= HOST_DEFAULT_PATH;
  for (const [name, value] of Object.entries(input.overrides ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
