// Rich sample messages for the schema conformance test: every Call and Event type, and between them every field
// of Berth's schema (schema.test.ts checks that coverage). Values are picked to exercise the wire: int64 above
// 2^32, an enum value 0 in a required field, bytes that are not UTF-8, doubles with fractions.
import type { Call, CallUpdate, Event, ExecutorInfo, Labels, Resource, TaskInfo } from "../../src/mesos/types.js";

export interface Sample {
  title: string;
  message: "Call" | "Event";
  value: Call | Event;
}

const bytes = (...octets: number[]): Uint8Array => Uint8Array.from(octets);
// A version-4 RFC 4122 uuid, as the agent requires for status updates.
const uuidA = bytes(0x9b, 0x2c, 0x1e, 0x4a, 0x77, 0x10, 0x4f, 0x21, 0xa3, 0x5d, 0x00, 0xff, 0x10, 0x42, 0x8e, 0x01);
const uuidB = bytes(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x47, 0x08, 0x89, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10);

const frameworkId = { value: "f2b5c3a4-7d8e-4f10-9a1b-2c3d4e5f6a7b-0001" };
const executorId = { value: "berth.web.1" };
const agentId = { value: "a1b2c3d4-0000-4000-8000-000000000001-S3" };

const labels = (...pairs: [string, string?][]): Labels => ({
  labels: pairs.map(([key, value]) => (value === undefined ? { key } : { key, value })),
});

const resources: Resource[] = [
  { name: "cpus", type: "SCALAR", scalar: { value: 0.25 } },
  { name: "mem", type: "SCALAR", scalar: { value: 128.5 } },
  // uint64 ranges: one realistic, one above 2^32 to exercise the 64-bit varint path.
  { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31002 }, { begin: 2 ** 33, end: 2 ** 33 + 7 }] } },
  { name: "zones", type: "SET", set: { item: ["eu-1a", "eu-1b"] } },
];

const executorInfo: ExecutorInfo = {
  executor_id: executorId,
  framework_id: frameworkId,
  type: "CUSTOM",
  name: "Berth executor",
  command: {
    value: "chmod ug+rx '/opt/berth/berth' && exec '/opt/berth/berth' executor",
    shell: true,
    environment: { variables: [{ name: "MARATHON_APP_ID", value: "/web", type: "VALUE" }, { name: "PORT0", value: "31000" }] },
  },
  resources: resources.slice(0, 2),
  data: bytes(0x7b, 0x7d),
  discovery: { visibility: "FRAMEWORK", name: "berth" },
  shutdown_grace_period: { nanoseconds: 7_500_000_000 },
  labels: labels(["owner", "platform"]),
};

/** LAUNCH's task: every TaskInfo field, an HTTP health check and a COMMAND check. */
export const richTask: TaskInfo = {
  name: "web",
  task_id: { value: "web.6c1e1f5e-0a6c-11ef-8c8a-0242ac110002" },
  agent_id: agentId,
  resources,
  executor: executorInfo,
  data: bytes(0x00, 0x01, 0x02, 0xfe, 0xff),
  command: {
    value: "/usr/bin/server",
    shell: false,
    arguments: ["server", "--port", "31000", "--name=ünïcode ✓"],
    user: "nobody",
    environment: {
      variables: [
        { name: "GREETING", value: "hello world" },
        { name: "EMPTY", value: "" },
        { name: "DB_PASSWORD", type: "SECRET" },
        { name: "LEGACY", value: "x", type: "UNKNOWN" },
      ],
    },
    uris: [
      { value: "https://example.org/app.tar.gz", extract: true, cache: true, executable: false, output_file: "app.tgz" },
      { value: "https://example.org/tool", executable: true, extract: false },
    ],
  },
  health_check: {
    type: "HTTP",
    http: { port: 31000, path: "/health", scheme: "http", statuses: [200, 204] },
    delay_seconds: 1.5,
    interval_seconds: 2,
    timeout_seconds: 0.75,
    consecutive_failures: 5,
    grace_period_seconds: 30,
  },
  check: {
    type: "COMMAND",
    command: { command: { value: "test -f /tmp/ready", shell: true } },
    delay_seconds: 0.5,
    interval_seconds: 3,
    timeout_seconds: 1,
  },
  kill_policy: { grace_period: { nanoseconds: 30_000_000_000 } },
  labels: labels(["tier", "frontend"], ["canary"]),
  discovery: {
    visibility: "EXTERNAL",
    name: "web",
    ports: {
      ports: [
        { number: 31000, name: "http", protocol: "tcp", labels: labels(["VIP_0", "/web:80"]) },
        { number: 31001, protocol: "udp" },
      ],
    },
    labels: labels(["environment", "prod"]),
  },
  // Known extension (Mesos 1.12): the Debian schema predates it.
  max_completion_time: { nanoseconds: 3_600_000_000_000 },
};

/** Group tasks: a TCP health check with an HTTP check, a COMMAND health check with a TCP check. */
const groupTasks: TaskInfo[] = [
  {
    name: "sidecar",
    task_id: { value: "group.sidecar" },
    agent_id: agentId,
    command: { value: "exec envoy -c /etc/envoy.yaml" },
    health_check: { type: "TCP", tcp: { port: 9901 } },
    check: { type: "HTTP", http: { port: 9901, path: "/ready" } },
  },
  {
    name: "worker",
    task_id: { value: "group.worker" },
    agent_id: agentId,
    command: { value: "./worker", shell: true },
    health_check: { type: "COMMAND", command: { value: "pgrep worker", environment: { variables: [{ name: "A", value: "1" }] } } },
    check: { type: "TCP", tcp: { port: 8080 } },
    kill_policy: { grace_period: { nanoseconds: 0 } },
  },
];

/** Every TaskStatus field Berth sets; state TASK_STARTING is enum value 0 in a required field. */
const startingUpdate: CallUpdate = {
  status: {
    task_id: richTask.task_id,
    state: "TASK_STARTING",
    source: "SOURCE_EXECUTOR",
    executor_id: executorId,
    agent_id: agentId,
    uuid: uuidB,
    timestamp: 1_732_723_200.125,
  },
};

const healthUpdate: CallUpdate = {
  status: {
    task_id: richTask.task_id,
    state: "TASK_RUNNING",
    message: "health check failed: HTTP 503 ✗",
    source: "SOURCE_EXECUTOR",
    reason: "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
    data: bytes(0xde, 0xad, 0xbe, 0xef, 0x00),
    agent_id: agentId,
    executor_id: executorId,
    timestamp: 1_732_723_260.987654,
    uuid: uuidA,
    healthy: false,
    labels: labels(["berth.phase", "running"]),
    check_status: { type: "HTTP", http: { status_code: 503 } },
  },
};

const checkUpdates: CallUpdate[] = [
  { status: { task_id: groupTasks[0]!.task_id, state: "TASK_RUNNING", source: "SOURCE_EXECUTOR", uuid: uuidA, reason: "REASON_TASK_CHECK_STATUS_UPDATED", check_status: { type: "TCP", tcp: { succeeded: true } } } },
  { status: { task_id: groupTasks[1]!.task_id, state: "TASK_FAILED", source: "SOURCE_EXECUTOR", uuid: uuidB, message: "Command exited with status 3", check_status: { type: "COMMAND", command: { exit_code: -1 } } } },
];

const ids = { executor_id: executorId, framework_id: frameworkId };

export const SAMPLES: readonly Sample[] = [
  {
    title: "Call SUBSCRIBE with unacknowledged tasks and updates",
    message: "Call",
    value: { ...ids, type: "SUBSCRIBE", subscribe: { unacknowledged_tasks: [richTask, ...groupTasks], unacknowledged_updates: [startingUpdate, healthUpdate, ...checkUpdates] } },
  },
  { title: "Call SUBSCRIBE, empty", message: "Call", value: { ...ids, type: "SUBSCRIBE", subscribe: {} } },
  { title: "Call UPDATE TASK_STARTING (enum 0 in a required field)", message: "Call", value: { ...ids, type: "UPDATE", update: startingUpdate } },
  { title: "Call UPDATE with every TaskStatus field", message: "Call", value: { ...ids, type: "UPDATE", update: healthUpdate } },
  {
    title: "Call UPDATE with an extension reason (REASON_MAX_COMPLETION_TIME_REACHED)",
    message: "Call",
    value: { ...ids, type: "UPDATE", update: { status: { ...healthUpdate.status, state: "TASK_FAILED", reason: "REASON_MAX_COMPLETION_TIME_REACHED", healthy: undefined, check_status: undefined } } },
  },
  { title: "Call MESSAGE with binary data", message: "Call", value: { ...ids, type: "MESSAGE", message: { data: bytes(0x00, 0x80, 0xff, 0x0a, 0x0d) } } },
  { title: "Call HEARTBEAT (extension)", message: "Call", value: { ...ids, type: "HEARTBEAT" } },
  {
    title: "Event SUBSCRIBED",
    message: "Event",
    value: {
      type: "SUBSCRIBED",
      subscribed: {
        executor_info: executorInfo,
        framework_info: {
          user: "root",
          name: "marathon",
          id: frameworkId,
          checkpoint: true,
          hostname: "marathon-1.example.org",
          capabilities: [{ type: "TASK_KILLING_STATE" }, { type: "PARTITION_AWARE" }, { type: "REGION_AWARE" }],
          labels: labels(["team", "platform"]),
        },
        agent_info: { hostname: "agent-3.example.org", id: agentId, port: 5051 },
        container_id: { value: "c-child", parent: { value: "c-parent" } },
      },
    },
  },
  { title: "Event LAUNCH with a rich TaskInfo", message: "Event", value: { type: "LAUNCH", launch: { task: richTask } } },
  { title: "Event LAUNCH_GROUP", message: "Event", value: { type: "LAUNCH_GROUP", launch_group: { task_group: { tasks: groupTasks } } } },
  { title: "Event KILL with a kill policy", message: "Event", value: { type: "KILL", kill: { task_id: richTask.task_id, kill_policy: { grace_period: { nanoseconds: 5_000_000_000 } } } } },
  { title: "Event KILL without a kill policy", message: "Event", value: { type: "KILL", kill: { task_id: richTask.task_id } } },
  { title: "Event ACKNOWLEDGED", message: "Event", value: { type: "ACKNOWLEDGED", acknowledged: { task_id: richTask.task_id, uuid: uuidA } } },
  { title: "Event MESSAGE", message: "Event", value: { type: "MESSAGE", message: { data: bytes(0xff, 0x00, 0x7f) } } },
  { title: "Event ERROR", message: "Event", value: { type: "ERROR", error: { message: "Framework cannot be found" } } },
  { title: "Event SHUTDOWN", message: "Event", value: { type: "SHUTDOWN" } },
  { title: "Event HEARTBEAT (extension)", message: "Event", value: { type: "HEARTBEAT" } },
];
