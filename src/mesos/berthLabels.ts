// Task labels under the `berth.` prefix: Berth's own per-task settings (README, "Task labels"). Unknown keys under
// the prefix are errors, so that a typo does not silently turn a setting off. Label values are data, never
// interpolated into a shell line (berth.readiness.command is the whole command, run as Mesos runs COMMAND checks).
import { constants } from "node:os";
import { validateCheckSpec, type HealthCheckSpec, type Probe } from "../core/health/index.js";
import { PHASES, validateExecHookOptions, type ExecHookOptions } from "../hooks/execHook.js";
import { validateGracefulHttpOptions, type GracefulHttpOptions } from "../hooks/gracefulHttpHook.js";
import { parseStatusRanges, validateHttpHookOptions, type HttpHookOptions } from "../hooks/httpHook.js";
import { validateSleepHookOptions, type SleepHookOptions } from "../hooks/sleepHook.js";
import { validateWarmupOptions, type WarmupOptions } from "../hooks/warmupHook.js";
import type { LifecyclePhase } from "../core/hook.js";
import type { CheckContext } from "./checksFromTaskInfo.js";
import type { Label, TaskInfo } from "./types.js";
import { SECRETS_LABEL_KNOBS } from "./secretsLabelKnobs.js";
import { VAULT_LABEL_PREFIX } from "./vaultLabelKnobs.js";
import { BERTH_HOOK_LABEL_KNOBS, BERTH_LABEL_KNOBS, type BerthHookField, type BerthLabel } from "./berthLabelKnobs.js";

/** The labels with a numeric default (numbers, seconds). */
type NumberLabel = { [K in BerthLabel]: (typeof BERTH_LABEL_KNOBS)[K] extends { default: number } ? K : never }[BerthLabel];

export const LABEL_PREFIX = "berth.";
/** Prefixes of the labels each integration reads itself (every key under them is checked there). */
const INTEGRATION_PREFIXES = ["berth.haproxy.", "berth.log.", VAULT_LABEL_PREFIX] as const;
/** Single labels an integration reads itself (secretsLabels.ts). */
const INTEGRATION_LABELS: readonly string[] = Object.keys(SECRETS_LABEL_KNOBS).filter((key) => key.startsWith(LABEL_PREFIX));

/** Every `berth.` label read here (declared in berthLabelKnobs.ts with its type, default and meaning). */
export const BERTH_LABELS = BERTH_LABEL_KNOBS;

/**
 * A task's own hooks: berth.hook.<name>.phases (comma list), .timeout-seconds, and one action: .exec (JSON argv),
 * .http (URL; with .method, .headers (JSON object), .body, .expect-status) or .sleep-seconds.
 */
const HOOK_FIELDS = Object.keys(BERTH_HOOK_LABEL_KNOBS) as BerthHookField[];
const HOOK_LABEL = new RegExp(`^berth\\.hook\\.([a-z0-9][a-z0-9-]*)\\.(${HOOK_FIELDS.join("|")})$`);
const HOOK_ACTIONS = ["exec", "http", "sleep-seconds"] as const satisfies readonly BerthHookField[];
const HTTP_ONLY_FIELDS = ["method", "headers", "body", "expect-status"] as const satisfies readonly BerthHookField[];

/** A hook from labels, in the order its labels first appear. */
export type LabelHook =
  | { readonly kind: "exec"; readonly options: ExecHookOptions }
  | { readonly kind: "http"; readonly options: HttpHookOptions }
  | { readonly kind: "sleep"; readonly options: SleepHookOptions };

export type ReadinessSpec = HealthCheckSpec & { successThreshold: number };

export interface BerthLabelSettings {
  /** The task's own hooks (exec, http, sleep), in the order their labels first appear. */
  hooks: LabelHook[];
  stopSignal: NodeJS.Signals;
  drainMs: number;
  readiness?: ReadinessSpec;
  graceful?: GracefulHttpOptions;
  warmup?: WarmupOptions;
}

export interface TaskPort {
  readonly number: number;
  readonly name?: string;
  /** DiscoveryInfo's labels of the port (the predecessor's Consul conventions read them). */
  readonly labels: readonly Label[];
  /** Its position among the task's ports. */
  readonly index: number;
}

/** The task's ports: DiscoveryInfo's (with names and labels), else the `ports` resource ranges (at most 1,000). */
export function taskPorts(task: TaskInfo): TaskPort[] {
  const discovered = task.discovery?.ports?.ports ?? [];
  if (discovered.length > 0) {
    return discovered.map((p, index) => ({ number: p.number, ...(p.name ? { name: p.name } : {}), labels: p.labels?.labels ?? [], index }));
  }
  const ports: TaskPort[] = [];
  for (const resource of task.resources ?? []) {
    if (resource.name !== "ports") continue;
    for (const range of resource.ranges?.range ?? []) {
      for (let port = range.begin; port <= range.end && ports.length < 1000; port++) ports.push({ number: port, labels: [], index: ports.length });
    }
  }
  return ports;
}

export function readBerthLabels(task: TaskInfo, context: CheckContext, problems: string[]): BerthLabelSettings {
  const labels = new Map<string, string>();
  const hookLabels = new Map<string, Map<string, string>>();
  for (const label of task.labels?.labels ?? []) {
    if (!label.key.startsWith(LABEL_PREFIX)) continue;
    // Berth's label values end up in argv, environments and URLs, all C strings: a NUL byte is never meaningful.
    if (label.value?.includes("\0")) {
      problems.push(`label ${label.key} contains a NUL byte`);
      continue;
    }
    const hookMatch = HOOK_LABEL.exec(label.key);
    if (hookMatch) {
      const [, name, field] = hookMatch as unknown as [string, string, string];
      if (!hookLabels.has(name)) hookLabels.set(name, new Map());
      hookLabels.get(name)!.set(field, label.value ?? "");
      continue;
    }
    // Labels of an integration are read and checked (unknown keys too) by its own reader, e.g. haproxyLabels.ts.
    if (INTEGRATION_PREFIXES.some((prefix) => label.key.startsWith(prefix)) || INTEGRATION_LABELS.includes(label.key)) continue;
    if (!(label.key in BERTH_LABELS)) {
      problems.push(`label ${label.key} is not a Berth label (known: ${Object.keys(BERTH_LABELS).join(", ")}, berth.hook.<name>.${HOOK_FIELDS.join("|")})`);
      continue;
    }
    labels.set(label.key, label.value ?? "");
  }
  /** A label's number: `fallback` when absent; undefined, with a problem naming the label, when invalid. */
  const number = (key: NumberLabel, { integer = false, min = 0 } = {}): number | undefined => {
    const text = labels.get(key);
    if (text === undefined) return BERTH_LABELS[key].default;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      problems.push(`label ${key}: expected ${integer ? "an integer" : "a number"} >= ${min}, got ${JSON.stringify(text)}`);
      return undefined;
    }
    return value;
  };
  /** A duration label in seconds, as milliseconds a timer can hold (finite; any length, see time/longTimer.ts). */
  const millis = (key: NumberLabel): number | undefined => {
    const value = number(key);
    if (value === undefined) return undefined;
    if (!Number.isFinite(value * 1000)) {
      problems.push(`label ${key}: ${JSON.stringify(labels.get(key))} seconds is too long`);
      return undefined;
    }
    return value * 1000;
  };

  let stopSignal: NodeJS.Signals = BERTH_LABELS["berth.stop-signal"].default;
  const signalText = labels.get("berth.stop-signal");
  if (signalText !== undefined) {
    const name = (signalText.startsWith("SIG") ? signalText : `SIG${signalText}`).toUpperCase();
    if (!(name in constants.signals) || name === "SIGKILL" || name === "SIGSTOP") {
      problems.push(`label berth.stop-signal: ${JSON.stringify(signalText)} is not a signal a task can handle (e.g. SIGTERM, SIGINT, SIGQUIT)`);
    } else {
      stopSignal = name as NodeJS.Signals;
    }
  }
  const drainMs = millis("berth.drain-seconds") ?? BERTH_LABELS["berth.drain-seconds"].default;
  const ports = taskPorts(task);
  /** The port a `<prefix>.port-name` or `<prefix>.port-index` label names, if it is one a socket can use. */
  const portOf = (prefix: "berth.readiness" | "berth.graceful" | "berth.warmup"): number | undefined => {
    const name = labels.get(`${prefix}.port-name`);
    if (name !== undefined && labels.has(`${prefix}.port-index`)) {
      problems.push(`labels ${prefix}.port-index and ${prefix}.port-name: set one, not both`);
      return undefined;
    }
    let port: { number: number } | undefined;
    let which: string;
    if (name !== undefined) {
      port = ports.find((p) => p.name === name);
      if (!port) problems.push(`label ${prefix}.port-name: the task has no port named ${JSON.stringify(name)}`);
      which = `named ${JSON.stringify(name)}`;
    } else {
      const index = number(`${prefix}.port-index`, { integer: true });
      if (index === undefined) return undefined;
      port = ports[index];
      if (!port) problems.push(`label ${prefix}.port-index: the task has ${ports.length} port(s)`);
      which = `at index ${index}`;
    }
    if (!port) return undefined;
    // Ports come from DiscoveryInfo or resources, which nothing else checks: 70000 would make the probe throw.
    if (!(Number.isInteger(port.number) && port.number >= 1 && port.number <= 65535)) {
      problems.push(`label ${prefix}.${name !== undefined ? "port-name" : "port-index"}: the task's port ${which} is ${port.number}, not a port (1-65535)`);
      return undefined;
    }
    return port.number;
  };
  const graceful = readGraceful(labels, problems, millis, portOf);
  const hooks = readLabelHooks(hookLabels, problems, { taskId: task.task_id.value, ports: taskPorts(task) });
  const warmup = readWarmup(labels, problems, { number, millis, portOf });
  const base = { hooks, stopSignal, drainMs, ...(graceful ? { graceful } : {}), ...(warmup ? { warmup } : {}) };
  const readiness = readReadiness(labels, problems, { number, millis, portOf }, context);
  return readiness ? { ...base, readiness } : base;
}

type NumberOf = (key: NumberLabel, options?: { integer?: boolean; min?: number }) => number | undefined;
type Millis = (key: NumberLabel) => number | undefined;
type PortOf<P extends string> = (prefix: P) => number | undefined;

/** The labels each readiness protocol reads besides the common ones; any other is a mistake, reported. */
const READINESS_PROTOCOL_KEYS: Readonly<Record<string, readonly string[]>> = {
  http: ["berth.readiness.port-index", "berth.readiness.port-name", "berth.readiness.path"],
  https: ["berth.readiness.port-index", "berth.readiness.port-name", "berth.readiness.path"],
  tcp: ["berth.readiness.port-index", "berth.readiness.port-name"],
  command: ["berth.readiness.command"],
};
const READINESS_COMMON_KEYS: readonly string[] = [
  "berth.readiness.protocol",
  "berth.readiness.delay-seconds",
  "berth.readiness.interval-seconds",
  "berth.readiness.timeout-seconds",
  "berth.readiness.successes",
];

/**
 * The readiness check of the labels, validated as completely as the checks from TaskInfo (every problem names its
 * label): the lifecycle must never be handed a spec its checker refuses — that used to end the task's readiness
 * silently, with its healthy hooks never run.
 */
function readReadiness(
  labels: ReadonlyMap<string, string>,
  problems: string[],
  parse: { number: NumberOf; millis: Millis; portOf: PortOf<"berth.readiness"> },
  context: CheckContext,
): ReadinessSpec | undefined {
  const protocol = labels.get("berth.readiness.protocol");
  const keys = [...labels.keys()].filter((key) => key.startsWith("berth.readiness."));
  if (protocol === undefined) {
    if (keys.length > 0) problems.push(`labels ${keys.join(", ")} need berth.readiness.protocol`);
    return undefined;
  }
  // hasOwn: a protocol named "constructor" must not find Object's.
  const own = Object.hasOwn(READINESS_PROTOCOL_KEYS, protocol) ? READINESS_PROTOCOL_KEYS[protocol] : undefined;
  if (own === undefined) {
    problems.push(`label berth.readiness.protocol: expected http, https, tcp or command, got ${JSON.stringify(protocol)}`);
    return undefined;
  }
  const before = problems.length;
  for (const key of keys) {
    if (!READINESS_COMMON_KEYS.includes(key) && !own.includes(key)) problems.push(`label ${key} does not apply to berth.readiness.protocol=${protocol}`);
  }
  const delayMs = parse.millis("berth.readiness.delay-seconds");
  const intervalMs = parse.millis("berth.readiness.interval-seconds");
  const timeoutMs = parse.millis("berth.readiness.timeout-seconds");
  const successThreshold = parse.number("berth.readiness.successes", { integer: true, min: 1 });
  let probe: Probe | undefined;
  if (protocol === "command") {
    const script = labels.get("berth.readiness.command");
    if (script === undefined || script.trim() === "") problems.push("label berth.readiness.command is required with berth.readiness.protocol=command");
    else probe = { kind: "command", command: { kind: "shell", script }, env: context.env, cwd: context.cwd, ...(context.user ? { user: context.user } : {}) };
  } else {
    const port = parse.portOf("berth.readiness");
    const path = labels.get("berth.readiness.path") ?? BERTH_LABELS["berth.readiness.path"].default;
    if (!path.startsWith("/")) problems.push(`label berth.readiness.path must start with "/", got ${JSON.stringify(path)}`);
    if (port !== undefined) probe = protocol === "tcp" ? { kind: "tcp", port } : { kind: "http", scheme: protocol === "https" ? "https" : "http", port, path };
  }
  if (problems.length > before || probe === undefined || delayMs === undefined || intervalMs === undefined || timeoutMs === undefined || successThreshold === undefined) {
    return undefined;
  }
  // Readiness never kills; these two only matter to its "not ready again" watch, which Berth does not use.
  const spec: ReadinessSpec = { probe, delayMs, intervalMs, timeoutMs, successThreshold, consecutiveFailures: 1, gracePeriodMs: 0 };
  // The checker's own rules, as a backstop: anything the label rules above missed is still reported, not thrown later.
  const invalid = validateCheckSpec(spec);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `labels berth.readiness.*: ${problem}`));
    return undefined;
  }
  return spec;
}

function readGraceful(labels: ReadonlyMap<string, string>, problems: string[], millis: Millis, portOf: PortOf<"berth.graceful">): GracefulHttpOptions | undefined {
  const path = labels.get("berth.graceful.path");
  const others = [...labels.keys()].filter((key) => key.startsWith("berth.graceful.") && key !== "berth.graceful.path");
  if (path === undefined) {
    if (others.length > 0) problems.push(`labels ${others.join(", ")} need berth.graceful.path`);
    return undefined;
  }
  const before = problems.length;
  const abortPath = labels.get("berth.graceful.abort-path");
  for (const [key, value] of [["berth.graceful.path", path], ["berth.graceful.abort-path", abortPath]] as const) {
    if (value !== undefined && !value.startsWith("/")) problems.push(`label ${key} must start with "/", got ${JSON.stringify(value)}`);
  }
  const port = portOf("berth.graceful");
  const waitMs = millis("berth.graceful.wait-seconds");
  if (problems.length > before || port === undefined || waitMs === undefined) return undefined;
  const options: GracefulHttpOptions = { port, path, ...(abortPath !== undefined ? { abortPath } : {}), waitMs };
  // The hook's own rules, as a backstop (it throws on what it refuses).
  const invalid = validateGracefulHttpOptions(options);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `labels berth.graceful.*: ${problem}`));
    return undefined;
  }
  return options;
}

function readWarmup(
  labels: ReadonlyMap<string, string>,
  problems: string[],
  { number, millis, portOf }: { number: NumberOf; millis: Millis; portOf: PortOf<"berth.warmup"> },
): WarmupOptions | undefined {
  const pathsText = labels.get("berth.warmup.paths");
  const others = [...labels.keys()].filter((key) => key.startsWith("berth.warmup.") && key !== "berth.warmup.paths");
  if (pathsText === undefined) {
    if (others.length > 0) problems.push(`labels ${others.join(", ")} need berth.warmup.paths`);
    return undefined;
  }
  const before = problems.length;
  const paths = pathsText.split(",").map((p) => p.trim()).filter((p) => p !== "");
  const requests = number("berth.warmup.requests", { integer: true, min: 1 });
  const requestTimeoutMs = millis("berth.warmup.timeout-seconds");
  const requiredText = labels.get("berth.warmup.required") ?? String(BERTH_LABELS["berth.warmup.required"].default);
  if (requiredText !== "true" && requiredText !== "false") problems.push(`label berth.warmup.required must be true or false, got ${JSON.stringify(requiredText.slice(0, 40))}`);
  const port = portOf("berth.warmup");
  if (problems.length > before || port === undefined || requests === undefined || requestTimeoutMs === undefined) return undefined;
  const options: WarmupOptions = { port, paths, requests, requestTimeoutMs, required: requiredText === "true" };
  const invalid = validateWarmupOptions(options);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `labels berth.warmup.*: ${problem}`));
    return undefined;
  }
  return options;
}

interface HookUrlContext {
  readonly taskId: string;
  readonly ports: readonly { number: number; name?: string }[];
}

function readLabelHooks(hookLabels: ReadonlyMap<string, ReadonlyMap<string, string>>, problems: string[], urlContext: HookUrlContext): LabelHook[] {
  const hooks: LabelHook[] = [];
  for (const [name, fields] of hookLabels) {
    const where = `labels berth.hook.${name}`;
    const actions = HOOK_ACTIONS.filter((action) => fields.has(action));
    if (actions.length !== 1) {
      problems.push(`${where} needs exactly one of .exec, .http, .sleep-seconds${actions.length > 1 ? ` (has ${actions.map((a) => `.${a}`).join(", ")})` : ""}`);
      continue;
    }
    const stray = fields.has("http") ? [] : HTTP_ONLY_FIELDS.filter((field) => fields.has(field));
    if (stray.length > 0) {
      problems.push(`${where}.${stray.join(`, ${where}.`)} only go with ${where}.http`);
      continue;
    }
    const phases = (fields.get("phases") ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
    const unknown = phases.filter((p) => !PHASES.includes(p as LifecyclePhase));
    if (phases.length === 0 || unknown.length > 0) {
      problems.push(`${where}.phases must list phases among ${PHASES.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}`);
      continue;
    }
    const timeoutText = fields.get("timeout-seconds");
    const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0 && Number.isFinite(timeoutSeconds * 1000))) {
      problems.push(`${where}.timeout-seconds must be a finite number > 0, got ${JSON.stringify(timeoutText)}`);
      continue;
    }
    const common = { name, phases: phases as LifecyclePhase[], ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}) };
    const hook =
      actions[0] === "exec" ? execLabelHook(fields, where, common, problems) : actions[0] === "http" ? httpLabelHook(fields, where, common, problems, urlContext) : sleepLabelHook(fields, where, common, problems);
    if (hook) hooks.push(hook);
  }
  return hooks;
}

type CommonHookOptions = Pick<ExecHookOptions, "name" | "phases" | "timeoutMs">;

function execLabelHook(fields: ReadonlyMap<string, string>, where: string, common: CommonHookOptions, problems: string[]): LabelHook | undefined {
  let argv: unknown;
  try {
    argv = JSON.parse(fields.get("exec") ?? "null");
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((word) => typeof word === "string")) {
    problems.push(`${where}.exec must be a JSON array of strings (program and arguments; no shell), e.g. ["/opt/hooks/warm-up", "--fast"]`);
    return undefined;
  }
  if (argv.some((word: string) => word.includes("\0"))) {
    problems.push(`${where}.exec contains a NUL byte (JSON \\u0000): no program or argument can hold one`);
    return undefined;
  }
  const options: ExecHookOptions = { ...common, argv: argv as string[] };
  const invalid = validateExecHookOptions(options);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `${where}: ${problem}`));
    return undefined;
  }
  return { kind: "exec", options };
}

/**
 * The URL template's placeholders are filled in here, from the task: `{port}` (its first port), `{port:NAME}`,
 * `{port:INDEX}`, `{taskId}` (URL-encoded); `{phase}` is left for each call. Anything else in braces is a problem.
 */
function httpLabelHook(fields: ReadonlyMap<string, string>, where: string, common: CommonHookOptions, problems: string[], { taskId, ports }: HookUrlContext): LabelHook | undefined {
  const before = problems.length;
  const url = (fields.get("http") ?? "").replace(/\{([^{}]*)\}/g, (whole, placeholder: string) => {
    if (placeholder === "phase") return whole;
    if (placeholder === "taskId") return encodeURIComponent(taskId);
    const portMatch = /^port(?::(.+))?$/.exec(placeholder);
    if (portMatch) {
      const which = portMatch[1];
      const port = which === undefined ? ports[0] : /^\d+$/.test(which) ? ports[Number(which)] : ports.find((p) => p.name === which);
      if (port && Number.isInteger(port.number) && port.number >= 1 && port.number <= 65535) return String(port.number);
      problems.push(`${where}.http: the task has no usable port ${which === undefined ? "at index 0" : JSON.stringify(which)} for ${whole}`);
      return whole;
    }
    problems.push(`${where}.http: unknown placeholder ${whole.slice(0, 40)} (known: {port}, {port:NAME}, {port:INDEX}, {taskId}, {phase})`);
    return whole;
  });
  let headers: unknown = {};
  if (fields.has("headers")) {
    try {
      headers = JSON.parse(fields.get("headers") as string);
    } catch {
      headers = undefined;
    }
    if (typeof headers !== "object" || headers === null || Array.isArray(headers) || !Object.values(headers).every((v) => typeof v === "string")) {
      problems.push(`${where}.headers must be a JSON object of strings, e.g. {"Authorization": "Bearer …"}`);
    }
  }
  const statusText = fields.get("expect-status");
  const expectStatus = parseStatusRanges(statusText ?? BERTH_HOOK_LABEL_KNOBS["expect-status"].default);
  if (!expectStatus) problems.push(`${where}.expect-status must list statuses or ranges, e.g. 200-299,404; got ${JSON.stringify(statusText?.slice(0, 40))}`);
  if (problems.length > before || !expectStatus) return undefined;
  const body = fields.get("body");
  const options: HttpHookOptions = {
    ...common,
    method: fields.get("method") ?? BERTH_HOOK_LABEL_KNOBS.method.default,
    url,
    headers: headers as Record<string, string>,
    expectStatus,
    ...(body !== undefined ? { body } : {}),
  };
  const invalid = validateHttpHookOptions(options);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `${where}: ${problem}`));
    return undefined;
  }
  return { kind: "http", options };
}

function sleepLabelHook(fields: ReadonlyMap<string, string>, where: string, common: CommonHookOptions, problems: string[]): LabelHook | undefined {
  const text = fields.get("sleep-seconds") ?? "";
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  const options: SleepHookOptions = { ...common, sleepMs: seconds * 1000 };
  const invalid = Number.isNaN(seconds) ? [`sleep-seconds must be a number of seconds >= 0, got ${JSON.stringify(text.slice(0, 40))}`] : validateSleepHookOptions(options);
  if (invalid.length > 0) {
    problems.push(...invalid.map((problem) => `${where}: ${problem}`));
    return undefined;
  }
  return { kind: "sleep", options };
}
