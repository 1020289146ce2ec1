// Reads a Marathon app definition for `berth dev` and turns it into what Marathon would send: a TaskInfo for a
// custom executor whose ExecutorInfo.command carries the app's command behind Marathon's `chmod … && exec …`
// prefix and the app's environment (PORT0…, MARATHON_APP_ID, HOST …) — reference §1b — plus the health check
// (marathonHealth.ts). Every top-level field is known (appFields.ts): an unknown one is an error naming the closest
// known field, one berth dev cannot honour is named in a warning.
import { z } from "zod";
import { BerthError } from "../berthError.js";
import type { ExecutorInfo, Label, TaskInfo } from "../mesos/types.js";
import { APP_FIELDS, closestName } from "./appFields.js";
import { HEALTH_CHECK_FIELDS, HEALTH_PROTOCOLS, planHealthCheck, type HealthProtocol, type MarathonHealthCheck } from "./marathonHealth.js";

export class AppDefinitionError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("APP_DEFINITION_INVALID", message, options);
  }
}

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, "must be letters, digits and dashes");
const seconds = z.number().int("must be a whole number of seconds").min(0);
const portDefinition = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  name: name.optional(),
  protocol: z.enum(["tcp", "udp", "udp,tcp"]).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
const healthCheck = z.object({
  protocol: z.enum(HEALTH_PROTOCOLS as [HealthProtocol, ...HealthProtocol[]]).optional(),
  command: z.object({ value: z.string().trim().min(1, "must not be empty") }).optional(),
  path: z.string().startsWith("/", "must start with /").optional(),
  port: z.number().int().min(1).max(65535).optional(),
  portIndex: z.number().int().min(0).optional(),
  gracePeriodSeconds: seconds.optional(),
  intervalSeconds: seconds.optional(),
  timeoutSeconds: seconds.optional(),
  maxConsecutiveFailures: seconds.optional(),
  delaySeconds: seconds.optional(),
  ignoreHttp1xx: z.boolean().optional(),
  ipProtocol: z.enum(["IPv4", "IPv6"]).optional(),
});
export const READINESS_CHECK_FIELDS = ["name", "protocol", "path", "portName", "intervalSeconds", "timeoutSeconds", "httpStatusCodesForReady", "preserveLastResponse"] as const;
/** Marathon's readiness check, with Marathon's defaults; berth dev performs it itself, as Marathon does. */
const readinessCheck = z.object({
  name: z.string().default("readinessCheck"),
  protocol: z.enum(["HTTP", "HTTPS"]).default("HTTP"),
  path: z.string().startsWith("/", "must start with /").default("/"),
  portName: z.string().default("http-api"),
  intervalSeconds: seconds.default(30),
  timeoutSeconds: seconds.default(10),
  httpStatusCodesForReady: z.array(z.number().int().min(100).max(999)).min(1).default([200]),
  preserveLastResponse: z.boolean().default(false),
});
const UPGRADE_FIELDS = ["minimumHealthCapacity", "maximumOverCapacity"] as const;
const NETWORK_FIELDS = ["name", "mode", "labels"] as const;
const PORT_DEFINITION_FIELDS = ["port", "name", "protocol", "labels"] as const;
const fraction = z.number().min(0).max(1);

const appSchema = z
  .object({
    id: z.string().regex(/^\/?[a-z0-9.-]+(\/[a-z0-9.-]+)*$/, "must be a Marathon path like /group/app").default("/dev-app"),
    cmd: z.string().trim().min(1, "must not be empty").optional(),
    args: z.array(z.string()).min(1, "must name at least the program").optional(),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid variable name"),
        z.union([z.string(), z.object({ secret: z.string() })], { error: "must be a string (or a secret reference {\"secret\": NAME})" }),
      )
      .default({}),
    labels: z.record(z.string(), z.string()).default({}),
    instances: z.number().int().min(0).default(1),
    portDefinitions: z.array(portDefinition).optional(),
    ports: z.array(z.number().int().min(0).max(65535)).optional(),
    requirePorts: z.boolean().default(false),
    networks: z.array(z.object({ name: z.string().optional(), mode: z.enum(["container", "container/bridge", "host"]).default("container"), labels: z.record(z.string(), z.string()).optional() })).optional(),
    healthChecks: z.array(healthCheck).default([]),
    readinessChecks: z.array(readinessCheck).default([]),
    taskKillGracePeriodSeconds: z.number().min(0).optional(),
    upgradeStrategy: z.object({ minimumHealthCapacity: fraction.default(1), maximumOverCapacity: fraction.default(1) }).default({ minimumHealthCapacity: 1, maximumOverCapacity: 1 }),
    killSelection: z.enum(["YOUNGEST_FIRST", "OLDEST_FIRST", "YoungestFirst", "OldestFirst"]).default("YOUNGEST_FIRST"),
    executor: z.string().optional(),
    cpus: z.number().positive().default(1),
    mem: z.number().min(0).default(128),
  })
  .refine((app) => (app.cmd === undefined) !== (app.args === undefined), { message: "exactly one of cmd or args is required" })
  .refine((app) => app.ports === undefined || app.portDefinitions === undefined, { message: "set portDefinitions or ports (deprecated), not both" });

type ParsedApp = z.infer<typeof appSchema>;
export type PortDefinition = z.infer<typeof portDefinition>;

export interface MarathonApp extends Omit<ParsedApp, "env" | "ports" | "portDefinitions" | "killSelection" | "healthChecks"> {
  env: Record<string, string>;
  portDefinitions: PortDefinition[];
  killSelection: "YOUNGEST_FIRST" | "OLDEST_FIRST";
  healthChecks: MarathonHealthCheck[];
}

export type MarathonReadinessCheck = MarathonApp["readinessChecks"][number];

export interface ReadApp {
  app: MarathonApp;
  /** What berth dev cannot honour, one sentence each, naming the field. */
  warnings: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Unknown keys of `value` (when an object) as problems, each with the closest known key. */
function unknownKeys(value: unknown, known: readonly string[], where: string, problems: string[]): void {
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const close = closestName(key, known);
    problems.push(`${where}${where ? "." : ""}${key}: unknown field${close ? ` (did you mean ${close}?)` : ""}`);
  }
}

function eachOf(value: unknown, fn: (item: unknown, i: number) => void): void {
  if (Array.isArray(value)) value.forEach(fn);
}

/** Validates an app definition; the error lists every problem with its JSON path. */
export function readMarathonApp(json: unknown, source = "app definition"): ReadApp {
  const problems: string[] = [];
  const warnings: string[] = [];
  const fail = (): never => {
    throw new AppDefinitionError(`${source} is not a valid Marathon app:\n  - ${problems.join("\n  - ")}`);
  };
  if (!isObject(json)) {
    problems.push("(app): must be a JSON object");
    fail();
  }
  const raw = json as Record<string, unknown>;
  const honoured: Record<string, unknown> = {};
  const ignoredStatus: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const info = Object.hasOwn(APP_FIELDS, key) ? APP_FIELDS[key] : undefined;
    if (!info) {
      const close = closestName(key, Object.keys(APP_FIELDS));
      problems.push(`${key}: unknown field${close ? ` (did you mean ${close}?)` : ""}`);
    } else if (info.use === "honoured") {
      honoured[key] = value;
    } else if (info.use === "status") {
      ignoredStatus.push(key);
    } else if (!isEmpty(value)) {
      warnings.push(`${key}: ignored (${info.why})`);
    }
  }
  eachOf(raw.healthChecks, (check, i) => {
    unknownKeys(check, HEALTH_CHECK_FIELDS, `healthChecks.${i}`, problems);
    if (isObject(check)) unknownKeys(check.command, ["value"], `healthChecks.${i}.command`, problems);
  });
  eachOf(raw.readinessChecks, (check, i) => unknownKeys(check, READINESS_CHECK_FIELDS, `readinessChecks.${i}`, problems));
  eachOf(raw.portDefinitions, (definition, i) => unknownKeys(definition, PORT_DEFINITION_FIELDS, `portDefinitions.${i}`, problems));
  eachOf(raw.networks, (network, i) => unknownKeys(network, NETWORK_FIELDS, `networks.${i}`, problems));
  unknownKeys(raw.upgradeStrategy, UPGRADE_FIELDS, "upgradeStrategy", problems);
  if (ignoredStatus.length > 0) warnings.push(`${ignoredStatus.join(", ")}: ignored (Marathon's status fields, from a GET of the app)`);

  const result = appSchema.safeParse(honoured);
  if (!result.success) {
    problems.push(...result.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(app)"}: ${issue.message}`));
  }
  if (problems.length > 0 || !result.success) fail();
  const parsed = (result as { data: ParsedApp }).data;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.env)) {
    if (typeof value === "string") env[key] = value;
    else warnings.push(`env.${key}: ignored (a secret reference; berth dev has no secret store)`);
  }
  const portDefinitions: PortDefinition[] = parsed.portDefinitions ?? (parsed.ports ?? []).map((port) => ({ port }));
  if (parsed.ports !== undefined) warnings.push("ports is deprecated in Marathon: read as portDefinitions with those port numbers");
  const names = portDefinitions.flatMap((d) => (d.name ? [d.name] : []));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) problems.push(`portDefinitions: the name ${JSON.stringify(duplicate)} is used twice (names must be unique)`);
  for (const network of parsed.networks ?? []) {
    if (network.mode !== "host") warnings.push(`networks: mode ${network.mode} ignored (no container networking: the task uses this machine's network, as in mode host)`);
  }
  parsed.readinessChecks.forEach((check, i) => {
    if (!portDefinitions.some((d) => d.name === check.portName)) {
      problems.push(`readinessChecks.${i}.portName: no port definition is named ${JSON.stringify(check.portName)} (names: ${names.join(", ") || "none"})`);
    }
    if (check.timeoutSeconds >= check.intervalSeconds && check.intervalSeconds > 0) problems.push(`readinessChecks.${i}.timeoutSeconds must be smaller than intervalSeconds`);
    if (check.preserveLastResponse) warnings.push(`readinessChecks.${i}.preserveLastResponse: ignored (berth dev shows each result in its timeline)`);
  });
  if (parsed.requirePorts && portDefinitions.some((d) => d.port === 0)) problems.push("requirePorts: every port definition needs a port number other than 0");
  // With several instances on one machine, fixed host ports would collide; Marathon would place them on other agents.
  if (parsed.requirePorts && parsed.instances > 1) warnings.push("requirePorts with instances > 1: the instances share this machine, so only one can bind each port");
  // Health checks need the host ports; they are checked here against placeholder ports, and planned again at launch.
  const plan = planHealthCheck(parsed.healthChecks, portDefinitions.map((_, i) => i + 1));
  problems.push(...plan.problems);
  warnings.push(...plan.warnings);
  if (problems.length > 0) fail();
  const killSelection = parsed.killSelection === "OldestFirst" ? "OLDEST_FIRST" : parsed.killSelection === "YoungestFirst" ? "YOUNGEST_FIRST" : parsed.killSelection;
  const { ports: _ports, ...rest } = parsed;
  return { app: { ...rest, env, portDefinitions, killSelection }, warnings };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
}

/** readMarathonApp without the warnings. */
export function parseMarathonApp(json: unknown, source = "app definition"): MarathonApp {
  return readMarathonApp(json, source).app;
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
  const health = planHealthCheck(app.healthChecks, hostPorts);
  if (health.problems.length > 0) throw new AppDefinitionError(`health check: ${health.problems.join("; ")}`);
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
    ...(health.mesos ? { health_check: health.mesos } : {}),
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
