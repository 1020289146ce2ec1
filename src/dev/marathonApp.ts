// Reads a Marathon app definition for `berth dev` and turns it into what Marathon would send: a TaskInfo for a
// custom executor whose ExecutorInfo.command carries the app's command behind Marathon's `chmod … && exec …`
// prefix and the app's environment (PORT0…, MARATHON_APP_ID, HOST …) — reference §1b.
import { z } from "zod";
import { BerthError } from "../berthError.js";
import type { ExecutorInfo, Label, TaskInfo } from "../mesos/types.js";

export class AppDefinitionError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("APP_DEFINITION_INVALID", message, options);
  }
}

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, "must be letters, digits and dashes");
const portDefinition = z.object({
  port: z.number().int().min(0).max(65535),
  name: name.optional(),
  protocol: z.enum(["tcp", "udp", "udp,tcp"]).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
const appSchema = z
  .object({
    id: z.string().regex(/^\/?[a-z0-9.-]+(\/[a-z0-9.-]+)*$/, "must be a Marathon path like /group/app").default("/dev-app"),
    cmd: z.string().trim().min(1, "must not be empty").optional(),
    args: z.array(z.string()).min(1, "must name at least the program").optional(),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid variable name"), z.string({ error: "must be a string (secret references are not supported by berth dev)" }))
      .default({}),
    labels: z.record(z.string(), z.string()).default({}),
    portDefinitions: z.array(portDefinition).default([]),
    taskKillGracePeriodSeconds: z.number().min(0).optional(),
    cpus: z.number().positive().default(0.1),
    mem: z.number().positive().default(128),
  })
  .refine((app) => (app.cmd === undefined) !== (app.args === undefined), { message: "exactly one of cmd or args is required" });

export type MarathonApp = z.infer<typeof appSchema>;

/** Validates an app definition; the error lists every problem with its JSON path. */
export function parseMarathonApp(json: unknown, source = "app definition"): MarathonApp {
  const result = appSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(app)"}: ${issue.message}`);
  throw new AppDefinitionError(`${source} is not a valid Marathon app:\n  - ${problems.join("\n  - ")}`);
}

export interface MarathonTaskOptions {
  app: MarathonApp;
  taskId: string;
  agentId: string;
  hostname: string;
  /** Host ports for the app's portDefinitions, in order (dynamic ones already allocated). */
  hostPorts: readonly number[];
  /** The executor program, as Marathon's `"executor": "/path"`. */
  executorPath: string;
  frameworkId: string;
}

const quote = (path: string): string => `'${path.replaceAll("'", `'\\''`)}'`;

/** Marathon's environment for an app's task (a subset of what Marathon's EnvironmentHelper provides). */
export function marathonEnvironment(app: MarathonApp, taskId: string, hostname: string, hostPorts: readonly number[]): Record<string, string> {
  const env: Record<string, string> = {
    MARATHON_APP_ID: app.id.startsWith("/") ? app.id : `/${app.id}`,
    MESOS_TASK_ID: taskId,
    HOST: hostname,
    MARATHON_APP_RESOURCE_CPUS: String(app.cpus),
    MARATHON_APP_RESOURCE_MEM: String(app.mem),
    MARATHON_APP_LABELS: Object.keys(app.labels).join(" "),
  };
  for (const [key, value] of Object.entries(app.labels)) {
    if (/^[A-Za-z0-9_]+$/.test(key)) env[`MARATHON_APP_LABEL_${key.toUpperCase()}`] = value;
  }
  hostPorts.forEach((port, i) => {
    env[`PORT${i}`] = String(port);
    const portName = app.portDefinitions[i]?.name;
    if (portName) env[`PORT_${portName.toUpperCase().replaceAll("-", "_")}`] = String(port);
  });
  if (hostPorts.length > 0) {
    env.PORT = String(hostPorts[0]);
    env.PORTS = hostPorts.join(",");
  }
  // The app's own env wins, as in Marathon.
  return { ...env, ...app.env };
}

const labelsOf = (record: Readonly<Record<string, string>>): Label[] => Object.entries(record).map(([key, value]) => ({ key, value }));

/** Builds the TaskInfo Marathon would send for one instance of the app, run by a custom executor at `executorPath`. */
export function marathonTaskInfo({ app, taskId, agentId, hostname, hostPorts, executorPath, frameworkId }: MarathonTaskOptions): TaskInfo {
  const env = marathonEnvironment(app, taskId, hostname, hostPorts);
  // With args, Marathon's path-executor line would flatten the words; keep them exact in TaskInfo.command instead.
  const commandWords = app.cmd ?? "";
  const executor: ExecutorInfo = {
    executor_id: { value: `berth-${taskId}` },
    framework_id: { value: frameworkId },
    type: "CUSTOM",
    name: `berth executor for ${app.id}`,
    command: {
      value: `chmod ug+rx ${quote(executorPath)} && exec ${quote(executorPath)} ${commandWords}`.trimEnd(),
      environment: { variables: Object.entries(env).map(([name, value]) => ({ name, value })) },
    },
  };
  const ranges = hostPorts.map((port) => ({ begin: port, end: port }));
  return {
    name: app.id.replace(/^\//, "").replaceAll("/", "."),
    task_id: { value: taskId },
    agent_id: { value: agentId },
    executor,
    ...(app.args ? { command: { shell: false, value: app.args[0] as string, arguments: app.args } } : {}),
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: app.cpus } },
      { name: "mem", type: "SCALAR", scalar: { value: app.mem } },
      ...(ranges.length > 0 ? [{ name: "ports", type: "RANGES" as const, ranges: { range: ranges } }] : []),
    ],
    labels: { labels: labelsOf(app.labels) },
    ...(app.taskKillGracePeriodSeconds !== undefined
      ? { kill_policy: { grace_period: { nanoseconds: Math.round(app.taskKillGracePeriodSeconds * 1e9) } } }
      : {}),
    discovery: {
      visibility: "FRAMEWORK",
      name: app.id.replace(/^\//, ""),
      ports: {
        ports: app.portDefinitions.map((definition, i) => ({
          number: hostPorts[i] as number,
          protocol: definition.protocol ?? "tcp",
          ...(definition.name ? { name: definition.name } : {}),
          ...(definition.labels ? { labels: { labels: labelsOf(definition.labels) } } : {}),
        })),
      },
    },
  };
}
