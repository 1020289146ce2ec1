// `berth dev APP.json`: run a Marathon app locally the way Mesos would. The built-in agent launches
// `bin/berth-executor` with Marathon's executor command line, hands it the TaskInfo Marathon would build, and this
// command prints the status timeline and the task's output. Ctrl-C kills the task gracefully (a second Ctrl-C
// sends SHUTDOWN, a third stops everything at once). `--executor-env NAME=VALUE` gives the executor agent-level
// settings (the agent's --executor_environment_variables); `--haproxy` starts a local HAProxy in front of the app
// and hands its admin socket to the executor (BERTH_HAPROXY_SOCKET), so the timeline shows registration and drain.
//
// Exit codes: 0 the task finished, or was killed as asked (Ctrl-C, --stop-after); 1 it failed or berth dev did;
// 2 bad command line or app definition; 3 --haproxy: HAProxy is not installed or did not start.
import { randomBytes } from "node:crypto";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalAgent } from "../agent/localAgent.js";
import { AppDefinitionError, marathonTaskInfo, parseMarathonApp } from "../dev/marathonApp.js";
import { LineSplitter } from "../logs/lineSplitter.js";
import { isTerminalState, type TaskStatus } from "../mesos/types.js";
import { freePort } from "../dev/freePort.js";
import { setLongTimeout } from "../time/longTimer.js";
import { DevHaproxyError, devHaproxyBackends, startDevHaproxy, type DevHaproxy } from "../dev/devHaproxy.js";
import { parseExecutorEnv } from "../dev/executorEnv.js";

export interface DevOptions {
  encoding: string;
  /** Kill the task gracefully after this many seconds (for demos and scripted runs). */
  stopAfter?: string;
  /** NAME=VALUE settings for the executor (the agent's --executor_environment_variables). */
  executorEnv?: string[];
  /** Start a local HAProxy for the app's `berth.haproxy.backend` and hand its socket to the executor. */
  haproxy?: boolean;
  /** The HAProxy frontend's port on 127.0.0.1 (default: a free one); implies haproxy. */
  haproxyPort?: string;
}

const EXECUTOR_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/berth-executor");


const dim = (text: string): string => (process.stderr.isTTY ? `\x1b[2m${text}\x1b[22m` : text);

/** "berth: ts=… level=info msg=… executor=… task=… k=v" → "  executor: msg k=v" (the timeline already has the time). */
function executorLine(line: string): string {
  if (!line.startsWith("berth: ")) return line;
  const fields = line.slice("berth: ".length).replace(/\b(ts|executor)=\S+ ?/g, "").replace(/^level=info /, "");
  return dim(`            executor: ${fields}`);
}

function describe(status: TaskStatus): string {
  const parts: string[] = [status.state];
  if (status.healthy !== undefined) parts.push(`healthy=${status.healthy}`);
  if (status.reason) parts.push(status.reason);
  if (status.message) parts.push(JSON.stringify(status.message));
  return parts.join("  ");
}

export async function devCommand(appPath: string, { encoding, stopAfter, executorEnv = [], haproxy: haproxyFlag = false, haproxyPort }: DevOptions): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (encoding !== "json" && encoding !== "protobuf") {
    process.stderr.write(`berth dev: --encoding must be json or protobuf, got ${JSON.stringify(encoding)}\n`);
    return 2;
  }
  const stopAfterMs = stopAfter === undefined ? undefined : Number(stopAfter) * 1000;
  if (stopAfterMs !== undefined && !(stopAfterMs >= 0)) {
    process.stderr.write(`berth dev: --stop-after must be a number of seconds, got ${JSON.stringify(stopAfter)}\n`);
    return 2;
  }
  const withHaproxy = haproxyFlag || haproxyPort !== undefined;
  const frontendPort = haproxyPort === undefined ? undefined : Number(haproxyPort);
  if (frontendPort !== undefined && !(Number.isInteger(frontendPort) && frontendPort >= 1 && frontendPort <= 65535)) {
    process.stderr.write(`berth dev: --haproxy-port must be a port number (1-65535), got ${JSON.stringify(haproxyPort)}\n`);
    return 2;
  }
  let settings: Record<string, string>;
  try {
    settings = parseExecutorEnv(executorEnv);
  } catch (error) {
    process.stderr.write(`berth dev: ${(error as Error).message}\n`);
    return 2;
  }
  if (withHaproxy && Object.hasOwn(settings, "BERTH_HAPROXY_SOCKET")) {
    process.stderr.write("berth dev: --haproxy sets BERTH_HAPROXY_SOCKET itself; drop --executor-env BERTH_HAPROXY_SOCKET=… or --haproxy\n");
    return 2;
  }
  let app;
  let backends: string[] = [];
  try {
    const text = await readFile(appPath, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new AppDefinitionError(`${appPath} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    app = parseMarathonApp(json, appPath);
    // berth dev only: the app definition's directory, for scripts beside it (under Marathon: fetch them instead).
    app = { ...app, env: { DEV_APP_DIR: dirname(resolve(appPath)), ...app.env } };
    if (withHaproxy) backends = devHaproxyBackends(app.labels);
  } catch (error) {
    process.stderr.write(`berth dev: ${(error as Error).message}\n`);
    return 2;
  }

  const workDir = await mkdtemp(join(tmpdir(), "berth-dev-"));
  const started = Date.now();
  const elapsed = (): string => `+${((Date.now() - started) / 1000).toFixed(3)}s`.padStart(9);
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
      return interrupted.signal.aborted ? 1 : error instanceof DevHaproxyError ? 3 : 1;
    } finally {
      process.off("SIGINT", onEarlyInterrupt);
      process.off("SIGTERM", onEarlyInterrupt);
    }
    settings.BERTH_HAPROXY_SOCKET = haproxy.socketPath;
    out(`${elapsed()}  haproxy (pid ${haproxy.pid}): ${haproxy.url} → backend ${backends.join(", ")} (admin socket ${haproxy.socketPath})`);
    const shown = haproxy;
    void shown.exited.then(({ code, signal }) => {
      if (!stoppingHaproxy) out(`${elapsed()}  haproxy exited unexpectedly (${signal ?? `code ${code}`}): ${shown.log().trimEnd() || "no output"}`);
    });
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
    await rm(workDir, { recursive: true, force: true });
    return 1;
  }
  let exitCode = 1;
  try {
    const hostPorts = await Promise.all(app.portDefinitions.map((d) => (d.port === 0 ? freePort() : Promise.resolve(d.port))));
    const taskId = `${app.id.replace(/^\//, "").replaceAll("/", "_")}.${Date.now().toString(36)}`;
    const task = marathonTaskInfo({
      app,
      taskId,
      agentId: agent.agentId,
      hostname: "127.0.0.1",
      hostPorts,
      executorPath: EXECUTOR_PATH,
      frameworkId: agent.frameworkId,
    });
    // The task shares the executor's stderr: show the executor's own diagnostics as such, the task's lines as they are.
    const stderrLines = new LineSplitter((line, continues) => process.stderr.write(`${executorLine(line)}${continues ? "" : "\n"}`));
    const executorInfo = task.executor!;
    const executor = agent.launchExecutor({
      executorInfo,
      command: { shell: executorInfo.command!.value! },
      env: { BERTH_MESOS_ENCODING: encoding },
      onOutput: (stream, chunk) => (stream === "stdout" ? process.stdout.write(chunk) : stderrLines.push(chunk)),
    });
    executor.launch(task);
    out(`${elapsed()}  agent ${agent.endpoint}: launching ${app.id} as task ${taskId} (sandbox ${executor.sandbox})`);
    if (hostPorts.length > 0) out(`${elapsed()}  ports ${hostPorts.join(", ")}`);

    let interrupts = 0;
    let killRequested = false;
    const onInterrupt = (): void => {
      interrupts += 1;
      killRequested = true;
      if (interrupts === 1) {
        out(`${elapsed()}  Ctrl-C: killing the task gracefully (Ctrl-C again to shut the executor down)`);
        executor.kill(taskId);
      } else if (interrupts === 2) {
        out(`${elapsed()}  Ctrl-C: SHUTDOWN to the executor (again to stop at once)`);
        executor.shutdown();
      } else {
        void agent.stop();
      }
    };
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);
    const stopTimer =
      stopAfterMs === undefined
        ? undefined
        : setLongTimeout(() => {
            out(`${elapsed()}  --stop-after ${stopAfter}: killing the task gracefully`);
            killRequested = true;
            executor.kill(taskId);
          }, stopAfterMs);
    try {
      let last: TaskStatus | undefined;
      for (let seen = 0; !last || !isTerminalState(last.state); seen += 1) {
        last = await executor.waitForUpdate(() => true, { from: seen, timeoutMs: 24 * 3_600_000 });
        out(`${elapsed()}  ${describe(last)}`);
      }
      const exit = await executor.waitForExit({ timeoutMs: 120_000 });
      out(`${elapsed()}  executor exited (${exit.signal ?? `code ${exit.code}`})`);
      // A kill we asked for is a success; anything else that is not TASK_FINISHED is not.
      exitCode = last.state === "TASK_FINISHED" || (last.state === "TASK_KILLED" && killRequested) ? 0 : 1;
    } finally {
      stopTimer?.clear();
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onInterrupt);
    }
  } catch (error) {
    process.stderr.write(`berth dev: ${(error as Error).message}\n`);
  } finally {
    await agent.stop();
    if (haproxy) {
      // After the executor: its stop hook has removed the task's server by now.
      await stopHaproxy();
      out(`${elapsed()}  haproxy stopped`);
    }
    await rm(workDir, { recursive: true, force: true });
  }
  return exitCode;
}
