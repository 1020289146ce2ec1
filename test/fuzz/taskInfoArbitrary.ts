// TaskInfos for the fuzz suite: any TaskInfo of the schema with hostile values everywhere (nearly always invalid
// somewhere), and plausible ones — what a framework might really send, with edges and hostile values sprinkled in —
// that Berth often accepts, so that properties about accepted tasks are exercised.
import fc from "fast-check";
import type { ExecutorInfo, Label, TaskInfo } from "../../src/mesos/types.js";
import { labelArbitrary, plausibleLabels, plausiblePorts, portNumber } from "./berthLabelArbitrary.js";
import { HOSTILE_LEAVES, hostileStrings, messageArbitrary } from "./schemaArbitrary.js";

/** Environment variable names: valid ones, and every kind of invalid one. */
export const envName = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/),
  fc.constantFrom("", "=", "A=B", "A\0B", "\0", "PATH", "HOME", "MESOS_EXECUTOR_AUTHENTICATION_TOKEN", "BERTH_X", "__proto__", "constructor", "1A", "A B", "ü"),
);

/** Commands a framework may send, including Marathon's executor command line and hostile ones. */
export const commandValue = fc.oneof(
  hostileStrings(40),
  fc.constantFrom("sleep 600", "  ", "chmod ug+rx '/b' && exec '/b' sleep 10", "chmod ug+rx '/a' && exec '/a'", "chmod ug+rx '/a' && exec '/b' x", "echo \0"),
);

const leaves = { ...HOSTILE_LEAVES, string: hostileStrings(40) };
const fields = {
  "Environment.Variable.name": envName,
  "CommandInfo.value": commandValue,
  "Labels.labels": fc.array(labelArbitrary, { maxLength: 12 }),
  "TaskInfo.data": fc.oneof(
    HOSTILE_LEAVES.bytes,
    fc.jsonValue({ maxDepth: 2 }).map((json) => Buffer.from(JSON.stringify(json) ?? "")),
    fc.record({ cmd: fc.oneof(commandValue, fc.jsonValue({ maxDepth: 1 })), args: fc.oneof(fc.array(hostileStrings(40), { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }).map((app) => Buffer.from(JSON.stringify(app))),
  ),
};
/** Any TaskInfo of the schema with hostile values everywhere: nearly always invalid somewhere. */
export const hostileTaskInfo = messageArbitrary("TaskInfo", { leaves, fields, maxDepth: 3 }) as unknown as fc.Arbitrary<TaskInfo>;

/** Mostly sane values with an edge or a hostile one now and then (1 in `oneIn`). */
const mostly = <T>(sane: fc.Arbitrary<T>, edge: fc.Arbitrary<T>, oneIn = 10): fc.Arbitrary<T> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: sane }, { weight: 1, arbitrary: edge });

const plainText = fc.stringMatching(/^[a-z0-9._-]{1,12}$/);

export interface PlausibleTaskOptions {
  /** Every shell line or executable of the task and its checks (also after Marathon's executor prefix). */
  command: fc.Arbitrary<string>;
  /** TaskInfo.data (an old Marathon app definition may hold the command). */
  data: fc.Arbitrary<Uint8Array>;
  labels: fc.Arbitrary<Label[]>;
  /** One value in this many is an edge or a hostile one (default 10). */
  edgeOneIn?: number;
}

/** TaskInfos a framework might really send, with edges and hostile values sprinkled in: often accepted. */
export function plausibleTaskInfoOf({ command, data, labels, edgeOneIn = 10 }: PlausibleTaskOptions): fc.Arbitrary<TaskInfo> {
  const mostly = <T>(sane: fc.Arbitrary<T>, edge: fc.Arbitrary<T>, oneIn = edgeOneIn): fc.Arbitrary<T> =>
    fc.oneof({ weight: oneIn - 1, arbitrary: sane }, { weight: 1, arbitrary: edge });
  const variable = fc.record(
    {
      name: mostly(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/), envName, Math.ceil(edgeOneIn / 2)),
      value: mostly(fc.string({ maxLength: 12 }), hostileStrings(4)),
      type: mostly(fc.constant("VALUE" as const), fc.constantFrom("UNKNOWN" as const, "SECRET" as const)),
    },
    { requiredKeys: ["name"] },
  );
  const environment = fc.record({ variables: fc.array(variable, { maxLength: 6 }) });
  // Seconds as Mesos' double fields carry them: usual values, 30 days, overflow when made ms, negative, NaN.
  const seconds = mostly(fc.constantFrom(0, 0.001, 1, 15, 2_592_000), fc.constantFrom(-1, -0, NaN, Infinity, -Infinity, 1e305, 1e306, Number.MAX_VALUE, 5e-324));
  const nanos = mostly(fc.constantFrom(0, 1, 5e9, 2_592_000e9), fc.constantFrom(-1, -(2 ** 63), 2 ** 63, Number.MAX_SAFE_INTEGER, 1e20));
  const checkPort = mostly(fc.integer({ min: 1, max: 65535 }), portNumber);
  const checkType = mostly(fc.constantFrom("COMMAND" as const, "HTTP" as const, "TCP" as const), fc.constantFrom("UNKNOWN" as const));
  const commandInfo = fc.record(
    {
      value: command,
      shell: fc.boolean(),
      arguments: fc.array(mostly(plainText, hostileStrings(4)), { maxLength: 4 }),
      user: mostly(fc.constantFrom("nobody", "root"), fc.constantFrom("", "a\0b", "-1")),
      environment,
    },
    { requiredKeys: ["value"] },
  );
  const healthCheck = fc.record(
    {
      type: checkType,
      http: fc.record({ port: checkPort, path: mostly(fc.constantFrom("/", "/health"), hostileStrings(4)), scheme: mostly(fc.constantFrom("http", "https"), fc.constantFrom("ftp", "", "HTTP")) }, { requiredKeys: ["port"] }),
      tcp: fc.record({ port: checkPort }),
      command: commandInfo,
      delay_seconds: seconds,
      interval_seconds: seconds,
      timeout_seconds: seconds,
      grace_period_seconds: seconds,
      consecutive_failures: mostly(fc.constantFrom(1, 3), fc.constantFrom(0, 2 ** 32 - 1, 1e20)),
    },
    // The field of every type is present (the others are ignored), so that most checks are complete.
    { requiredKeys: ["type", "http", "tcp", "command"] },
  );
  const checkInfo = fc.record(
    {
      type: checkType,
      command: fc.record({ command: commandInfo }),
      http: fc.record({ port: checkPort, path: mostly(fc.constantFrom("/", "/health"), hostileStrings(4)) }, { requiredKeys: ["port"] }),
      tcp: fc.record({ port: checkPort }),
      delay_seconds: seconds,
      interval_seconds: seconds,
      timeout_seconds: seconds,
    },
    { requiredKeys: ["type", "http", "tcp", "command"] },
  );
  const marathonExecutor = fc.record({
    executor_id: fc.constant({ value: "e" }),
    command: fc.record({ value: fc.tuple(fc.constantFrom("/b", "/a'\\''b"), command).map(([path, cmd]) => `chmod ug+rx '${path}' && exec '${path}' ${cmd}`) }),
  });
  return fc
    .record(
      {
        name: mostly(plainText, hostileStrings(4)),
        id: mostly(plainText, fc.constantFrom("", "a\0b", "a/b", "..", " ")),
        command: commandInfo,
        executor: marathonExecutor,
        data,
        kill: nanos,
        max: nanos,
        health_check: healthCheck,
        check: checkInfo,
        labels,
        ports: plausiblePorts,
      },
      { requiredKeys: ["name", "id", "labels", "ports"] },
    )
    .map(({ name, id, kill, max, labels: list, ports, ...rest }) => ({
      name,
      task_id: { value: id },
      agent_id: { value: "agent" },
      ...rest,
      ...(kill !== undefined ? { kill_policy: { grace_period: { nanoseconds: kill } } } : {}),
      ...(max !== undefined ? { max_completion_time: { nanoseconds: max } } : {}),
      labels: { labels: list },
      ...ports,
    }));
}

export const plausibleTaskInfo: fc.Arbitrary<TaskInfo> = plausibleTaskInfoOf({
  command: mostly(fc.constantFrom("sleep 600", "exec ./server --port $PORT0", "/bin/true"), commandValue),
  data: fields["TaskInfo.data"],
  labels: mostly(plausibleLabels, fc.array(labelArbitrary, { maxLength: 12 }), 6),
});

export const taskInfo: fc.Arbitrary<TaskInfo> = fc.oneof({ weight: 1, arbitrary: hostileTaskInfo }, { weight: 3, arbitrary: plausibleTaskInfo });
export const executorInfo = fc.option(messageArbitrary("ExecutorInfo", { leaves, fields, maxDepth: 3 }) as unknown as fc.Arbitrary<ExecutorInfo>, { nil: undefined });

