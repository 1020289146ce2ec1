// Plain-object shapes of the Mesos messages Berth speaks, as produced by mesos/codec.ts for both wire encodings:
// proto field names (snake_case), enums as their NAME strings, bytes as Uint8Array, int64 as number.

export interface IdValue {
  value: string;
}

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels?: Label[];
}

export interface EnvironmentVariable {
  name: string;
  value?: string;
  type?: "UNKNOWN" | "VALUE" | "SECRET";
}
export interface Environment {
  variables?: EnvironmentVariable[];
}

export interface CommandURI {
  value: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface CommandInfo {
  uris?: CommandURI[];
  environment?: Environment;
  value?: string;
  user?: string;
  shell?: boolean;
  arguments?: string[];
}

export interface DurationInfo {
  nanoseconds: number;
}

export interface KillPolicy {
  grace_period?: DurationInfo;
}

export interface Resource {
  name: string;
  type: "SCALAR" | "RANGES" | "SET" | "TEXT";
  scalar?: { value: number };
  ranges?: { range?: { begin: number; end: number }[] };
  set?: { item?: string[] };
}

export interface Port {
  number: number;
  name?: string;
  protocol?: string;
  labels?: Labels;
}

export interface DiscoveryInfo {
  visibility: "FRAMEWORK" | "CLUSTER" | "EXTERNAL";
  name?: string;
  ports?: { ports?: Port[] };
  labels?: Labels;
}

export type CheckType = "UNKNOWN" | "COMMAND" | "HTTP" | "TCP";

export interface HealthCheck {
  type?: CheckType;
  http?: { port: number; path?: string; scheme?: string; statuses?: number[] };
  tcp?: { port: number };
  command?: CommandInfo;
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
}

export interface CheckInfo {
  type?: CheckType;
  command?: { command: CommandInfo };
  http?: { port: number; path?: string };
  tcp?: { port: number };
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
}

export interface CheckStatusInfo {
  type?: CheckType;
  command?: { exit_code?: number };
  http?: { status_code?: number };
  tcp?: { succeeded?: boolean };
}

export interface ExecutorInfo {
  executor_id: IdValue;
  framework_id?: IdValue;
  type?: "UNKNOWN" | "DEFAULT" | "CUSTOM";
  command?: CommandInfo;
  resources?: Resource[];
  name?: string;
  data?: Uint8Array;
  discovery?: DiscoveryInfo;
  shutdown_grace_period?: DurationInfo;
  labels?: Labels;
}

export interface TaskInfo {
  name: string;
  task_id: IdValue;
  agent_id: IdValue;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  health_check?: HealthCheck;
  check?: CheckInfo;
  kill_policy?: KillPolicy;
  data?: Uint8Array;
  labels?: Labels;
  discovery?: DiscoveryInfo;
  max_completion_time?: DurationInfo;
}

export interface TaskGroupInfo {
  tasks?: TaskInfo[];
}

export const TASK_STATES = [
  "TASK_STAGING",
  "TASK_STARTING",
  "TASK_RUNNING",
  "TASK_KILLING",
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_UNREACHABLE",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
  "TASK_UNKNOWN",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
]);
export function isTerminalState(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/** TaskStatus.Reason names Berth uses (the schema knows them all). */
export type TaskStatusReason =
  | "REASON_COMMAND_EXECUTOR_FAILED"
  | "REASON_EXECUTOR_TERMINATED"
  | "REASON_EXECUTOR_REGISTRATION_TIMEOUT"
  | "REASON_EXECUTOR_REREGISTRATION_TIMEOUT"
  | "REASON_AGENT_RESTARTED"
  | "REASON_TASK_INVALID"
  | "REASON_TASK_GROUP_INVALID"
  | "REASON_TASK_UNKNOWN"
  | "REASON_TASK_CHECK_STATUS_UPDATED"
  | "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
  | "REASON_TASK_KILLED_DURING_LAUNCH"
  | "REASON_MAX_COMPLETION_TIME_REACHED"
  | "REASON_CONTAINER_LAUNCH_FAILED";

export interface TaskStatus {
  task_id: IdValue;
  state: TaskState;
  message?: string;
  source?: "SOURCE_MASTER" | "SOURCE_AGENT" | "SOURCE_EXECUTOR";
  reason?: TaskStatusReason;
  data?: Uint8Array;
  agent_id?: IdValue;
  executor_id?: IdValue;
  timestamp?: number;
  uuid?: Uint8Array;
  healthy?: boolean;
  labels?: Labels;
  check_status?: CheckStatusInfo;
}

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: IdValue;
  checkpoint?: boolean;
  hostname?: string;
  capabilities?: { type?: string }[];
  labels?: Labels;
}

export interface AgentInfo {
  hostname: string;
  id?: IdValue;
  port?: number;
}

export type CallType = "UNKNOWN" | "SUBSCRIBE" | "UPDATE" | "MESSAGE" | "HEARTBEAT";
export interface CallUpdate {
  status: TaskStatus;
}
export interface Call {
  executor_id: IdValue;
  framework_id: IdValue;
  type?: CallType;
  subscribe?: { unacknowledged_tasks?: TaskInfo[]; unacknowledged_updates?: CallUpdate[] };
  update?: CallUpdate;
  message?: { data: Uint8Array };
}

export type EventType =
  | "UNKNOWN"
  | "SUBSCRIBED"
  | "LAUNCH"
  | "LAUNCH_GROUP"
  | "KILL"
  | "ACKNOWLEDGED"
  | "MESSAGE"
  | "ERROR"
  | "SHUTDOWN"
  | "HEARTBEAT";
export interface Event {
  type?: EventType;
  subscribed?: {
    executor_info: ExecutorInfo;
    framework_info: FrameworkInfo;
    agent_info: AgentInfo;
    container_id?: { value: string; parent?: IdValue };
  };
  launch?: { task: TaskInfo };
  launch_group?: { task_group: TaskGroupInfo };
  kill?: { task_id: IdValue; kill_policy?: KillPolicy };
  acknowledged?: { task_id: IdValue; uuid: Uint8Array };
  message?: { data: Uint8Array };
  error?: { message: string };
}
