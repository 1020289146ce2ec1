// HAProxy registration with a confirmed drain, over the Runtime API (issue 7, item 5).
//
// healthy: `add server <backend>/<name> <address> [weight W] [check inter MS]`, then `enable server` (and
//   `enable health` with checks): dynamic servers start in maintenance. Then, while registered, a re-check loop
//   looks for the server every `recheckIntervalMs` and adds it again when it vanished: HAProxy forgets servers
//   added at run time when it reloads.
// preKill: the loop stops; `set server … state drain` (new sessions go elsewhere, except sticky ones), then wait
//   until the server's current sessions and queue (`show stat` scur, qcur) are 0 — bounded by the drain timeout and
//   the hook's deadline — then `state maint` and `del server` (retried while HAProxy refuses it because of
//   connections still attached).
// stop: the same removal for what preKill did not remove, idempotently: a server (or backend) already gone is fine.
//
// Server name: the task id with every character HAProxy refuses in a server name (anything but letters, digits and
// `-_.:`) replaced by `_`, then `_<port>`; when that changed the id, or the id is long (over 100 characters, then cut),
// `-<8 hex of sha256(task id)>` keeps it unique, e.g. `web.1f0c2b7e-9a3d-11ee-8c90-0242ac120002_31005` or
// `my_app_x_31005-3fa2b1c0` for `my/app x`.
import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { BerthError } from "../berthError.js";
import type { Hook, HookContext } from "../core/hook.js";
import { setLongTimeout, sleep, timeoutSignal } from "../time/longTimer.js";
import { BACKEND_NAME, HaproxyError, type HaproxyErrorKind, RuntimeApi, describeAddress, type RuntimeApiAddress } from "./haproxy/runtimeApi.js";

export interface HaproxyBackendTarget {
  /** The backend the task joins (it must exist in HAProxy's configuration, with a dynamic balance algorithm). */
  readonly backend: string;
  /** host:port where HAProxy reaches the task (`[v6]:port` for IPv6). */
  readonly address: string;
  /** 0–256 (HAProxy's range); HAProxy's default (1) when absent. */
  readonly weight?: number;
}

export interface HaproxyHookOptions {
  readonly socket: RuntimeApiAddress;
  readonly backends: readonly HaproxyBackendTarget[];
  /** Longest wait for a draining server's sessions and queue to reach 0. */
  readonly drainTimeoutMs: number;
  /** How often a registered server is looked for and re-added (default 5 s). */
  readonly recheckIntervalMs?: number;
  /** Between two looks at a draining server's sessions (default 250 ms). */
  readonly pollIntervalMs?: number;
  /** Add the server with HAProxy health checks (`check inter`), the backend's check options applying. Default off: Berth's readiness gate already passed. */
  readonly check?: boolean;
  readonly checkIntervalMs?: number;
  /** Deadline of one Runtime API command (default 5 s). */
  readonly commandTimeoutMs?: number;
}

/** Options that cannot work (code HAPROXY_INVALID); the message lists every problem. */
export class HaproxyHookError extends BerthError {
  constructor(problems: readonly string[]) {
    super("HAPROXY_INVALID", `Invalid HAProxy hook: ${problems.join("; ")}`);
  }
}

const MAX_NAME_ID_LENGTH = 100;
/** Time the hook keeps after the drain's bound for `maint` and `del server`. */
export const REMOVAL_MARGIN_MS = 10_000;
/** How long `del server` is retried after a confirmed drain while HAProxy still reports connections attached. */
const DELETE_RETRY_MS = 5_000;

/** Failures of `add server` after which the server certainly does not exist. */
const NOT_ADDED: ReadonlySet<HaproxyErrorKind> = new Set(["socket-missing", "unreachable", "no-such-backend", "static-backend", "permission"]);

/** `promise`, or a rejection with the signal's reason once it aborts (for calls that take no signal, like DNS lookups). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}

/** The HAProxy server name of a task's port (see the header comment). */
export function haproxyServerName(taskId: string, port: number): string {
  let id = taskId.replace(/[^A-Za-z0-9_.:-]/g, "_");
  const changed = id !== taskId || id.length > MAX_NAME_ID_LENGTH || id === "";
  if (id.length > MAX_NAME_ID_LENGTH) id = id.slice(0, MAX_NAME_ID_LENGTH);
  const name = `${id}_${port}`;
  return changed ? `${name}-${createHash("sha256").update(taskId).digest("hex").slice(0, 8)}` : name;
}

/** The port of a `host:port` / `[v6]:port` address, or undefined. */
export function addressPort(address: string): number | undefined {
  const match = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[1]) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Every problem of the options (empty when valid). */
export function validateHaproxyHookOptions(options: HaproxyHookOptions): string[] {
  const problems: string[] = [];
  if (options.backends.length === 0) problems.push("no backend given");
  const seen = new Set<string>();
  for (const { backend, address, weight } of options.backends) {
    if (!BACKEND_NAME.test(backend)) problems.push(`backend ${JSON.stringify(backend)}: not a valid HAProxy backend name (letters, digits, '-', '_', '.', ':')`);
    if (addressPort(address) === undefined) problems.push(`backend ${backend}: address ${JSON.stringify(address)} is not host:port`);
    if (weight !== undefined && !(Number.isInteger(weight) && weight >= 0 && weight <= 256)) problems.push(`backend ${backend}: weight must be an integer from 0 to 256 (got ${weight})`);
    const key = `${backend} ${address}`;
    if (seen.has(key)) problems.push(`backend ${backend} with address ${address} is listed twice`);
    seen.add(key);
  }
  const duration = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && !(Number.isFinite(value) && value >= min)) problems.push(`${name} must be a finite number >= ${min} (got ${value})`);
  };
  duration("drainTimeoutMs", options.drainTimeoutMs, 0);
  if (options.drainTimeoutMs === undefined) problems.push("drainTimeoutMs is required");
  duration("recheckIntervalMs", options.recheckIntervalMs, 1);
  duration("pollIntervalMs", options.pollIntervalMs, 1);
  duration("checkIntervalMs", options.checkIntervalMs, 1);
  duration("commandTimeoutMs", options.commandTimeoutMs, 1);
  return problems;
}

interface Target extends HaproxyBackendTarget {
  /** backend/server, for messages. */
  readonly label: string;
  readonly server: string;
}

/** Throws a HaproxyHookError for options that cannot work. */
export function haproxyHook(options: HaproxyHookOptions): Hook {
  const problems = validateHaproxyHookOptions(options);
  if (problems.length > 0) throw new HaproxyHookError(problems);
  const api = new RuntimeApi(options.socket);
  const { drainTimeoutMs, recheckIntervalMs = 5_000, pollIntervalMs = 250, check = false, checkIntervalMs = 2_000, commandTimeoutMs = 5_000 } = options;
  /** A command's signal: the caller's, and never longer than one command's deadline. */
  const bounded = (signal: AbortSignal): AbortSignal => AbortSignal.any([signal, timeoutSignal(commandTimeoutMs)]);

  let targets: Target[] | undefined;
  const targetsOf = (task: HookContext["task"]): Target[] =>
    (targets ??= options.backends.map((b) => {
      const server = haproxyServerName(task.taskId, addressPort(b.address) as number);
      return { ...b, server, label: `${b.backend}/${server}` };
    }));
  /** Targets an `add server` was sent for and that are not confirmed removed (only those are removed later). */
  const touched = new Set<Target>();

  let recheck: { controller: AbortController; done: Promise<void> } | undefined;
  const stopRecheck = async (): Promise<void> => {
    const current = recheck;
    recheck = undefined;
    if (!current) return;
    current.controller.abort(new Error("the task is being unregistered"));
    await current.done;
  };

  /**
   * The target's address with an IP: HAProxy leaves a dynamic server with a host name unresolved (no address)
   * unless resolvers are configured, so Berth looks the name up once, at registration, and keeps the answer.
   */
  const addresses = new Map<Target, string>();
  const resolved = async (target: Target, signal: AbortSignal): Promise<string> => {
    const known = addresses.get(target);
    if (known) return known;
    const split = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d+)$/.exec(target.address);
    const host = split?.[1] ?? split?.[2] ?? "";
    let address = target.address;
    if (isIP(host) === 0) {
      const ip = await abortable(lookup(host).then((r) => r.address), signal).catch((error: unknown) => {
        throw new HaproxyError("command-failed", `cannot resolve ${host} (the address of ${target.label}): ${(error as Error).message}`, { cause: error });
      });
      address = `${ip.includes(":") ? `[${ip}]` : ip}:${split?.[3]}`;
    }
    addresses.set(target, address);
    return address;
  };

  const add = async (target: Target, signal: AbortSignal): Promise<"added" | "existed"> => {
    const address = await resolved(target, signal);
    touched.add(target);
    let result: "added" | "existed" = "added";
    try {
      await api.addServer(target.backend, target.server, address, { ...(target.weight !== undefined ? { weight: target.weight } : {}), check, checkIntervalMs }, bounded(signal));
    } catch (error) {
      // Certainly not added: nothing to remove later.
      if (error instanceof HaproxyError && NOT_ADDED.has(error.kind)) touched.delete(target);
      // Ours from an earlier attempt (the name is unique per task and port): enable it.
      if (!(error instanceof HaproxyError && error.kind === "server-exists")) throw error;
      result = "existed";
    }
    await api.enableServer(target.backend, target.server, bounded(signal));
    if (check) await api.enableHealth(target.backend, target.server, bounded(signal));
    return result;
  };

  const startRecheck = (all: Target[], output: (line: string) => void): void => {
    const controller = new AbortController();
    const { signal } = controller;
    const lastFailure = new Map<Target, string>();
    const done = (async () => {
      while (!signal.aborted) {
        try {
          await sleep(recheckIntervalMs, signal);
        } catch {
          return;
        }
        for (const target of all) {
          if (signal.aborted) return;
          try {
            const servers = await api.serversState(target.backend, bounded(signal));
            if (signal.aborted) return;
            if (!servers.some((s) => s.name === target.server)) {
              output(`server ${target.label} is gone from HAProxy (a reload?): adding it again`);
              await add(target, signal);
              output(`registered ${target.label} at ${target.address} again`);
            }
            if (lastFailure.delete(target)) output(`re-check of ${target.label} works again`);
          } catch (error) {
            if (signal.aborted) return;
            const message = (error as Error).message;
            // One line per distinct failure, not one every interval.
            if (lastFailure.get(target) !== message) output(`re-check of ${target.label} failed: ${message}`);
            lastFailure.set(target, message);
          }
        }
      }
    })();
    recheck = { controller, done };
  };

  /** maint + del server, retried while HAProxy refuses it for connections still attached; true when removed. */
  const remove = async (target: Target, signal: AbortSignal, retryMs: number, output: (line: string) => void): Promise<boolean> => {
    try {
      await api.setState(target.backend, target.server, "maint", bounded(signal));
    } catch (error) {
      if (error instanceof HaproxyError && (error.kind === "no-such-server" || error.kind === "no-such-backend")) {
        touched.delete(target);
        output(`server ${target.label} is already gone`);
        return true;
      }
      throw error;
    }
    const until = AbortSignal.any([signal, timeoutSignal(retryMs)]);
    for (let attempt = 1; ; attempt++) {
      try {
        await api.deleteServer(target.backend, target.server, bounded(signal));
        touched.delete(target);
        output(`removed ${target.label}`);
        return true;
      } catch (error) {
        if (error instanceof HaproxyError && (error.kind === "no-such-server" || error.kind === "no-such-backend")) {
          touched.delete(target);
          output(`server ${target.label} is already gone`);
          return true;
        }
        if (!(error instanceof HaproxyError && error.kind === "server-busy")) throw error;
        if (attempt === 1) output(`HAProxy refuses to delete ${target.label} yet (${error.answer}); retrying`);
        try {
          await sleep(Math.min(pollIntervalMs, 100), until);
        } catch {
          output(`left ${target.label} in maintenance: HAProxy still refuses to delete it (${error.answer})`);
          return false;
        }
      }
    }
  };

  /** drain, wait for 0 sessions (bounded), then remove. */
  const drain = async (target: Target, signal: AbortSignal, output: (line: string) => void): Promise<void> => {
    try {
      await api.setState(target.backend, target.server, "drain", bounded(signal));
    } catch (error) {
      if (error instanceof HaproxyError && (error.kind === "no-such-server" || error.kind === "no-such-backend")) {
        touched.delete(target);
        output(`server ${target.label} is already gone`);
        return;
      }
      throw error;
    }
    output(`draining ${target.label} (up to ${drainTimeoutMs} ms)`);
    const started = performance.now();
    const drainDeadline = new AbortController();
    const timer = setLongTimeout(() => drainDeadline.abort(), drainTimeoutMs);
    const until = AbortSignal.any([signal, drainDeadline.signal]);
    let drained = false;
    let left = -1;
    try {
      for (;;) {
        let stat;
        try {
          stat = await api.serverStat(target.backend, target.server, bounded(until));
        } catch (error) {
          if (until.aborted) break;
          throw error;
        }
        if (!stat) {
          touched.delete(target);
          output(`server ${target.label} is already gone`);
          return;
        }
        const sessions = stat.scur + stat.qcur;
        if (sessions === 0) {
          drained = true;
          break;
        }
        if (sessions !== left) output(`${target.label}: ${stat.scur} session(s) and ${stat.qcur} queued request(s) left`);
        left = sessions;
        try {
          await sleep(pollIntervalMs, until);
        } catch {
          break;
        }
      }
    } finally {
      timer.clear();
    }
    const took = Math.round(performance.now() - started);
    if (drained) output(`drained ${target.label} in ${took} ms`);
    else if (signal.aborted) output(`drain of ${target.label} cut short by the hook's deadline after ${took} ms with ${left} session(s) left`);
    else output(`drain of ${target.label} timed out after ${took} ms with ${left} session(s) left; removing it anyway`);
    if (signal.aborted) return;
    // After a confirmed drain HAProxy may still hold idle connections for a moment: retry. After a timeout the
    // sessions are still there: one try, and stop removes the server once the task is gone.
    await remove(target, signal, drained ? DELETE_RETRY_MS : 0, output);
  };

  /** Runs `step` for every target at once; throws one error naming every failure. */
  const forEach = async (all: Target[], step: (target: Target) => Promise<void>): Promise<void> => {
    const results = await Promise.allSettled(all.map(step));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
    if (failures.length === 1) throw results.find((r) => r.status === "rejected")!.reason;
    if (failures.length > 1) throw new HaproxyError("command-failed", failures.join("; "));
  };

  return {
    name: "haproxy",
    // preKill waits up to the drain timeout, then needs time to remove the server.
    timeoutMs: Math.max(30_000, drainTimeoutMs + REMOVAL_MARGIN_MS),
    async healthy({ task, signal, output }) {
      const all = targetsOf(task);
      await stopRecheck();
      for (const target of all) {
        let how: "added" | "existed";
        try {
          how = await add(target, signal);
        } catch (error) {
          const kind = error instanceof HaproxyError ? error.kind : "command-failed";
          throw new HaproxyError(kind, `cannot register ${target.label} at ${target.address}: ${(error as Error).message}`, { cause: error });
        }
        output(`registered ${target.label} at ${target.address}${target.weight !== undefined ? ` (weight ${target.weight})` : ""}${how === "existed" ? " (it existed already)" : ""} on ${describeAddress(options.socket)}`);
      }
      startRecheck(all, output);
    },
    async preKill({ task, signal, output }) {
      await stopRecheck();
      const all = targetsOf(task).filter((t) => touched.has(t));
      await forEach(all, (target) => drain(target, signal, output));
    },
    async stop({ task, signal, output }) {
      await stopRecheck();
      const all = targetsOf(task).filter((t) => touched.has(t));
      await forEach(all, async (target) => {
        if (!(await remove(target, signal, Infinity, output))) throw new HaproxyError("server-busy", `could not remove ${target.label}: HAProxy refused to delete it until the deadline`);
      });
    },
  };
}
