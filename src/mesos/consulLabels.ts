// The predecessor's Consul conventions (allegro/mesos-executor hook/consul, after marathon-consul), unchanged:
// - task label `consul`: register the task; its value is the service name, "" or "true" derive it from the task ID
//   (Marathon's "group_app.uuid" → "group.app");
// - task labels whose value is `tag`: their keys become tags of every instance;
// - DiscoveryInfo port labels: `consul=a,b` registers that port once per name (then only labelled ports are
//   registered, else the first port under the task's service name); a port label whose value is `tag` adds its key
//   as a tag, `tag:<name>` only to the instance named <name>;
// - `{port:NAME}` in a tag becomes the number of the port named NAME (an unknown name stays as written);
// - service ID `<taskID>_<name>_<port>`; tags end with the global tag and `marathon-task:<taskID>`;
// - a Consul check from the task's Mesos health check (HTTP or TCP; none for COMMAND or no health check).
// Differences, all where the predecessor failed or misbehaved: `marathon-task:<taskID>` is added to an instance of
// an unlabelled first port too; a task without DiscoveryInfo ports uses its port resources; a task with no port,
// an empty name or an ID Consul cannot deregister (a "/") is a problem instead of a crash or a stale registration;
// the check probes the port of the Mesos health check (the predecessor probed the registered port with the health
// check's path), with Mesos' defaults for a missing interval or timeout.
import type { ConsulCheckOptions, ConsulServiceOptions } from "../hooks/consulHook.js";
import { taskPorts, type TaskPort } from "./berthLabels.js";
import type { HealthCheck, TaskInfo } from "./types.js";
import type { ConsulLabel } from "./consulLabelKnobs.js";

/** Declared in consulLabelKnobs.ts. */
export const CONSUL_LABEL = "consul" satisfies ConsulLabel;
const TAG_VALUE = "tag";

export interface ConsulLabelContext {
  /** The address registered for every instance (BERTH_ADVERTISE_ADDRESS, else the agent endpoint's host). */
  readonly address?: string;
  /** The host Consul's checks probe (default: `address`, else 127.0.0.1). */
  readonly checkHost?: string;
  /** Added to every instance (BERTH_CONSUL_GLOBAL_TAG, default "marathon"); "" adds none. */
  readonly globalTag: string;
}

export interface ConsulLabelOptions {
  readonly services: ConsulServiceOptions[];
}


/** Marathon's task ID → a service name, as the predecessor (and marathon-consul) derive it. */
export function serviceNameFromTaskId(taskId: string): string {
  const sanitized = taskId.trim().replace(/^\/+|\/+$/g, "").replaceAll("_", ".").replaceAll("/", "-");
  if (!sanitized.includes(".")) return sanitized;
  return sanitized.split(".").slice(0, -1).join(".");
}


const describePort = (port: TaskPort): string => `port ${port.number}${port.name ? ` (${JSON.stringify(port.name)})` : ""} at index ${port.index}`;

/** Tags of a port for the instance `serviceName`: keys of its labels valued `tag`, or `tag:<serviceName>`. */
function portTags(port: TaskPort, serviceName: string): string[] {
  const tags: string[] = [];
  for (const label of port.labels) {
    const parts = (label.value ?? "").split(":");
    if (parts.length > 1 ? parts[0] === TAG_VALUE && parts[1] === serviceName : parts[0] === TAG_VALUE) tags.push(label.key);
  }
  return tags;
}

function resolvePlaceholders(tag: string, ports: readonly TaskPort[]): string {
  return tag.replace(/\{port:([^}]*)\}/g, (whole, name: string) => {
    const port = ports.find((p) => p.name !== undefined && p.name === name);
    return port ? String(port.number) : whole;
  });
}

const hostInUrl = (host: string): string => (host.includes(":") ? `[${host}]` : host);

/** The Consul check of the task's Mesos health check (HTTP or TCP), with Mesos' defaults. */
function checkOf(health: HealthCheck | undefined, host: string, problems: string[]): ConsulCheckOptions | undefined {
  if (!health || (health.type !== "HTTP" && health.type !== "TCP")) return undefined;
  const intervalMs = (health.interval_seconds ?? 10) * 1000;
  const timeoutMs = (health.timeout_seconds ?? 20) * 1000;
  const before = problems.length;
  if (!(intervalMs > 0 && Number.isFinite(intervalMs))) problems.push(`label consul: Consul's check needs health_check.interval_seconds > 0, got ${health.interval_seconds}`);
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) problems.push(`label consul: Consul's check needs health_check.timeout_seconds > 0, got ${health.timeout_seconds}`);
  const port = health.type === "HTTP" ? health.http?.port : health.tcp?.port;
  if (!(port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535)) {
    problems.push(`label consul: the task's ${health.type} health check has no usable port (${port}) for Consul's check`);
  }
  if (problems.length > before || port === undefined) return undefined;
  if (health.type === "TCP") return { tcp: `${hostInUrl(host)}:${port}`, intervalMs, timeoutMs };
  const scheme = health.http?.scheme === "https" ? "https" : "http";
  const path = health.http?.path ?? "/";
  const url = `${scheme}://${hostInUrl(host)}:${port}${path.startsWith("/") ? path : `/${path}`}`;
  return { http: url, intervalMs, timeoutMs, ...(scheme === "https" ? { tlsSkipVerify: true } : {}) };
}

/**
 * The Consul registrations the task's labels ask for; undefined (and no problem) without the `consul` label.
 * Never throws; every problem names its label.
 */
export function readConsulLabels(task: TaskInfo, context: ConsulLabelContext, problems: string[]): ConsulLabelOptions | undefined {
  const labels = task.labels?.labels ?? [];
  const consulLabel = labels.find((label) => label.key === CONSUL_LABEL);
  if (!consulLabel) return undefined;
  const before = problems.length;
  const taskId = task.task_id.value;
  let serviceName = consulLabel.value ?? "";
  if (serviceName === "" || serviceName === "true") serviceName = serviceNameFromTaskId(taskId);
  const ports = taskPorts(task);
  if (ports.length === 0) {
    problems.push("label consul: the task has no ports to register (no DiscoveryInfo ports, no port resources)");
    return undefined;
  }
  const taskTags = labels.filter((label) => label.value === TAG_VALUE).map((label) => label.key);
  const extraTags = [...(context.globalTag !== "" ? [context.globalTag] : []), `marathon-task:${taskId}`];

  const wanted: { name: string; port: TaskPort; tags: string[]; where: string }[] = [];
  for (const port of ports) {
    const portLabel = port.labels.find((label) => label.key === CONSUL_LABEL);
    if (!portLabel) continue;
    const where = `port label consul on ${describePort(port)}`;
    const names = (portLabel.value ?? "").split(",").map((name) => name.trim());
    if (names.some((name) => name === "")) {
      problems.push(`${where}: empty service name in ${JSON.stringify(portLabel.value ?? "")} (expected a comma-separated list of names)`);
      continue;
    }
    for (const name of new Set(names)) wanted.push({ name, port, tags: [...portTags(port, name), ...taskTags, ...extraTags], where });
  }
  if (wanted.length === 0 && !ports.some((port) => port.labels.some((label) => label.key === CONSUL_LABEL))) {
    // No labelled port: the first port, under the task's service name.
    if (serviceName === "") problems.push(`label consul: cannot derive a service name from the task ID ${JSON.stringify(taskId)}; set the label to the service name`);
    else wanted.push({ name: serviceName, port: ports[0]!, tags: [...taskTags, ...extraTags], where: "label consul" });
  }

  const checkHost = context.checkHost ?? context.address ?? "127.0.0.1";
  const check = checkOf(task.health_check, checkHost, problems);
  const services: ConsulServiceOptions[] = [];
  const ids = new Set<string>();
  for (const { name, port, tags, where } of wanted) {
    if (!(Number.isInteger(port.number) && port.number >= 1 && port.number <= 65535)) {
      problems.push(`${where}: ${port.number} is not a port number (1-65535)`);
      continue;
    }
    const id = `${taskId}_${name}_${port.number}`;
    if (id.includes("/")) {
      problems.push(`${where}: the service ID ${JSON.stringify(id)} contains "/", which Consul cannot deregister (hashicorp/consul#1096)`);
      continue;
    }
    if (ids.has(id)) continue;
    ids.add(id);
    const resolved = [...new Set(tags.map((tag) => resolvePlaceholders(tag, ports)))];
    services.push({
      id,
      name,
      tags: resolved,
      port: port.number,
      ...(context.address !== undefined && context.address !== "" ? { address: context.address } : {}),
      ...(check ? { check } : {}),
    });
  }
  if (problems.length > before) return undefined;
  return { services };
}
