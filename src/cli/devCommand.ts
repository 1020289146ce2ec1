// `berth dev APP.json`: run a Marathon app locally the way Marathon and Mesos would. The built-in agent launches
// `bin/berth-executor` (or `--executor PATH`) with Marathon's executor command line for each instance, hands it the
// TaskInfo Marathon would build (health check included), and this command plays Marathon's part: it prints a
// timeline of statuses, performs the app's readinessChecks, and on `r` (a terminal) or SIGUSR2 replaces the
// instances one by one as Marathon's rolling restart does (upgradeStrategy, killSelection). Ctrl-C kills every
// instance gracefully (a second Ctrl-C sends SHUTDOWN, a third stops everything at once). `--executor-env
// NAME=VALUE` gives the executor agent-level settings; `--haproxy` starts a local HAProxy in front of the app.
//
// Exit codes (DEV_EXIT): 0 every instance finished, or was killed as asked (Ctrl-C, --stop-after, a rolling
// restart); 1 an instance failed, a rolling restart gave up, or berth dev itself failed; 2 bad command line or app
// definition; 3 --haproxy: HAProxy is not installed or did not start.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, readFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalAgent } from "../agent/localAgent.js";
import type { ExecutorHandle } from "../agent/executorHandle.js";
import { AppDefinitionError, marathonTaskInfo, readMarathonApp, type MarathonApp } from "../dev/marathonApp.js";
import { planHealthCheck } from "../dev/marathonHealth.js";
import { waitUntilReady, ReadinessAbortedError } from "../dev/readinessCheck.js";
import { RollingRestart, type RestartAction } from "../dev/rollingRestart.js";
import { Timeline } from "../dev/timeline.js";
import { isTerminalState, type TaskStatus } from "../mesos/types.js";
import { freePort } from "../dev/freePort.js";
import { setLongTimeout } from "../time/longTimer.js";
import { DevHaproxyError, devHaproxyBackends, startDevHaproxy, type DevHaproxy } from "../dev/devHaproxy.js";
import { parseExecutorEnv } from "../dev/executorEnv.js";
import { startDevLogReceiver, type DevLogReceiver } from "../dev/devLogReceiver.js";

export const DEV_EXIT = { ok: 0, failed: 1, usage: 2, haproxy: 3 } as const;

export interface DevOptions {
  encoding: string;
  /** Kill the task gracefully after this many seconds (for demos and scripted runs). */
  stopAfter?: string;
  /** NAME=VALUE settings for the executor (the agent's --executor_environment_variables). */
  executorEnv?: string[];
  /** Show the task's lines as the log pipeline ships them (enriched, parsed), from a local json_lines sink. */
  logs?: boolean;
  /** Start a local HAProxy for the app's `berth.haproxy.backend` and hand its socket to the executor. */
  haproxy?: boolean;
  /** The HAProxy frontend's port on 127.0.0.1 (default: a free one); implies haproxy. */
  haproxyPort?: string;
  /** Number of instances (default: the app's `instances`, else 1). */
  instances?: string;
  /** Another executor program to run instead of Berth's. */
  executor?: string;
}

const BERTH_EXECUTOR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/berth-executor");
const DAY_MS = 24 * 3_600_000;

interface Instance {
  readonly n: number;
  readonly taskId: string;
  readonly executor: ExecutorHandle;
  readonly hostPorts: readonly number[];
  readonly launchedAt: number;
  /** Launched by a rolling restart that is still in progress. */
  fresh: boolean;
  running: boolean;
  healthy: boolean;
  ready: boolean;
  killRequested: boolean;
  /** Why berth dev killed it ("as asked", "by the rolling restart"). */
  killedBy?: string;
  times: { running?: number; healthy?: number; ready?: number; killing?: number; ended?: number };
  final?: TaskStatus;
  exit?: string;
  readonly readiness: AbortController;
}

function describe(status: TaskStatus): string {
  const parts: string[] = [status.state];
  if (status.healthy !== undefined) parts.push(`healthy=${status.healthy}`);
  if (status.reason) parts.push(status.reason);
  if (status.message) parts.push(JSON.stringify(status.message));
  return parts.join("  ");
}

const usage = (message: string): number => {
  process.stderr.write(`berth dev: ${message}\n`);
  return DEV_EXIT.usage;
};

export async function devCommand(appPath: string, options: DevOptions): Promise<number> {
  const { encoding, stopAfter, executorEnv = [], haproxy: haproxyFlag = false, haproxyPort } = options;
  if (encoding !== "json" && encoding !== "protobuf") return usage(`--encoding must be json or protobuf, got ${JSON.stringify(encoding)}`);
  const stopAfterMs = stopAfter === undefined ? undefined : Number(stopAfter) * 1000;
  if (stopAfterMs !== undefined && !(stopAfterMs >= 0)) return usage(`--stop-after must be a number of seconds, got ${JSON.stringify(stopAfter)}`);
  const withHaproxy = haproxyFlag || haproxyPort !== undefined;
  const frontendPort = haproxyPort === undefined ? undefined : Number(haproxyPort);
  if (frontendPort !== undefined && !(Number.isInteger(frontendPort) && frontendPort >= 1 && frontendPort <= 65535)) {
    return usage(`--haproxy-port must be a port number (1-65535), got ${JSON.stringify(haproxyPort)}`);
  }
  const instancesOption = options.instances === undefined ? undefined : Number(options.instances);
  if (instancesOption !== undefined && !(Number.isInteger(instancesOption) && instancesOption >= 1 && instancesOption <= 100)) {
    return usage(`--instances must be a whole number from 1 to 100, got ${JSON.stringify(options.instances)}`);
  }
  let executorPath = BERTH_EXECUTOR;
  if (options.executor !== undefined) {
    executorPath = resolve(options.executor);
    try {
      if (!(await stat(executorPath)).isFile()) throw new Error("not a regular file");
      await access(executorPath, constants.X_OK);
    } catch (error) {
      return usage(`--executor ${JSON.stringify(options.executor)}: not an executable file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  let settings: Record<string, string>;
  try {
    settings = parseExecutorEnv(executorEnv);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (withHaproxy && Object.hasOwn(settings, "BERTH_HAPROXY_SOCKET")) {
    return usage("--haproxy sets BERTH_HAPROXY_SOCKET itself; drop --executor-env BERTH_HAPROXY_SOCKET=… or --haproxy");
  }
  let app: MarathonApp;
  let warnings: string[];
  let backends: string[] = [];
  try {
    const text = await readFile(appPath, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new AppDefinitionError(`${appPath} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    ({ app, warnings } = readMarathonApp(json, appPath));
    // berth dev only: the app definition's directory, for scripts beside it (under Marathon: fetch them instead).
    app = { ...app, env: { DEV_APP_DIR: dirname(resolve(appPath)), ...app.env } };
    if (withHaproxy) backends = devHaproxyBackends(app.labels);
  } catch (error) {
    return usage((error as Error).message);
  }
  const target = instancesOption ?? app.instances;
  if (target === 0) return usage(`${appPath}: instances is 0, so there is nothing to run (--instances N runs N)`);
  if (app.executor !== undefined && app.executor !== "" && options.executor === undefined && !app.executor.endsWith("berth-executor")) {
    warnings.push(`executor ${JSON.stringify(app.executor)}: berth dev runs Berth (${BERTH_EXECUTOR}); --executor PATH runs another`);
  }
  for (const warning of warnings) process.stderr.write(`berth dev: warning: ${warning}\n`);

  const tty = Boolean(process.stdout.isTTY);
  const timeline = new Timeline({ out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text), now: Date.now, tty });
  timeline.tagged = target > 1;
  const workDir = await mkdtemp(join(tmpdir(), "berth-dev-"));
  let haproxy: DevHaproxy | undefined;
  let stoppingHaproxy = false;
  const stopHaproxy = async (): Promise<void> => {
    if (!haproxy) return;
    stoppingHaproxy = true;
    await haproxy.stop();
  };
  if (withHaproxy) {
    // Ctrl-C while HAProxy starts: stop it rather than leave it behind (it is in its own process group).
    const interrupted = new AbortController();
    const onEarlyInterrupt = (): void => interrupted.abort();
    process.once("SIGINT", onEarlyInterrupt);
    process.once("SIGTERM", onEarlyInterrupt);
    try {
      haproxy = await startDevHaproxy({ dir: join(workDir, "haproxy"), backends, port: frontendPort ?? (await freePort()), signal: interrupted.signal });
    } catch (error) {
      process.stderr.write(`berth dev: ${(error as Error).message}\n`);
      await rm(workDir, { recursive: true, force: true });
      return interrupted.signal.aborted ? DEV_EXIT.failed : error instanceof DevHaproxyError ? DEV_EXIT.haproxy : DEV_EXIT.failed;
    } finally {
      process.off("SIGINT", onEarlyInterrupt);
      process.off("SIGTERM", onEarlyInterrupt);
    }
    settings.BERTH_HAPROXY_SOCKET = haproxy.socketPath;
    timeline.line(`haproxy (pid ${haproxy.pid}): ${haproxy.url} → backend ${backends.join(", ")} (admin socket ${haproxy.socketPath})`);
    const shown = haproxy;
    void shown.exited.then(({ code, signal }) => {
      if (!stoppingHaproxy) timeline.line(`haproxy exited unexpectedly (${signal ?? `code ${code}`}): ${shown.log().trimEnd() || "no output"}`);
    });
  }
  let logReceiver: DevLogReceiver | undefined;
  if (options.logs) {
    logReceiver = await startDevLogReceiver(
      (event) => timeline.logEvent(event),
      (problem) => timeline.line(`logs: ${problem}`),
    );
    // The operator's own sinks (--executor-env) get the lines too.
    settings.BERTH_LOG_SINKS = [settings.BERTH_LOG_SINKS, `tcp://127.0.0.1:${logReceiver.port}?name=berth-dev`].filter(Boolean).join(" ");
    settings.BERTH_LOG_SHIP_ALL ??= "true";
    timeline.rawTaskOutput = false;
  }
  let agent: LocalAgent;
  try {
    agent = await LocalAgent.start({
      workDir,
      frameworkCapabilities: ["TASK_KILLING_STATE"],
      // Like --authenticate_http_executors: the executor gets a token, and bin/berth-executor hands it over on a pipe.
      executorSecretKey: randomBytes(32).toString("hex"),
      // Like --executor_environment_variables: the executor (and so the task) finds programs on your PATH.
      // --executor-env and --haproxy's socket come on top, as an operator's settings would.
      executorEnvironmentVariables: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", ...(process.env.HOME ? { HOME: process.env.HOME } : {}), ...settings },
    });
  } catch (error) {
    process.stderr.write(`berth dev: ${(error as Error).message}\n`);
    await stopHaproxy();
    await logReceiver?.close();
    await rm(workDir, { recursive: true, force: true });
    return DEV_EXIT.failed;
  }
  const session = new DevSession({ app, target, agent, encoding, executorPath, timeline, appPath, stopAfterMs, stopAfter });
  let exitCode: number = DEV_EXIT.failed;
  try {
    exitCode = await session.run();
  } catch (error) {
    timeline.close();
    process.stderr.write(`berth dev: ${(error as Error).message}\n`);
  } finally {
    await agent.stop();
    await logReceiver?.close();
    if (haproxy) {
      // After the executors: their stop hooks have removed the tasks' servers by now.
      await stopHaproxy();
      timeline.line("haproxy stopped");
    }
    await rm(workDir, { recursive: true, force: true });
  }
  timeline.plain(`exit code ${exitCode}`);
  return exitCode;
}

interface SessionOptions {
  app: MarathonApp;
  target: number;
  agent: LocalAgent;
  encoding: string;
  executorPath: string;
  timeline: Timeline;
  appPath: string;
  stopAfterMs: number | undefined;
  stopAfter: string | undefined;
}

/** One run of berth dev: the instances, the keys and signals, the rolling restarts, the summary. */
class DevSession {
  readonly #o: SessionOptions;
  readonly #instances: Instance[] = [];
  readonly #stopped = new AbortController();
  #restart: RollingRestart | undefined;
  #restarts = 0;
  #restartFailed = false;
  #stopping = false;
  #interrupts = 0;
  #deployed = false;
  #live = 0;
  #launching = 0;
  #launched = 0;
  /** Host ports handed out in this run: a port just released may come back from the kernel for the next instance. */
  readonly #portsGiven = new Set<number>();
  #settle: (() => void) | undefined;
  readonly #health: boolean;

  constructor(options: SessionOptions) {
    this.#o = options;
    this.#health = planHealthCheck(options.app.healthChecks, options.app.portDefinitions.map((_, i) => i + 1)).mesos !== undefined;
  }

  async run(): Promise<number> {
    const { app, target, timeline, agent, executorPath, appPath } = this.#o;
    const executorName = executorPath === BERTH_EXECUTOR ? "Berth (bin/berth-executor)" : executorPath;
    timeline.line(`berth dev: ${app.id} from ${appPath}, ${target} instance${target === 1 ? "" : "s"}, executor ${executorName}, agent ${agent.endpoint}`);
    const settled = new Promise<void>((resolve) => (this.#settle = resolve));
    const onInterrupt = (): void => this.#interrupt();
    const onRestart = (): void => this.#requestRestart("SIGUSR2");
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);
    process.on("SIGUSR2", onRestart);
    const keys = process.stdin.isTTY && process.stdout.isTTY ? this.#listenToKeys() : undefined;
    timeline.line(keys ? "keys: r = rolling restart, Ctrl-C = stop" : `rolling restart: kill -USR2 ${process.pid}; stop: Ctrl-C or kill -INT ${process.pid}`);
    const stopTimer =
      this.#o.stopAfterMs === undefined
        ? undefined
        : setLongTimeout(() => {
            timeline.line(`--stop-after ${this.#o.stopAfter}: killing ${this.#liveInstances().length === 1 ? "the task" : "every instance"} gracefully`);
            this.#stopAll();
          }, this.#o.stopAfterMs);
    try {
      for (let i = 0; i < target; i++) await this.#launch();
      await settled;
    } finally {
      stopTimer?.clear();
      keys?.();
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onInterrupt);
      process.off("SIGUSR2", onRestart);
      timeline.close();
    }
    return this.#summary();
  }

  #liveInstances(): Instance[] {
    return this.#instances.filter((i) => !i.final);
  }

  /** Raw keys on a terminal: `r` restarts, Ctrl-C (a byte in raw mode, not a signal) stops. Returns the undo. */
  #listenToKeys(): () => void {
    const stdin = process.stdin;
    const onData = (data: Buffer): void => {
      for (const byte of data) {
        if (byte === 0x03) this.#interrupt();
        else if (byte === 0x72 || byte === 0x52) this.#requestRestart("r");
      }
    };
    stdin.setRawMode(true);
    stdin.on("data", onData);
    stdin.resume();
    return () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
  }

  #interrupt(): void {
    this.#interrupts += 1;
    const { timeline } = this.#o;
    if (this.#interrupts === 1) {
      timeline.line(`Ctrl-C: killing ${this.#liveInstances().length === 1 ? "the task" : "every instance"} gracefully (Ctrl-C again to shut the executors down)`);
      this.#stopAll();
    } else if (this.#interrupts === 2) {
      timeline.line("Ctrl-C: SHUTDOWN to the executors (again to stop at once)");
      for (const instance of this.#liveInstances()) instance.executor.shutdown();
    } else {
      timeline.line("Ctrl-C: stopping the agent and every executor at once");
      this.#stopped.abort();
      void this.#o.agent.stop();
      this.#settle?.();
    }
  }

  #stopAll(): void {
    this.#stopping = true;
    if (this.#restart && !this.#restart.finished) this.#o.timeline.line("rolling restart abandoned: stopping");
    this.#restart = undefined;
    for (const instance of this.#liveInstances()) this.#kill(instance);
    this.#maybeSettle();
  }

  #kill(instance: Instance, by = "as asked"): void {
    if (instance.killRequested || instance.final) return;
    instance.killRequested = true;
    instance.killedBy = by;
    instance.readiness.abort();
    instance.executor.kill(instance.taskId);
  }

  async #launch(): Promise<void> {
    const { app, agent, timeline, executorPath, encoding } = this.#o;
    this.#launching += 1;
    try {
      // Numbered before the first await: launches run concurrently during a rolling restart.
      const n = ++this.#launched;
      // requirePorts: the port numbers are the host ports; otherwise they are service ports and the agent's are dynamic.
      const hostPorts: number[] = [];
      for (const definition of app.portDefinitions) hostPorts.push(app.requirePorts ? definition.port : await freePort(this.#portsGiven));
      const taskId = `${app.id.replace(/^\//, "").replaceAll("/", "_")}.${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
      const task = marathonTaskInfo({ app, taskId, agentId: agent.agentId, hostname: "127.0.0.1", hostPorts, executorPath, frameworkId: agent.frameworkId });
      timeline.addInstance(n, taskId);
      const executorInfo = task.executor!;
      const executor = agent.launchExecutor({
        executorInfo,
        command: { shell: executorInfo.command!.value! },
        env: { BERTH_MESOS_ENCODING: encoding },
        onOutput: (stream, chunk) => timeline.output(n, stream, chunk),
      });
      const instance: Instance = {
        n,
        taskId,
        executor,
        hostPorts,
        launchedAt: Date.now(),
        fresh: this.#restart !== undefined,
        running: false,
        healthy: false,
        ready: app.readinessChecks.length === 0,
        killRequested: false,
        times: {},
        readiness: new AbortController(),
      };
      this.#instances.push(instance);
      this.#live += 1;
      executor.launch(task);
      const ports = app.portDefinitions.map((d, i) => `${d.name ?? `PORT${i}`}=${hostPorts[i]}${!app.requirePorts && d.port !== 0 ? ` (service port ${d.port})` : ""}`);
      timeline.line(`launching ${app.id} as task ${taskId} (sandbox ${executor.sandbox})`, n);
      if (ports.length > 0) timeline.line(`ports ${ports.join(", ")}`, n);
      const health = planHealthCheck(app.healthChecks, hostPorts);
      if (health.summary) timeline.line(`health check: ${health.summary}`, n);
      timeline.progress(`${n}`, `${timeline.tagged ? `[${n}] ` : ""}starting`);
      void this.#follow(instance);
    } finally {
      this.#launching -= 1;
    }
  }

  async #follow(instance: Instance): Promise<void> {
    const { timeline } = this.#o;
    const signal = this.#stopped.signal;
    try {
      for (let seen = 0; !instance.final; seen += 1) {
        const status = await instance.executor.waitForUpdate(() => true, { from: seen, timeoutMs: DAY_MS, signal });
        this.#onStatus(instance, status);
      }
      const exit = await instance.executor.waitForExit({ timeoutMs: 120_000, signal });
      timeline.flush(instance.n);
      instance.exit = exit.signal ?? `code ${exit.code}`;
      timeline.line(`executor exited (${instance.exit})`, instance.n);
    } catch (error) {
      if (!signal.aborted) timeline.line(`berth dev lost track of this instance: ${(error as Error).message}`, instance.n);
    } finally {
      timeline.flush(instance.n);
      this.#live -= 1;
      this.#onGone(instance);
    }
  }

  #onStatus(instance: Instance, status: TaskStatus): void {
    const { timeline } = this.#o;
    const now = Date.now();
    const tag = timeline.tagged ? `[${instance.n}] ` : "";
    if (status.reason === "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED" && status.state === "TASK_RUNNING") {
      // A health verdict, not a new state: shown as such (TASK_RUNNING is already on the timeline).
      timeline.line(status.healthy ? "healthy: the health check passed" : `unhealthy${status.message ? `: ${status.message}` : ""}`, instance.n);
    } else {
      timeline.line(describe(status), instance.n);
    }
    timeline.open(instance.n);
    if (status.healthy !== undefined) instance.healthy = status.healthy;
    switch (status.state) {
      case "TASK_STARTING":
        break;
      case "TASK_RUNNING":
        if (!instance.running) {
          instance.running = true;
          instance.times.running = now;
          // Without a Mesos health check Marathon counts a running instance as healthy.
          if (!this.#health) instance.healthy = true;
          this.#startReadiness(instance);
        }
        break;
      case "TASK_KILLING":
        instance.times.killing = now;
        instance.readiness.abort();
        timeline.progress(`${instance.n}`, `${tag}killing (preKill hooks, drain, stop signal)`);
        break;
      default:
        if (isTerminalState(status.state)) {
          instance.final = status;
          instance.times.ended = now;
          instance.readiness.abort();
          timeline.progress(`${instance.n}`, undefined);
          timeline.progress(`${instance.n}r`, undefined);
        }
    }
    if (instance.healthy && instance.times.healthy === undefined && instance.running) instance.times.healthy = now;
    if (!instance.final && !instance.times.killing && instance.running) {
      timeline.progress(`${instance.n}`, instance.healthy ? undefined : `${tag}waiting for the health check`);
    }
    this.#checkReady(instance);
  }

  #startReadiness(instance: Instance): void {
    const { app, timeline } = this.#o;
    if (app.readinessChecks.length === 0) return;
    const tag = timeline.tagged ? `[${instance.n}] ` : "";
    timeline.progress(`${instance.n}r`, `${tag}waiting for readiness`);
    const checks = app.readinessChecks.map((check) => {
      const index = app.portDefinitions.findIndex((d) => d.name === check.portName);
      let last = "";
      return waitUntilReady(
        {
          name: check.name,
          protocol: check.protocol,
          path: check.path,
          port: instance.hostPorts[index] as number,
          intervalMs: check.intervalSeconds * 1000,
          timeoutMs: check.timeoutSeconds * 1000,
          statuses: check.httpStatusCodesForReady,
        },
        instance.readiness.signal,
        (result) => {
          const text = result.ok ? `HTTP ${result.status}` : result.detail;
          if (text !== last) timeline.line(`readiness check ${check.name}: ${result.ok ? "ready" : "not ready"} (${text})`, instance.n);
          last = text;
        },
      );
    });
    Promise.all(checks).then(
      () => {
        instance.ready = true;
        instance.times.ready = Date.now();
        timeline.progress(`${instance.n}r`, undefined);
        this.#checkReady(instance);
      },
      (error: unknown) => {
        timeline.progress(`${instance.n}r`, undefined);
        if (!(error instanceof ReadinessAbortedError)) timeline.line(`readiness check failed: ${(error as Error).message}`, instance.n);
      },
    );
  }

  /** Healthy and ready: the initial deployment may be complete, a restart may let an old instance go. */
  #checkReady(instance: Instance): void {
    const { timeline, target } = this.#o;
    if (!instance.healthy || !instance.ready || instance.final || instance.killRequested) return;
    if (!this.#deployed && !this.#restart && !this.#stopping) {
      const up = this.#instances.filter((i) => i.healthy && i.ready && !i.final).length;
      if (up >= target) {
        this.#deployed = true;
        if (target > 1 || this.#health || this.#o.app.readinessChecks.length > 0) {
          timeline.line(`deployed: ${target} instance${target === 1 ? "" : "s"} ${this.#health ? "healthy" : "running"}${this.#o.app.readinessChecks.length ? " and ready" : ""}`);
        }
      }
    }
    if (this.#restart && instance.fresh) this.#apply(this.#restart.newReady(instance.n));
  }

  #onGone(instance: Instance): void {
    const restart = this.#restart;
    if (restart) {
      if (instance.fresh && !instance.killRequested) this.#apply(restart.newFailed(instance.n));
      else if (!instance.fresh) this.#apply(restart.oldGone(instance.n));
    }
    this.#maybeSettle();
  }

  #maybeSettle(): void {
    if (this.#live === 0 && this.#launching === 0 && !this.#restart) this.#settle?.();
  }

  #requestRestart(trigger: string): void {
    const { timeline, app, target } = this.#o;
    if (this.#stopping) {
      timeline.line(`${trigger}: ignored, berth dev is stopping`);
      return;
    }
    if (this.#restart) {
      timeline.line(`${trigger}: ignored, a rolling restart is in progress`);
      return;
    }
    const old = this.#liveInstances().filter((i) => !i.killRequested).sort((a, b) => a.launchedAt - b.launchedAt);
    this.#restarts += 1;
    timeline.tagged = true;
    for (const instance of this.#instances) instance.fresh = false;
    const restart = new RollingRestart({ instances: target, old: old.map((i) => i.n), upgrade: app.upgradeStrategy, killSelection: app.killSelection });
    this.#restart = restart;
    const { minHealthy, maxCapacity, killNow } = restart.strategy;
    timeline.line(
      `${trigger}: rolling restart of ${old.length} instance${old.length === 1 ? "" : "s"} (minimumHealthCapacity ${app.upgradeStrategy.minimumHealthCapacity}: keep ${minHealthy} up; ` +
        `maximumOverCapacity ${app.upgradeStrategy.maximumOverCapacity}: at most ${maxCapacity} at once; ${killNow} killed at once; ${app.killSelection.toLowerCase().replace("_", " ")})`,
    );
    this.#apply(restart.start());
  }

  #apply(actions: readonly RestartAction[]): void {
    const { timeline } = this.#o;
    for (const action of actions) {
      if (action.kind === "kill") {
        const instance = this.#instances.find((i) => i.n === action.instance);
        if (instance) {
          timeline.line("rolling restart: killing this old instance", instance.n);
          this.#kill(instance, "by the rolling restart");
        }
      } else if (action.kind === "launch") {
        for (let i = 0; i < action.count; i++) {
          this.#launch().catch((error: unknown) => {
            timeline.line(`rolling restart: could not launch a new instance: ${(error as Error).message}`);
            this.#apply(this.#restart?.newFailed(-1) ?? []);
          });
        }
      } else if (action.kind === "done") {
        const current = this.#liveInstances().map((i) => `[${i.n}]`);
        timeline.line(`rolling restart done: instances ${current.join(" ")} ${this.#health ? "healthy" : "running"}${this.#o.app.readinessChecks.length ? " and ready" : ""}`);
        this.#restart = undefined;
        for (const instance of this.#instances) instance.fresh = false;
      } else {
        timeline.line(`rolling restart gave up: ${action.reason} (Marathon would keep trying, with a growing backoff); the remaining instances keep running`);
        this.#restartFailed = true;
        this.#restart = undefined;
        for (const instance of this.#instances) instance.fresh = false;
      }
    }
    this.#maybeSettle();
  }

  #summary(): number {
    const { timeline, app } = this.#o;
    const since = (instance: Instance, at: number | undefined): string => (at === undefined ? "—" : `+${((at - instance.launchedAt) / 1000).toFixed(2)}s`);
    let failed = this.#restartFailed;
    timeline.plain("");
    timeline.plain(`summary (${timeline.elapsed()}): ${app.id}, ${this.#instances.length} instance${this.#instances.length === 1 ? "" : "s"} launched, ${this.#restarts} rolling restart${this.#restarts === 1 ? "" : "s"}${this.#restartFailed ? " (one gave up)" : ""}`);
    for (const instance of this.#instances) {
      const state = instance.final?.state ?? "no terminal status";
      const asked = instance.final?.state === "TASK_FINISHED" || (instance.final?.state === "TASK_KILLED" && instance.killRequested);
      if (!asked) failed = true;
      const kill = instance.times.killing !== undefined && instance.times.ended !== undefined ? `, kill took ${((instance.times.ended - instance.times.killing) / 1000).toFixed(2)}s` : "";
      timeline.plain(
        `  [${instance.n}] ${instance.taskId}  ${state}${instance.killedBy ? ` (killed ${instance.killedBy})` : ""}  running ${since(instance, instance.times.running)}` +
          `${this.#health ? `, healthy ${since(instance, instance.times.healthy)}` : ""}${app.readinessChecks.length ? `, ready ${since(instance, instance.times.ready)}` : ""}${kill}` +
          `${instance.exit ? `, executor exited (${instance.exit})` : ""}`,
      );
    }
    return failed || this.#stopped.signal.aborted ? DEV_EXIT.failed : DEV_EXIT.ok;
  }
}
