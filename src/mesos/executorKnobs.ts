// The executor's own environment variables: what the Mesos agent sets for every executor (src/slave/slave.cpp
// executorEnvironment), what bin/berth-executor adds, and Berth's BERTH_* settings of the executor itself. Read by
// executorConfig.ts, agentToken.ts and (BERTH_CONFIG) cli/executorCommand.ts; what `berth run` reads too is declared
// below both (loggerKnobs.ts, hooks/*Knobs.ts).
import type { EnvKnob } from "../knob.js";

const agent = { setBy: "agent", appliesTo: ["executor"] } as const;
const operator = { setBy: "operator", appliesTo: ["executor"] } as const;

export const EXECUTOR_ENV = {
  MESOS_FRAMEWORK_ID: { ...agent, type: "string", description: "The framework's id. Required." },
  MESOS_EXECUTOR_ID: { ...agent, type: "string", description: "The executor's id. Required." },
  MESOS_SLAVE_ID: { ...agent, type: "string", description: "The agent's id, for messages; optional." },
  MESOS_DIRECTORY: { ...agent, type: "path", description: "The executor's sandbox on the host. Required." },
  MESOS_SANDBOX: { ...agent, type: "path", defaultText: "`MESOS_DIRECTORY`", description: "Tasks' working directory." },
  MESOS_AGENT_ENDPOINT: {
    ...agent,
    type: "address",
    description: "Where the agent's executor API is (`ip:port`). This or `MESOS_SLAVE_PID` is required.",
  },
  MESOS_SLAVE_PID: {
    ...agent,
    type: "address",
    description: "The agent's libprocess pid (`slave(1)@ip:port`), used when `MESOS_AGENT_ENDPOINT` is not set.",
  },
  MESOS_CHECKPOINT: {
    ...agent,
    type: "enum",
    values: ["1", "0", "true", "false"],
    default: "0",
    description: "`1`: reconnect after a lost stream; `0`: shut down.",
  },
  MESOS_RECOVERY_TIMEOUT: {
    ...agent,
    type: "duration",
    default: "15mins",
    description: "With checkpointing: how long to keep trying to re-subscribe after a lost stream.",
  },
  MESOS_SUBSCRIPTION_BACKOFF_MAX: {
    ...agent,
    type: "duration",
    default: "2secs",
    description: "With checkpointing: the longest random wait between re-subscription attempts.",
  },
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: {
    ...agent,
    type: "duration",
    default: "5secs",
    description: "Time the agent gives a SHUTDOWN before it kills the executor; Berth kills its tasks within it, minus 2 s.",
  },
  MESOS_EXECUTOR_AUTHENTICATION_TOKEN: {
    ...agent,
    type: "string",
    secret: true,
    description:
      "Sent as `Authorization: Bearer`; `bin/berth-executor` hands it to the executor on a pipe, so it is never in the executor's environment, argv or sandbox, and never passed to tasks (see Guarantees).",
  },
  BERTH_AGENT_TOKEN_FD: {
    setBy: "launcher",
    appliesTo: ["executor"],
    type: "integer",
    description: "The descriptor the agent's token arrives on (`3`), set by `bin/berth-executor`; read and closed at start, before anything is spawned.",
  },
  BERTH_MESOS_ENCODING: {
    ...operator,
    type: "enum",
    values: ["json", "protobuf"],
    default: "json",
    description: "Wire encoding towards the agent.",
  },
  BERTH_KILL_GRACE_PERIOD: {
    ...operator,
    type: "duration",
    default: "3secs",
    description: "Kill grace (stop signal to SIGKILL) when neither KILL nor TaskInfo has a kill policy (as Mesos).",
  },
  BERTH_HEARTBEAT_INTERVAL: {
    ...operator,
    type: "duration",
    default: "30mins",
    description: "Interval of the executor's HEARTBEAT calls (as the C++ executor library); at least `100ms`.",
  },
  BERTH_AGENT_HEARTBEAT_INTERVAL: {
    ...operator,
    type: "duration",
    default: "30mins",
    description:
      "Interval of the agent's HEARTBEAT events (as Mesos); a stream silent for 1.5 times that (at least 5 s more) is a lost connection; `0secs` turns the check off, for an agent that sends no HEARTBEAT events.",
  },
  BERTH_CONFIG: {
    ...operator,
    type: "path",
    defaultText: "none",
    description:
      "A JSON settings file for the agent: `{\"hooks\": [...]}`, hooks that run for every task before its own (the settings file, below); every problem is named with its JSON path and stops the executor (exit 2).",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

export type ExecutorVariable = keyof typeof EXECUTOR_ENV;
