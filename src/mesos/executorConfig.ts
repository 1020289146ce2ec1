// The executor's configuration, read only from the environment the Mesos agent gives every executor
// (src/slave/slave.cpp executorEnvironment) plus Berth's own BERTH_* variables. Every problem names its variable.
import { readTaskLogSettings, type TaskLogSettings } from "../logs/logSettings.js";
import { BerthError } from "../berthError.js";
import type { Encoding } from "./codec.js";
import { parseDuration } from "../time/duration.js";
import { INTEGRATION_CREDENTIALS } from "../hooks/integrationCredentials.js";
import { readIntegrationSettings, type IntegrationSettings } from "./integrationSettings.js";
import { EXECUTOR_ENV, type ExecutorVariable } from "./executorKnobs.js";
import { readLogLevel } from "../loggerKnobs.js";
import { readAdvertiseAddress } from "../hooks/registrationKnobs.js";
import type { LogLevel } from "../logger.js";

export class ConfigError extends BerthError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super("EXECUTOR_CONFIG_INVALID", `invalid executor environment:\n  - ${problems.join("\n  - ")}`);
    this.problems = problems;
  }
}

export interface ExecutorConfig {
  frameworkId: string;
  executorId: string;
  agentId: string | undefined;
  /** Full URL of the executor API endpoint. */
  apiUrl: URL;
  /** Host sandbox directory (cwd of the executor); tasks run here unless told otherwise. */
  directory: string;
  sandbox: string;
  checkpoint: boolean;
  /** How long the agent waits after SHUTDOWN before it destroys the container. */
  shutdownGracePeriodMs: number;
  /** Only meaningful with checkpointing: how long to keep trying to re-subscribe after a disconnect. */
  recoveryTimeoutMs: number;
  subscriptionBackoffMaxMs: number;
  /** Bearer token for the agent; never passed on to tasks. */
  authToken: string | undefined;
  encoding: Encoding;
  /** Kill grace period when neither KILL nor TaskInfo carries a kill policy (the command executor uses 3 s). */
  defaultKillGracePeriodMs: number;
  /** Interval of HEARTBEAT calls (the C++ executor library sends one every 30 minutes). */
  heartbeatIntervalMs: number;
  /**
   * Interval of the agent's HEARTBEAT events on the stream (Mesos: 30 minutes); a stream silent well beyond it is
   * presumed dead (AgentConnection's streamSilenceLimitMs). 0: the agent sends none, silence is never a failure.
   */
  agentHeartbeatIntervalMs: number;
  /** Host name or address other hosts use to reach this host's tasks (registrations in Consul, HAProxy). */
  advertiseAddress: string;
  /** Agent-wide settings of the integrations (HAProxy, …); each is off unless configured. */
  integrations: IntegrationSettings;
  /** The least level of the executor's diagnostics (BERTH_LOG_LEVEL). */
  logLevel: LogLevel;
  /** The log pipeline: sinks, sandbox file rotation, line limits. */
  logs: TaskLogSettings;
}

/** Variables that belong to the executor alone and are removed from every task's environment. */
export const EXECUTOR_ONLY_VARIABLES: readonly string[] = ["MESOS_EXECUTOR_AUTHENTICATION_TOKEN" satisfies ExecutorVariable, ...INTEGRATION_CREDENTIALS];
/** Prefix of Berth's own configuration variables, also kept out of tasks' environments. */
export const BERTH_VARIABLE_PREFIX = "BERTH_";

type Env = Readonly<Record<string, string | undefined>>;
/** The declared variables that hold a stout duration with a default. */
type DurationVariable = { [K in ExecutorVariable]: (typeof EXECUTOR_ENV)[K] extends { type: "duration"; default: string } ? K : never }[ExecutorVariable];

/** Parses and validates the executor environment; throws ConfigError listing every problem. */
export function readExecutorConfig(env: Env): ExecutorConfig {
  const problems: string[] = [];
  const required = (name: ExecutorVariable): string => {
    const value = env[name];
    if (value === undefined || value === "") {
      problems.push(`${name} is not set (the Mesos agent sets it for every executor)`);
      return "";
    }
    return value;
  };
  const duration = (name: DurationVariable): number => {
    const text = env[name] ?? EXECUTOR_ENV[name].default;
    try {
      return parseDuration(text);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return 0;
    }
  };

  const frameworkId = required("MESOS_FRAMEWORK_ID");
  const executorId = required("MESOS_EXECUTOR_ID");
  const directory = required("MESOS_DIRECTORY");
  const sandbox = env.MESOS_SANDBOX || directory;

  let apiUrl = new URL("http://invalid/");
  const endpoint = env.MESOS_AGENT_ENDPOINT;
  const pid = env.MESOS_SLAVE_PID;
  if (endpoint) {
    // "ip:port" or "[ipv6]:port"; mesos-go appends /api/v1/executor to it.
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(endpoint)) {
      problems.push(`MESOS_AGENT_ENDPOINT: expected "ip:port", got ${JSON.stringify(endpoint)}`);
    } else {
      apiUrl = new URL(`http://${endpoint}/api/v1/executor`);
    }
  } else if (pid) {
    // "slave(1)@ip:port": the C++ library posts to /slave(1)/api/v1/executor.
    const match = /^([^@\s]+)@([^\s:]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(pid);
    if (!match) problems.push(`MESOS_SLAVE_PID: expected "slave(1)@ip:port", got ${JSON.stringify(pid)}`);
    else apiUrl = new URL(`http://${match[2]}:${match[3]}/${match[1]}/api/v1/executor`);
  } else {
    problems.push("MESOS_AGENT_ENDPOINT is not set (nor MESOS_SLAVE_PID): cannot find the agent");
  }

  const checkpointText = env.MESOS_CHECKPOINT ?? EXECUTOR_ENV.MESOS_CHECKPOINT.default;
  if (!(EXECUTOR_ENV.MESOS_CHECKPOINT.values as readonly string[]).includes(checkpointText)) {
    problems.push(`MESOS_CHECKPOINT: expected "1" or "0", got ${JSON.stringify(checkpointText)}`);
  }
  const checkpoint = checkpointText === "1" || checkpointText === "true";

  const shutdownGracePeriodMs = duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD");
  // Mesos sets these two only when checkpointing; the declared defaults are Mesos' own.
  const recoveryTimeoutMs = duration("MESOS_RECOVERY_TIMEOUT");
  const subscriptionBackoffMaxMs = duration("MESOS_SUBSCRIPTION_BACKOFF_MAX");
  const defaultKillGracePeriodMs = duration("BERTH_KILL_GRACE_PERIOD");
  const heartbeatIntervalMs = duration("BERTH_HEARTBEAT_INTERVAL");
  if (heartbeatIntervalMs < 100) problems.push("BERTH_HEARTBEAT_INTERVAL must be at least 100ms");
  const agentHeartbeatIntervalMs = duration("BERTH_AGENT_HEARTBEAT_INTERVAL");
  if (agentHeartbeatIntervalMs > 0 && agentHeartbeatIntervalMs < 100) {
    problems.push("BERTH_AGENT_HEARTBEAT_INTERVAL must be at least 100ms, or 0secs for an agent that sends no heartbeats");
  }

  const encodingText = env.BERTH_MESOS_ENCODING ?? EXECUTOR_ENV.BERTH_MESOS_ENCODING.default;
  if (encodingText !== "json" && encodingText !== "protobuf") {
    problems.push(`BERTH_MESOS_ENCODING: expected "json" or "protobuf", got ${JSON.stringify(encodingText)}`);
  }

  const advertiseAddress = readAdvertiseAddress(env, apiUrl.hostname.replace(/^\[(.*)\]$/, "$1"), problems);

  const integrations = readIntegrationSettings(env, problems);
  const logLevel = readLogLevel(env, problems);
  const logs = readTaskLogSettings(env, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    frameworkId,
    executorId,
    agentId: env.MESOS_SLAVE_ID || undefined,
    apiUrl,
    directory,
    sandbox,
    checkpoint,
    shutdownGracePeriodMs,
    recoveryTimeoutMs,
    subscriptionBackoffMaxMs,
    authToken: env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN || undefined,
    encoding: encodingText as Encoding,
    defaultKillGracePeriodMs,
    heartbeatIntervalMs,
    agentHeartbeatIntervalMs,
    advertiseAddress,
    integrations,
    logLevel,
    logs,
  };
}
