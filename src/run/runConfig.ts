// The config file of `berth run` (JSON, every field optional) and its conversion into what the lifecycle core runs:
// a TaskSpec, LifecycleChecks and the ordered hooks. Unknown keys are refused so that a typo ("healtCheck") is an
// error rather than a silently missing check; every problem is reported with its JSON path.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { constants } from "node:os";
import { basename } from "node:path";
import { z } from "zod";
import { BerthError } from "../berthError.js";
import type { Hook } from "../core/hook.js";
import {
  MESOS_CHECK_DEFAULTS,
  MESOS_HEALTH_DEFAULTS,
  validateCheckSpec,
  type CheckSpec,
  type HealthCheckSpec,
  type Probe,
} from "../core/health/index.js";
import type { LifecycleChecks } from "../core/taskLifecycle.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { validateConsulHookOptions, type ConsulHookOptions } from "../hooks/consulHook.js";
import { readConsulSettings } from "../hooks/consulSettings.js";
import { validateHaproxyHookOptions, type HaproxyHookOptions } from "../hooks/haproxyHook.js";
import { readHaproxySettings } from "../hooks/haproxySettings.js";
import { hookList, type HookSettings } from "../hooks/hookList.js";
import type { CertificateLifetimeOptions } from "../hooks/certificateLifetimeHook.js";
import type { ConfigServiceHookOptions } from "../hooks/configServiceHook.js";
import { INTEGRATION_CREDENTIALS } from "../hooks/integrationCredentials.js";
import { readSecretsSettings } from "../hooks/secretsSettings.js";
import { parseVaultReference, type VaultHookOptions, type VaultSecretRef } from "../hooks/vaultHook.js";
import { hookFromConfig } from "../hooks/hookConfig.js";
import { RUN_ADVERTISE_ADDRESS, readAdvertiseAddress } from "../hooks/registrationKnobs.js";
import { RUN_CONFIG_KNOBS, type RunConfigKey } from "./runConfigKnobs.js";
import { duplicateHookNames, envRecordSchema, hookConfigSchema, positiveSecondsSchema, secondsSchema, zodProblems } from "../hooks/hookConfigSchema.js";

export class RunConfigError extends BerthError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], options?: { cause?: unknown }) {
    const where = source === "" ? "" : `${source}: `;
    super("RUN_CONFIG_INVALID", problems.length === 1 ? `${where}${problems[0]}` : `${source || "the configuration"} is not valid:\n  - ${problems.join("\n  - ")}`, options);
    this.problems = problems;
  }
}

/** Mesos' default kill grace (as `berth executor` without a kill policy). */
export const DEFAULT_KILL_GRACE_SECONDS = RUN_CONFIG_KNOBS.killGracePeriodSeconds.default;
/** Kubernetes-like readiness defaults: check soon and often, gate after one pass. */
export const READINESS_DEFAULTS = { delayMs: 0, intervalMs: 1_000, timeoutMs: 1_000, successes: 1 } as const;

const seconds = secondsSchema;
const positiveSeconds = positiveSecondsSchema;
const envRecord = envRecordSchema;
// SIGKILL and SIGSTOP cannot be caught, so they cannot ask a task to stop gracefully.
const stopSignals = Object.keys(constants.signals).filter((s) => s !== "SIGKILL" && s !== "SIGSTOP");
const stopSignal = z.string().refine((s) => stopSignals.includes(s), {
  error: (issue) => `${JSON.stringify(issue.input)} is not a signal that can ask a task to stop (e.g. SIGTERM, SIGINT, SIGQUIT, SIGUSR1; not SIGKILL or SIGSTOP)`,
});

const probeFields = {
  protocol: z.enum(["http", "https", "tcp", "command"]),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().startsWith("/", 'must start with "/"').optional(),
  command: z.array(z.string()).min(1, "must name at least the program").optional(),
  delaySeconds: seconds.optional(),
  intervalSeconds: seconds.optional(),
  timeoutSeconds: seconds.optional(),
};

type ProbeFields = { protocol: "http" | "https" | "tcp" | "command"; port?: number; path?: string; command?: string[] };

/** Which probe fields go with which protocol. */
function probeProblems(check: ProbeFields, ctx: z.RefinementCtx): void {
  const problem = (field: string, message: string): void => ctx.addIssue({ code: "custom", path: [field], message });
  const network = check.protocol !== "command";
  if (network && check.port === undefined) problem("port", `is required for protocol "${check.protocol}"`);
  if (!network && check.port !== undefined) problem("port", 'does not apply to protocol "command"');
  if (check.path !== undefined && check.protocol !== "http" && check.protocol !== "https") problem("path", `does not apply to protocol "${check.protocol}"`);
  if (!network && check.command === undefined) problem("command", 'is required for protocol "command" (an argv list, e.g. ["./check.sh", "--quick"])');
  if (network && check.command !== undefined) problem("command", `does not apply to protocol "${check.protocol}"`);
  if (check.command?.[0] === "") problem("command", "the program (first word) must not be empty");
}

const healthCheckSchema = z
  .strictObject({ ...probeFields, consecutiveFailures: z.number().int().min(1).optional(), gracePeriodSeconds: seconds.optional() })
  .superRefine(probeProblems);
const readinessCheckSchema = z.strictObject({ ...probeFields, successes: z.number().int().min(1).optional() }).superRefine(probeProblems);
const checkSchema = z.strictObject(probeFields).superRefine(probeProblems);

// Exactly the keys declared in runConfigKnobs.ts (`satisfies` refuses a missing or an extra one).
const runConfigSchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").optional(),
  env: envRecord.default({}),
  killGracePeriodSeconds: seconds.default(DEFAULT_KILL_GRACE_SECONDS),
  stopSignal: stopSignal.default(RUN_CONFIG_KNOBS.stopSignal.default),
  drainSeconds: seconds.default(RUN_CONFIG_KNOBS.drainSeconds.default),
  maxCompletionSeconds: positiveSeconds.optional(),
  healthCheck: healthCheckSchema.optional(),
  readinessCheck: readinessCheckSchema.optional(),
  check: checkSchema.optional(),
  hooks: z.array(hookConfigSchema).default([]),
  /** Register the task's port in HAProxy backends (the Runtime API from BERTH_HAPROXY_SOCKET), as berth.haproxy.* does. */
  haproxy: z
    .strictObject({
      backends: z.array(z.string()).min(1, "must name at least one backend"),
      port: z.number().int().min(1).max(65535),
      weight: z.number().int().min(0).max(256).optional(),
      drainTimeoutSeconds: positiveSeconds.optional(),
      check: z.boolean().optional(),
    })
    .optional(),
  /** The config service's app name (default MARATHON_APP_ID); the service itself is BERTH_CONFIG_SERVICE_URL's. */
  configService: z.strictObject({ app: z.string().trim().min(1, "must not be empty") }).optional(),
  /** Vault secrets into the environment: variable name → "<mount>/<path>#<field>" (VAULT_ADDR, as berth.vault.*). */
  vault: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid variable name"), z.string()).optional(),
  /** Refuse to start with an expired client certificate; kill gracefully before it expires (validate-certificate). */
  validateCertificate: z.boolean().default(RUN_CONFIG_KNOBS.validateCertificate.default),
  /** Register the task in Consul (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN…), as the `consul` label does. */
  consul: z
    .strictObject({
      services: z
        .array(z.strictObject({ name: z.string().trim().min(1, "must not be empty"), port: z.number().int().min(1).max(65535), tags: z.array(z.string()).default([]) }))
        .min(1, "must list at least one service"),
    })
    .optional(),
} satisfies { [K in RunConfigKey]: z.ZodType });

export type RunConfig = z.infer<typeof runConfigSchema>;

/** Validates a parsed config file; the error lists every problem with its JSON path. */
export function parseRunConfig(json: unknown, source = "config"): RunConfig {
  const result = runConfigSchema.safeParse(json);
  const problems = result.success ? [] : result.error.issues.flatMap(zodProblems);
  problems.push(...duplicateHookNames(json));
  if (result.success && problems.length === 0) return result.data;
  throw new RunConfigError(source, problems);
}


/** Reads and validates a config file. */
export async function readRunConfig(path: string, { signal }: { signal?: AbortSignal } = {}): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", ...(signal ? { signal } : {}) });
  } catch (cause) {
    throw new RunConfigError(path, [`cannot read the config file: ${(cause as Error).message}`], { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new RunConfigError(path, [`not valid JSON: ${(cause as Error).message}`], { cause });
  }
  return parseRunConfig(json, path);
}

/** What `berth run` hands to TaskLifecycle. */
export interface RunTask {
  readonly spec: TaskSpec;
  readonly checks: LifecycleChecks;
  readonly hooks: readonly Hook[];
  readonly drainMs: number;
  readonly maxCompletionTimeMs?: number;
}

export interface RunTaskInput {
  /** The command: program and arguments, run without a shell. */
  readonly argv: readonly string[];
  /** Berth's own environment: the task gets it minus Berth's BERTH_* variables, plus the config's env. */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** --name, which wins over the config's name; the default is the program's file name. */
  readonly name?: string;
  readonly taskId?: string;
}

/** Builds the task, its checks and hooks; throws a RunConfigError listing every problem the core would refuse. */
export function runTaskFromConfig(config: RunConfig, { argv, processEnv, cwd, name, taskId }: RunTaskInput, source = "config"): RunTask {
  const [file, ...args] = argv;
  if (file === undefined || file === "") throw new RunConfigError("", ["no command given: berth run [--config FILE] -- CMD ARGS…"]);
  const taskName = name ?? config.name ?? basename(file);
  const spec: TaskSpec = {
    taskId: taskId ?? `${taskName}.${randomUUID().slice(0, 8)}`,
    name: taskName,
    command: { kind: "argv", file, args },
    env: { ...ownEnvRemoved(processEnv), ...config.env },
    cwd,
    killGracePeriodMs: config.killGracePeriodSeconds * 1000,
    stopSignal: config.stopSignal as NodeJS.Signals,
  };

  const problems: string[] = [];
  const checked = <T extends HealthCheckSpec | CheckSpec>(where: string, check: T): T => {
    problems.push(...validateCheckSpec(check).map((p) => `${where}: ${p}`));
    return check;
  };
  // The scheduling fields every kind of check shares, in ms, with that kind's defaults.
  const timing = (
    config: { delaySeconds?: number | undefined; intervalSeconds?: number | undefined; timeoutSeconds?: number | undefined },
    defaults: { delayMs: number; intervalMs: number; timeoutMs: number },
  ): { delayMs: number; intervalMs: number; timeoutMs: number } => ({
    delayMs: ms(config.delaySeconds, defaults.delayMs),
    intervalMs: ms(config.intervalSeconds, defaults.intervalMs),
    timeoutMs: ms(config.timeoutSeconds, defaults.timeoutMs),
  });
  const checks: { -readonly [K in keyof LifecycleChecks]: LifecycleChecks[K] } = {};
  const { healthCheck, readinessCheck, check } = config;
  if (healthCheck) {
    checks.liveness = checked("healthCheck", {
      probe: probeOf(healthCheck, spec),
      ...timing(healthCheck, MESOS_HEALTH_DEFAULTS),
      consecutiveFailures: healthCheck.consecutiveFailures ?? MESOS_HEALTH_DEFAULTS.consecutiveFailures,
      gracePeriodMs: ms(healthCheck.gracePeriodSeconds, MESOS_HEALTH_DEFAULTS.gracePeriodMs),
    });
  }
  if (readinessCheck) {
    const readiness = checked("readinessCheck", {
      probe: probeOf(readinessCheck, spec),
      ...timing(readinessCheck, READINESS_DEFAULTS),
      // Unused by a readiness check that stops at the first pass (it never kills), but part of the spec.
      consecutiveFailures: MESOS_HEALTH_DEFAULTS.consecutiveFailures,
      gracePeriodMs: 0,
    });
    checks.readiness = { ...readiness, successThreshold: readinessCheck.successes ?? READINESS_DEFAULTS.successes };
  }
  if (check) {
    checks.check = checked("check", {
      probe: probeOf(check, spec),
      ...timing(check, MESOS_CHECK_DEFAULTS),
    });
  }

  // Hooks run in the order of the file, in every phase (one list, as docs/ARCHITECTURE.md says): put what the task needs first
  // (secrets before the cache warm-up that uses them); the same order deregisters before anything else in preKill.
  const hooks: Hook[] = [];
  config.hooks.forEach((hook, i) => {
    const built = hookFromConfig(hook);
    if (built.problems.length > 0) problems.push(...built.problems.map((p: string) => `hooks.${i}: ${p}`));
    else if (built.hook) hooks.push(built.hook);
  });
  const registrations = registrationsOf(config, spec.taskId, processEnv, problems);
  const secrets = secretsOf(config, processEnv, cwd, problems);

  if (problems.length > 0) throw new RunConfigError(source, problems);
  return {
    spec,
    checks,
    // The same order as under Mesos (hookList.ts): registrations before the operator's hooks.
    hooks: hookList({ custom: hooks, ...registrations, ...secrets.hooks }),
    drainMs: config.drainSeconds * 1000,
    ...(config.maxCompletionSeconds !== undefined ? { maxCompletionTimeMs: config.maxCompletionSeconds * 1000 } : {}),
  };
}

/** Berth's environment as the task's base: without Berth's own BERTH_* settings (as `berth executor` does). */
function ownEnvRemoved(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  // Berth's settings and its own credentials (CONSUL_HTTP_TOKEN, VAULT_TOKEN, the client certificate's variables
  // wherever BERTH_CLIENT_*_VARIABLE put them) are Berth's, as under Mesos.
  const own = [...INTEGRATION_CREDENTIALS, env.BERTH_CLIENT_CERT_VARIABLE, env.BERTH_CLIENT_KEY_VARIABLE];
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.startsWith("BERTH_") && !own.includes(key)) result[key] = value;
  }
  return result;
}

/**
 * The configuration service (whenever BERTH_CONFIG_SERVICE_URL is set, as under Mesos), Vault secrets and the
 * certificate check from the file, with the settings read from Berth's environment.
 */
function secretsOf(
  config: RunConfig,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  problems: string[],
): { hooks: Pick<HookSettings, "certificateLifetime" | "configService" | "vault"> } {
  const settings = readSecretsSettings(env, problems);
  const { certificate } = settings;
  const hooks: { certificateLifetime?: CertificateLifetimeOptions; configService?: ConfigServiceHookOptions; vault?: VaultHookOptions } = {};
  if (config.validateCertificate) hooks.certificateLifetime = { certificate, spreadMs: settings.certificateSpreadMs };
  if (settings.configService) hooks.configService = { settings: settings.configService, certificate, sandboxDir: cwd, ...(config.configService ? { app: config.configService.app } : {}) };
  else if (config.configService) problems.push("configService: BERTH_CONFIG_SERVICE_URL is not set (where the config service is)");
  const vaultEntries = Object.entries(config.vault ?? {});
  if (vaultEntries.length > 0) {
    if (!settings.vault) problems.push("vault: VAULT_ADDR is not set (where Vault is)");
    const secrets: VaultSecretRef[] = [];
    for (const [name, reference] of vaultEntries) {
      const parsed = parseVaultReference(reference);
      if (typeof parsed === "string") problems.push(`vault.${name}: ${parsed}`);
      else secrets.push({ env: name, label: `vault.${name}`, ...parsed });
    }
    if (settings.vault && secrets.length === vaultEntries.length) hooks.vault = { settings: settings.vault, certificate, secrets };
  }
  return { hooks };
}

/**
 * HAProxy and Consul registrations from the file, with the agent-wide settings read from Berth's environment (the
 * same variables as under Mesos). The address announced is BERTH_ADVERTISE_ADDRESS, else 127.0.0.1.
 */
function registrationsOf(
  config: RunConfig,
  taskId: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): Pick<HookSettings, "haproxy" | "consul"> {
  const address = readAdvertiseAddress(env, RUN_ADVERTISE_ADDRESS, problems);
  const result: { haproxy?: HaproxyHookOptions; consul?: ConsulHookOptions } = {};
  if (config.haproxy) {
    const settings = readHaproxySettings(env, problems);
    if (!settings.socket) problems.push("haproxy: BERTH_HAPROXY_SOCKET is not set (where HAProxy's Runtime API listens)");
    else {
      const { backends, port, weight, drainTimeoutSeconds, check } = config.haproxy;
      const hostPort = address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
      const options: HaproxyHookOptions = {
        socket: settings.socket,
        backends: backends.map((backend) => ({ backend, address: hostPort, ...(weight !== undefined ? { weight } : {}) })),
        drainTimeoutMs: drainTimeoutSeconds !== undefined ? drainTimeoutSeconds * 1000 : settings.drainTimeoutMs,
        recheckIntervalMs: settings.recheckIntervalMs,
        ...(check !== undefined ? { check } : {}),
      };
      const invalid = validateHaproxyHookOptions(options);
      if (invalid.length > 0) problems.push(...invalid.map((p) => `haproxy: ${p}`));
      else result.haproxy = options;
    }
  }
  if (config.consul) {
    const settings = readConsulSettings(env, problems);
    const options: ConsulHookOptions = {
      agent: settings.agent,
      services: config.consul.services.map(({ name, port, tags }) => ({
        id: `${taskId}_${name}_${port}`,
        name,
        address,
        port,
        tags: [...tags, ...(settings.globalTag ? [settings.globalTag] : [])],
      })),
      initialStatus: settings.initialStatus,
      leaveTimeoutMs: settings.leaveTimeoutMs,
    };
    const invalid = validateConsulHookOptions(options);
    if (invalid.length > 0) problems.push(...invalid.map((p) => `consul: ${p}`));
    else result.consul = options;
  }
  return result;
}

function probeOf(check: ProbeFields, task: TaskSpec): Probe {
  switch (check.protocol) {
    case "http":
    case "https":
      return { kind: "http", scheme: check.protocol, port: check.port ?? 0, path: check.path ?? "/" };
    case "tcp":
      return { kind: "tcp", port: check.port ?? 0 };
    case "command": {
      const [file = "", ...args] = check.command ?? [];
      // The check sees the task's environment (without what prestart hooks add) and runs in its directory.
      return { kind: "command", command: { kind: "argv", file, args }, env: task.env, cwd: task.cwd };
    }
  }
}

const ms = (value: number | undefined, fallbackMs: number): number => (value === undefined ? fallbackMs : Math.round(value * 1000));
