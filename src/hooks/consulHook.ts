// Consul registration with a confirmed drain. healthy: register every service instance of the task with the local
// Consul agent (a failure fails the task). preKill: deregister them, then wait until Consul no longer lists them among
// the passing instances of their services (GET /v1/health/service/<name>?passing, blocking queries), so that clients
// reading Consul have stopped choosing this instance before the task is asked to stop. stop: deregister again
// (idempotent: an ID Consul does not know is fine). Consul unreachable at deregistration never holds the kill: every
// call is bounded by the hook's signal.
import { BerthError } from "../berthError.js";
import type { Hook } from "../core/hook.js";
import { sleep } from "../time/longTimer.js";
import {
  ConsulClient,
  CONSUL_CHECK_STATUSES,
  type ConsulAgentCheck,
  type ConsulCheckStatus,
  type ConsulClientOptions,
  type ConsulServiceDefinition,
} from "./consul/consulClient.js";

export interface ConsulCheckOptions {
  /** An HTTP check of this URL … */
  readonly http?: string;
  /** … or a TCP check of this host:port. */
  readonly tcp?: string;
  /** For an https URL: do not verify the certificate (as Mesos' HTTPS health checks do not). */
  readonly tlsSkipVerify?: boolean;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface ConsulServiceOptions {
  /** Service ID: `<taskID>_<name>_<port>` by the predecessor's convention. */
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  /** Registered address; undefined: Consul uses its node's address. */
  readonly address?: string;
  readonly port: number;
  readonly check?: ConsulCheckOptions;
}

export interface ConsulHookOptions {
  /** The Consul agent (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_CACERT). */
  readonly agent: ConsulClientOptions;
  readonly services: readonly ConsulServiceOptions[];
  /** Status of each check at registration (default passing: the task has just passed its readiness gate). */
  readonly initialStatus?: ConsulCheckStatus;
  /** Longest wait in preKill for the instances to leave the passing set (the hook's deadline also bounds it). */
  readonly leaveTimeoutMs: number;
  /** Consul removes an instance whose check stays critical this long (cleans up after a lost executor); none by default. */
  readonly deregisterCriticalServiceAfterMs?: number;
  /** Wait of one blocking query (default 5 s). */
  readonly pollWaitMs?: number;
  /** Pause after an answer that brought no change or an error (default 200 ms): never a busy loop. */
  readonly pollIntervalMs?: number;
  /** Deadline of one call of this hook, overriding the phase defaults. */
  readonly timeoutMs?: number;
}

export type ConsulHookErrorCode = "CONSUL_HOOK_INVALID" | "CONSUL_REGISTRATION_FAILED" | "CONSUL_DEREGISTRATION_FAILED";

export class ConsulHookError extends BerthError {
  constructor(code: ConsulHookErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Every problem of the options (empty when valid). */
export function validateConsulHookOptions(options: ConsulHookOptions): string[] {
  const problems: string[] = [];
  if (options.services.length === 0) problems.push("services: at least one service instance is needed");
  const ids = new Set<string>();
  for (const [i, service] of options.services.entries()) {
    const where = `services[${i}]`;
    if (typeof service.id !== "string" || service.id === "") problems.push(`${where}.id must be a non-empty string`);
    else if (service.id.includes("/")) problems.push(`${where}.id ${JSON.stringify(service.id)} contains "/": Consul cannot deregister such an ID`);
    else if (ids.has(service.id)) problems.push(`${where}.id ${JSON.stringify(service.id)} is used twice`);
    ids.add(service.id);
    if (typeof service.name !== "string" || service.name === "") problems.push(`${where}.name must be a non-empty string`);
    if (!(Number.isInteger(service.port) && service.port >= 1 && service.port <= 65535)) problems.push(`${where}.port must be an integer from 1 to 65535 (got ${service.port})`);
    const check = service.check;
    if (check) {
      if ((check.http === undefined) === (check.tcp === undefined)) problems.push(`${where}.check needs exactly one of http and tcp`);
      for (const key of ["intervalMs", "timeoutMs"] as const) {
        if (!(Number.isFinite(check[key]) && check[key] > 0)) problems.push(`${where}.check.${key} must be a finite number > 0 (got ${check[key]})`);
      }
    }
  }
  if (options.initialStatus !== undefined && !CONSUL_CHECK_STATUSES.includes(options.initialStatus)) {
    problems.push(`initialStatus must be one of ${CONSUL_CHECK_STATUSES.join(", ")} (got ${JSON.stringify(options.initialStatus)})`);
  }
  if (!(options.leaveTimeoutMs >= 0 && !Number.isNaN(options.leaveTimeoutMs))) problems.push(`leaveTimeoutMs must be >= 0 (got ${options.leaveTimeoutMs})`);
  const after = options.deregisterCriticalServiceAfterMs;
  if (after !== undefined && !(Number.isFinite(after) && after > 0)) problems.push(`deregisterCriticalServiceAfterMs must be a finite number > 0 (got ${after})`);
  return problems;
}

/** A duration as Consul reads it (Go's time.ParseDuration): "10s", "1500ms". */
export function goDuration(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

/** The registration body of one service instance. */
export function registrationBody(
  service: ConsulServiceOptions,
  initialStatus: ConsulCheckStatus,
  deregisterCriticalServiceAfterMs?: number,
): ConsulServiceDefinition {
  const body: ConsulServiceDefinition = {
    ID: service.id,
    Name: service.name,
    Tags: [...service.tags],
    Port: service.port,
    EnableTagOverride: false,
  };
  if (service.address !== undefined) body.Address = service.address;
  if (service.check) {
    const check: ConsulAgentCheck = {
      Interval: goDuration(service.check.intervalMs),
      Timeout: goDuration(service.check.timeoutMs),
      Status: initialStatus,
    };
    if (service.check.http !== undefined) check.HTTP = service.check.http;
    if (service.check.tcp !== undefined) check.TCP = service.check.tcp;
    if (service.check.tlsSkipVerify) check.TLSSkipVerify = true;
    if (deregisterCriticalServiceAfterMs !== undefined) check.DeregisterCriticalServiceAfter = goDuration(deregisterCriticalServiceAfterMs);
    body.Check = check;
  }
  return body;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Throws a ConsulHookError (CONSUL_HOOK_INVALID) for options that cannot work; the front ends validate first. */
export function consulHook(options: ConsulHookOptions): Hook {
  const problems = validateConsulHookOptions(options);
  if (problems.length > 0) throw new ConsulHookError("CONSUL_HOOK_INVALID", `Invalid Consul hook: ${problems.join("; ")}`);
  const client = new ConsulClient(options.agent);
  const initialStatus = options.initialStatus ?? "passing";
  const pollWaitMs = options.pollWaitMs ?? 5_000;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const where = `Consul at ${client.display}`;
  /** Instances whose registration was attempted (a timed-out request may still have registered one). */
  const attempted: ConsulServiceOptions[] = [];

  /** Deregisters every attempted instance; the IDs that Consul no longer has (or never had), and the failures. */
  const deregisterAll = async (signal: AbortSignal, output: (line: string) => void): Promise<{ gone: ConsulServiceOptions[]; failures: string[] }> => {
    const results = await Promise.all(
      attempted.map(async (service) => {
        try {
          const result = await client.deregister(service.id, signal);
          output(result === "deregistered" ? `deregistered ${service.id} from ${where}` : `${service.id} was not registered in ${where} (already gone)`);
          return { service, ok: true as const };
        } catch (error) {
          output(`could not deregister ${service.id}: ${message(error)}`);
          return { service, ok: false as const, error: message(error) };
        }
      }),
    );
    return {
      gone: results.filter((r) => r.ok).map((r) => r.service),
      failures: results.flatMap((r) => (r.ok ? [] : [r.error])),
    };
  };

  /** Waits until none of `ids` is among the passing instances of `name`; true if confirmed. */
  const waitUntilLeft = async (name: string, ids: ReadonlySet<string>, signal: AbortSignal, output: (line: string) => void): Promise<boolean> => {
    let index = 0;
    let lastError: string | undefined;
    for (;;) {
      if (signal.aborted) return false;
      let progressed = false;
      try {
        const answer = await client.healthService(name, { passing: true, ...(index > 0 ? { index, waitMs: pollWaitMs } : {}) }, signal);
        if (!answer.entries.some((entry) => ids.has(entry.Service.ID))) return true;
        progressed = answer.index > index;
        // An index that went backwards (a Consul server restored from a snapshot) restarts the blocking queries.
        index = answer.index < index ? 0 : answer.index;
        lastError = undefined;
      } catch (error) {
        if (signal.aborted) return false;
        const text = message(error);
        if (text !== lastError) output(`cannot read the passing instances of ${name} yet: ${text}`);
        lastError = text;
        index = 0;
      }
      // Blocking queries pace themselves; an answer without progress (or an error) waits before the next poll.
      if (!progressed) {
        try {
          await sleep(pollIntervalMs, signal);
        } catch {
          return false;
        }
      }
    }
  };

  return {
    name: "consul",
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),

    async healthy({ signal, output }) {
      for (const service of options.services) {
        if (!attempted.includes(service)) attempted.push(service);
        try {
          await client.register(registrationBody(service, initialStatus, options.deregisterCriticalServiceAfterMs), signal);
        } catch (error) {
          throw new ConsulHookError("CONSUL_REGISTRATION_FAILED", `registering ${service.id} (service ${JSON.stringify(service.name)}) failed: ${message(error)}`, { cause: error });
        }
        const check = service.check ? `, check ${service.check.http ?? `tcp ${service.check.tcp}`} (${initialStatus})` : ", no check";
        const at = service.address !== undefined ? `${service.address.includes(":") ? `[${service.address}]` : service.address}:${service.port}` : `port ${service.port}`;
        output(`registered ${service.id} as ${JSON.stringify(service.name)} at ${at} in ${where} (tags: ${service.tags.join(", ") || "none"}${check})`);
      }
    },

    async preKill({ signal, output }) {
      if (attempted.length === 0) return;
      const started = performance.now();
      const { gone, failures } = await deregisterAll(signal, output);
      // Only what Consul confirmed deregistered can leave the passing set; an instance still registered stays there.
      const byName = new Map<string, Set<string>>();
      for (const service of gone) {
        if (!byName.has(service.name)) byName.set(service.name, new Set());
        byName.get(service.name)!.add(service.id);
      }
      if (byName.size > 0 && !signal.aborted) {
        const leave = new AbortController();
        const stopAt = AbortSignal.any([signal, leave.signal]);
        const bound = sleep(options.leaveTimeoutMs, stopAt).then(
          () => leave.abort(new Error(`still passing after ${options.leaveTimeoutMs} ms`)),
          () => undefined,
        );
        await Promise.all(
          [...byName].map(async ([name, ids]) => {
            const list = [...ids].join(", ");
            output(`waiting for ${list} to leave the passing instances of ${JSON.stringify(name)}`);
            const left = await waitUntilLeft(name, ids, stopAt, output);
            const elapsed = Math.round(performance.now() - started);
            if (left) output(`${list} left the passing instances of ${JSON.stringify(name)} (${elapsed} ms after the kill began)`);
            else if (leave.signal.aborted) output(`${list} still among the passing instances of ${JSON.stringify(name)} after ${options.leaveTimeoutMs} ms: going on with the kill`);
            else output(`stopped waiting for ${list} to leave ${JSON.stringify(name)}: the hook's deadline passed`);
          }),
        );
        leave.abort();
        await bound;
      }
      if (failures.length > 0) {
        throw new ConsulHookError("CONSUL_DEREGISTRATION_FAILED", `deregistration from ${where} failed; the instance may still get traffic until Consul's own check fails: ${failures.join("; ")}`);
      }
    },

    async stop({ signal, output }) {
      if (attempted.length === 0) return;
      const { failures } = await deregisterAll(signal, output);
      if (failures.length > 0) throw new ConsulHookError("CONSUL_DEREGISTRATION_FAILED", `deregistration from ${where} failed: ${failures.join("; ")}`);
    },
  };
}
