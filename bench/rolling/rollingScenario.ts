// One rolling-restart run: a real HAProxy in front of N instances of examples/rolling-service, each a task under the
// real `berth executor` (bin/berth-executor) on the local agent, wrk at a fixed rate through HAProxy for the whole
// run, and R restarts (start a new instance, wait until it is registered and healthy, kill the oldest, wait until it
// is gone). How instances get into and out of HAProxy is the mode:
//
//   berth      Berth's own registration: readiness-gated (`berth.readiness.*`), and at the kill a confirmed drain
//              (drain, sessions 0, maintenance, del server) before the stop signal.
//   registrar  an event-driven registrar (marathon-lb, marathon-consul): the server is added when the task reports
//              TASK_RUNNING (the process started) and removed once the task is gone (its terminal status).
//   command    the command executor's kill: the server is added once the task's health endpoint answers, and the
//              task gets SIGTERM at the kill with no deregistration first; removed once the task is gone.
//
// In the two baselines Berth runs the task with no registration of its own: at a KILL it sends SIGTERM at once,
// then SIGKILL after the grace, as the command executor does.
//
// HAProxy runs with `retries 0` and without `option redispatch`: a refused connection is a 503 the client sees, not a
// retry hidden behind latency (HAProxy's log is read too: retries, redispatches and how each failed session ended).
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { LocalAgent, type ExecutorHandle, type TaskInput } from "../../src/agent/index.js";
import { freePort } from "../../src/dev/freePort.js";
import { haproxyServerName } from "../../src/hooks/haproxyHook.js";
import { isTerminalState } from "../../src/mesos/types.js";
import { BERTH_EXECUTOR, TAG_VARIABLE, killTagged, taggedProcesses } from "../../test/helpers/berthHarness.js";
import { repoRoot } from "../../test/helpers/fixtures.js";
import { startHaproxy, type TestHaproxy } from "../../test/helpers/haproxy.js";
import { waitFor } from "../../test/helpers/waitFor.js";
import { EventRegistrar } from "./eventRegistrar.js";
import { summarizeHaproxyLog, type HaproxyLogSummary } from "./haproxyLog.js";
import { monotonicMs, startWrkLoad, type WrkLoad } from "./wrkLoad.js";
import type { LoadSummary } from "./wrkReport.js";

export const SERVICE_SCRIPT = join(repoRoot, "examples", "rolling-service", "server.mjs");
export const BACKEND = "web";

export type Mode = "berth" | "registrar" | "command";

/** What each mode does, for the benchmark's text. */
export const MODE_TITLES: Readonly<Record<Mode, string>> = {
  berth: "the executor registers the instance once its readiness check passes, and at the kill drains it (drain, sessions 0, maintenance, `del server`) before SIGTERM",
  registrar: "an event-driven registrar (as marathon-lb or marathon-consul) adds the server when the task reports TASK_RUNNING (the process started) and removes it once the task is gone",
  command: "the server is added once the instance's health endpoint answers 200, and at the kill the task gets SIGTERM with no deregistration first (the command executor's way); removed once the task is gone",
};

export interface Variant {
  readonly name: string;
  /** The service's READY_AFTER_MS. */
  readonly readyAfterMs: number;
  readonly ignoreSigterm: boolean;
  /** Every Nth request takes longMs (0: none). */
  readonly longEvery: number;
  readonly longMs: number;
  /** KillPolicy grace (SIGTERM → SIGKILL). */
  readonly graceMs: number;
}

export interface ScenarioOptions {
  readonly mode: Mode;
  readonly variant: Variant;
  readonly instances: number;
  readonly restarts: number;
  readonly ratePerSecond: number;
  readonly connections: number;
  /** Load before the first restart and after the last, in requests through HAProxy (the steady state around them). */
  readonly steadyRequests: number;
  /** Bounds each wait of the run (a restart step, the steady windows). */
  readonly stepTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly log?: (line: string) => void;
  /** Keep a copy of HAProxy's log there (it is removed with HAProxy's temp dir otherwise). */
  readonly haproxyLogCopy?: string;
}

/** Seconds since the run's origin (the load's zero). */
export interface RestartTiming {
  readonly startedS: number;
  readonly registeredS: number;
  readonly killedS: number;
  readonly goneS: number;
}

export interface ScenarioResult {
  readonly mode: Mode;
  readonly variant: Variant;
  readonly load: LoadSummary;
  readonly haproxy: HaproxyLogSummary;
  readonly restarts: readonly RestartTiming[];
  /** Seconds from the origin to the load's stop. */
  readonly endS: number;
  /** Processes of the run (tagged environment) still alive once the agent and HAProxy stopped; killed then. */
  readonly leftovers: readonly string[];
}

interface Instance {
  readonly taskId: string;
  readonly port: number;
  readonly server: string;
  readonly executor: ExecutorHandle;
  /** Settles when the baseline registrar has added the server (berth: at once). */
  readonly registration: Promise<void>;
}

/** 200 from the instance's own /health (as an orchestrator's health check sees it), or false. */
function healthy(port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/health", agent: false, timeout: 1_000, signal }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** The frontend's request count (`show stat`, req_tot of the FRONTEND line). */
async function frontendRequests(haproxy: TestHaproxy): Promise<number> {
  const lines = (await haproxy.command("show stat -1 1 -1")).split("\n");
  const header = (lines[0] ?? "").replace(/^# /, "").split(",");
  const at = header.indexOf("req_tot");
  const row = lines.find((l) => l.split(",")[1] === "FRONTEND");
  if (at < 0 || !row) throw new Error(`no FRONTEND req_tot in HAProxy's show stat: ${lines.slice(0, 2).join(" / ")}`);
  return Number(row.split(",")[at]);
}

export async function runRollingScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { mode, variant, signal } = options;
  const log = options.log ?? (() => undefined);
  const tag = randomUUID();
  const workDir = mkdtempSync(join(tmpdir(), "berth-rolling-"));
  const haproxy = await startHaproxy([
    {
      name: BACKEND,
      lines: ["retries 0", "http-request set-var(txn.id) url_param(id)", "http-after-response set-header x-id %[var(txn.id)]"],
    },
  ]);
  let agent: LocalAgent | undefined;
  let load: WrkLoad | undefined;
  const registrar = new EventRegistrar(haproxy.api, BACKEND);
  const step = (): AbortSignal => AbortSignal.any([signal, AbortSignal.timeout(options.stepTimeoutMs)]);
  let left: string[] = [];
  let cleaned: Promise<void> | undefined;
  /** Stops everything once (the load, the agent and its executors, HAProxy), then kills what is left of the run. */
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      load?.kill();
      await agent?.stop();
      await haproxy.stop();
      left = taggedProcesses(tag);
      killTagged(tag);
      rmSync(workDir, { recursive: true, force: true });
      if (left.length > 0) log(`  killed processes left behind: ${left.join(", ")}`);
    })());
  try {
    agent = await LocalAgent.start({
      workDir,
      heartbeatIntervalMs: 0,
      frameworkCapabilities: ["TASK_KILLING_STATE"],
      executorEnvironmentVariables: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", [TAG_VARIABLE]: tag },
    });
    let origin = monotonicMs();
    const seconds = (at: number): number => (at - origin) / 1000;
    let launched = 0;

    const registered = async (server: string): Promise<boolean> => {
      const servers = await haproxy.api.serversState(BACKEND, step());
      // Running and no admin flag (maintenance or drain, forced or inherited).
      return servers.some((s) => s.name === server && s.operationalState === 2 && s.adminState === 0);
    };

    const launch = async (): Promise<Instance> => {
      const index = ++launched;
      const taskId = `rolling-${mode}.${index}`;
      const port = await freePort();
      const server = haproxyServerName(taskId, port);
      const labels =
        mode === "berth"
          ? [
              { key: "berth.readiness.protocol", value: "http" },
              { key: "berth.readiness.path", value: "/health" },
              { key: "berth.readiness.port-name", value: "http" },
              { key: "berth.readiness.interval-seconds", value: "0.1" },
              { key: "berth.haproxy.backend", value: BACKEND },
              { key: "berth.haproxy.port-name", value: "http" },
            ]
          : [];
      const variables = [
        { name: "PATH", value: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" },
        { name: "PORT", value: String(port) },
        { name: "READY_AFTER_MS", value: String(variant.readyAfterMs) },
        { name: "IGNORE_SIGTERM", value: variant.ignoreSigterm ? "1" : "0" },
      ];
      const task: TaskInput = {
        task_id: { value: taskId },
        command: { value: process.execPath, shell: false, arguments: [process.execPath, SERVICE_SCRIPT], environment: { variables } },
        discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
        labels: { labels },
        kill_policy: { grace_period: { nanoseconds: variant.graceMs * 1e6 } },
      };
      const executor = agent!.launchExecutor({
        command: { argv: [BERTH_EXECUTOR] },
        tasks: [task],
        env: mode === "berth" ? { BERTH_HAPROXY_SOCKET: haproxy.socketPath } : {},
      });
      const address = `127.0.0.1:${port}`;
      const registration =
        mode === "registrar"
          ? executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: options.stepTimeoutMs }).then(() => registrar.add(server, address, step()))
          : mode === "command"
            ? waitFor(() => healthy(port, step()), { what: `${taskId}'s /health to answer 200`, timeoutMs: options.stepTimeoutMs, intervalMs: 100 }).then(() => registrar.add(server, address, step()))
            : Promise.resolve();
      registration.catch(() => undefined);
      const instance = { taskId, port, server, executor, registration };
      // The orchestrator's gate in every mode: registered in HAProxy and healthy (Marathon waits for health too).
      await Promise.race([
        registration.then(() => new Promise<never>(() => undefined)),
        waitFor(async () => (await registered(server)) && (await healthy(port, step())), {
          what: `${taskId} to be registered in HAProxy and healthy`,
          timeoutMs: options.stepTimeoutMs,
          intervalMs: 20,
        }),
      ]);
      return instance;
    };

    const kill = async (instance: Instance): Promise<{ killedAt: number; goneAt: number }> => {
      const killedAt = monotonicMs();
      instance.executor.kill(instance.taskId);
      const terminal = await instance.executor.waitForUpdate((s) => s.task_id.value === instance.taskId && isTerminalState(s.state), { timeoutMs: options.stepTimeoutMs });
      if (terminal.state !== "TASK_KILLED") log(`  ${instance.taskId} ended ${terminal.state}: ${terminal.message ?? ""}`);
      if (mode !== "berth") await registrar.remove(instance.server, step());
      const goneAt = monotonicMs();
      await instance.executor.waitForExit({ timeoutMs: options.stepTimeoutMs });
      return { killedAt, goneAt };
    };

    const fleet: Instance[] = await Promise.all(Array.from({ length: options.instances }, () => launch()));
    log(`  ${options.instances} instances registered; load ${options.ratePerSecond} req/s over ${options.connections} keep-alive connections`);

    const steady = async (what: string): Promise<void> => {
      const from = await frontendRequests(haproxy);
      await waitFor(async () => (await frontendRequests(haproxy)) >= from + options.steadyRequests, {
        what: `${options.steadyRequests} requests through HAProxy (${what})`,
        timeoutMs: options.stepTimeoutMs,
        intervalMs: 100,
      });
    };
    origin = monotonicMs();
    load = startWrkLoad({
      url: `http://127.0.0.1:${haproxy.port}/`,
      ratePerSecond: options.ratePerSecond,
      connections: options.connections,
      origin,
      longEvery: variant.longEvery,
      longMs: variant.longMs,
      maxDurationS: 3_600,
      unfinishedWindowMs: variant.longMs + 2_000,
    });
    await steady("before the first restart");

    const restarts: RestartTiming[] = [];
    for (let r = 1; r <= options.restarts; r++) {
      signal.throwIfAborted();
      const startedAt = monotonicMs();
      const fresh = await launch();
      const registeredAt = monotonicMs();
      const old = fleet.shift()!;
      const { killedAt, goneAt } = await kill(old);
      fleet.push(fresh);
      restarts.push({ startedS: seconds(startedAt), registeredS: seconds(registeredAt), killedS: seconds(killedAt), goneS: seconds(goneAt) });
      log(`  restart ${r}/${options.restarts}: ${old.taskId} → ${fresh.taskId} in ${((goneAt - startedAt) / 1000).toFixed(2)} s`);
    }
    await steady("after the last restart");
    const stopAt = monotonicMs();
    const { summary } = await load.stop(step());
    load = undefined;
    // The remaining instances leave as a deploy's end would; nothing measures this.
    await Promise.all(fleet.map((instance) => kill(instance)));
    const haproxyLog = haproxy.log();
    if (options.haproxyLogCopy) writeFileSync(options.haproxyLogCopy, haproxyLog);
    const result = { mode, variant, load: summary, haproxy: summarizeHaproxyLog(haproxyLog), restarts, endS: seconds(stopAt) };
    await cleanup();
    return { ...result, leftovers: left };
  } finally {
    await cleanup();
  }
}
