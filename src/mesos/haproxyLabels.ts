// Task labels `berth.haproxy.*`: register the task's port in HAProxy backends (hooks/haproxyHook.ts). Nothing is
// read unless `berth.haproxy.backend` is set; every problem names its label. The address registered is the
// advertise address (BERTH_ADVERTISE_ADDRESS, given by the caller) and the task's port, found as the readiness
// labels find theirs (DiscoveryInfo ports, else the `ports` resource ranges).
import { validateHaproxyHookOptions, type HaproxyBackendTarget, type HaproxyHookOptions } from "../hooks/haproxyHook.js";
import { BACKEND_NAME } from "../hooks/haproxy/runtimeApi.js";
import type { HaproxySettings } from "../hooks/haproxySettings.js";
import { taskPorts } from "./berthLabels.js";
import type { TaskInfo } from "./types.js";
import { HAPROXY_LABEL_KNOBS, type HaproxyLabel } from "./haproxyLabelKnobs.js";

/** Every label this reads (declared in haproxyLabelKnobs.ts with its type, default and meaning). */
export const HAPROXY_LABELS = HAPROXY_LABEL_KNOBS;

export interface HaproxyLabelContext {
  readonly settings: HaproxySettings;
  /** Host other hosts reach the task at (BERTH_ADVERTISE_ADDRESS; default: the agent endpoint's host). */
  readonly advertiseAddress: string;
}

/** The hook's options from the labels; undefined when HAProxy is not asked for or a label is wrong (a problem each). */
export function readHaproxyLabels(task: TaskInfo, context: HaproxyLabelContext, problems: string[]): HaproxyHookOptions | undefined {
  const labels = new Map<string, string>();
  for (const label of task.labels?.labels ?? []) if (label.key.startsWith("berth.haproxy.")) labels.set(label.key, label.value ?? "");
  const backendText = labels.get("berth.haproxy.backend");
  if (backendText === undefined) {
    const others = [...labels.keys()];
    if (others.length > 0) problems.push(`labels ${others.join(", ")} need berth.haproxy.backend`);
    return undefined;
  }
  const before = problems.length;
  for (const key of labels.keys()) {
    if (!(key in HAPROXY_LABELS)) problems.push(`label ${key} is not a Berth label (known: ${Object.keys(HAPROXY_LABELS).join(", ")})`);
  }
  const backends = backendText.split(",").map((b) => b.trim());
  if (backends.some((b) => b === "")) problems.push(`label berth.haproxy.backend: expected backend names separated by commas, got ${JSON.stringify(backendText)}`);
  for (const backend of backends) {
    if (backend !== "" && !BACKEND_NAME.test(backend)) problems.push(`label berth.haproxy.backend: ${JSON.stringify(backend)} is not a valid HAProxy backend name (letters, digits, '-', '_', '.', ':')`);
  }
  if (new Set(backends).size !== backends.length) problems.push(`label berth.haproxy.backend: a backend is listed twice in ${JSON.stringify(backendText)}`);
  const { socket } = context.settings;
  if (!socket) problems.push(`label berth.haproxy.backend asks for HAProxy backend(s) ${backends.join(", ")}, but BERTH_HAPROXY_SOCKET is not set on this agent`);

  const number = (key: HaproxyLabel, { integer = false, max = Infinity } = {}): number | undefined => {
    const text = labels.get(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value)) || !Number.isFinite(value * 1000)) {
      problems.push(`label ${key}: expected ${integer ? "an integer" : "a number"} from 0${max !== Infinity ? ` to ${max}` : ""}, got ${JSON.stringify(text)}`);
      return NaN;
    }
    return value;
  };
  const weight = number("berth.haproxy.weight", { integer: true, max: 256 });
  const drainSeconds = number("berth.haproxy.drain-timeout-seconds");
  const checkText = labels.get("berth.haproxy.check");
  if (checkText !== undefined && checkText !== "true" && checkText !== "false") problems.push(`label berth.haproxy.check: expected true or false, got ${JSON.stringify(checkText)}`);

  // The port, as the readiness labels find theirs.
  const ports = taskPorts(task);
  const name = labels.get("berth.haproxy.port-name");
  let port: { number: number } | undefined;
  let which = "";
  if (name !== undefined && labels.has("berth.haproxy.port-index")) {
    problems.push("labels berth.haproxy.port-index and berth.haproxy.port-name: set one, not both");
  } else if (name !== undefined) {
    port = ports.find((p) => p.name === name);
    if (!port) problems.push(`label berth.haproxy.port-name: the task has no port named ${JSON.stringify(name)}`);
    which = `label berth.haproxy.port-name: the task's port named ${JSON.stringify(name)}`;
  } else {
    const index = number("berth.haproxy.port-index", { integer: true }) ?? HAPROXY_LABELS["berth.haproxy.port-index"].default;
    if (!Number.isNaN(index)) {
      port = ports[index];
      if (!port) problems.push(`label berth.haproxy.${labels.has("berth.haproxy.port-index") ? "port-index" : "backend"}: the task has ${ports.length} port(s), none at index ${index}`);
      which = `label berth.haproxy.port-index: the task's port at index ${index}`;
    }
  }
  if (port && !(Number.isInteger(port.number) && port.number >= 1 && port.number <= 65535)) {
    problems.push(`${which} is ${port.number}, not a port (1-65535)`);
    port = undefined;
  }
  const host = context.advertiseAddress;
  if (!/^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/.test(host)) problems.push(`the advertise address ${JSON.stringify(host)} (BERTH_ADVERTISE_ADDRESS) is not a host name or IP address`);
  if (problems.length > before || !socket || !port) return undefined;

  const address = `${host.includes(":") ? `[${host}]` : host}:${port.number}`;
  const targets: HaproxyBackendTarget[] = backends.map((backend) => ({ backend, address, ...(weight !== undefined ? { weight } : {}) }));
  const options: HaproxyHookOptions = {
    socket,
    backends: targets,
    drainTimeoutMs: drainSeconds !== undefined ? drainSeconds * 1000 : context.settings.drainTimeoutMs,
    recheckIntervalMs: context.settings.recheckIntervalMs,
    ...(checkText === "true" ? { check: true } : {}),
  };
  // The hook's own rules, as a backstop (it throws on what it refuses).
  const invalid = validateHaproxyHookOptions(options);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `labels berth.haproxy.*: ${problem}`));
    return undefined;
  }
  return options;
}
