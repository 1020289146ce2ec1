// `berth run [--config FILE] [--name NAME] -- CMD ARGS…`: the lifecycle core without Mesos, as a supervisor for a
// container entrypoint or a systemd unit (no TTY assumed). The command runs from its argv (no shell) in its own
// process group with Berth's environment (minus BERTH_*) plus the config's, in Berth's working directory, and shares
// Berth's stdout/stderr. Berth's own diagnostics and hook output go to stderr as `berth: ` logfmt lines.
//
// Signals: SIGTERM, SIGINT or SIGHUP start the kill path (preKill hooks, drain, stop signal, grace, SIGKILL); a
// second one SIGKILLs the task at once. Exit code: the task's (128+n for a death by signal n), 127/126 when the
// command cannot be executed, 1 when Berth failed the task (hook, health check, max completion time), 2 for usage
// and config errors.
import { createLogger, type Logger } from "../logger.js";
import { readLogLevel } from "../loggerKnobs.js";
import { outcomeLogLevel } from "../core/outcomeLogLevel.js";
import { TaskLifecycle, type LifecycleEvents, type LifecycleOutcome } from "../core/taskLifecycle.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NO_LOG_LABELS } from "../logs/logLabels.js";
import { readTaskLogSettings, type TaskLogSettings } from "../logs/logSettings.js";
import { SandboxFile } from "../logs/sandboxFile.js";
import { taskLogMetadata } from "../logs/taskLogMetadata.js";
import { TaskLogs } from "../logs/taskLogs.js";
import { readMetricsSettings } from "../metrics/metricsSettings.js";
import { loadMetrics } from "../metrics/loadMetrics.js";
import { noMetrics } from "../metrics/taskMetrics.js";
import { signalNumber } from "../process/exitStatus.js";
import { RunConfigError, parseRunConfig, readRunConfig, runTaskFromConfig, type RunTask } from "../run/runConfig.js";

export interface RunOptions {
  /** Path of the JSON config file. */
  config?: string;
  /** Task name (wins over the config's). */
  name?: string;
}

export interface RunEnvironment {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Berth's diagnostics; default: process.stderr. */
  write?: (text: string) => void;
}

/** Signals that ask Berth to stop the task. SIGHUP too: a closed terminal must not orphan the task. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

export async function runCommand(argv: readonly string[], options: RunOptions, { env = process.env, cwd = process.cwd(), write = (text) => void process.stderr.write(text) }: RunEnvironment = {}): Promise<number> {
  const usage = (message: string): number => {
    write(`berth run: ${message}\n`);
    return 2;
  };
  const levelProblems: string[] = [];
  const level = readLogLevel(env, levelProblems);
  if (levelProblems.length > 0) return usage(levelProblems.join("; "));
  let task: RunTask;
  try {
    const config = options.config === undefined ? parseRunConfig({}) : await readRunConfig(options.config);
    task = runTaskFromConfig(config, { argv, processEnv: env, cwd, ...(options.name !== undefined ? { name: options.name } : {}) }, options.config);
  } catch (error) {
    if (error instanceof RunConfigError) return usage(error.message);
    throw error;
  }

  const metricsProblems: string[] = [];
  const metricsSettings = readMetricsSettings(env, metricsProblems);
  const logSettings = readTaskLogSettings(env, metricsProblems);
  if (metricsProblems.length > 0) return usage(metricsProblems.join("; "));

  const root = createLogger((line) => write(`berth: ${line}`), { minLevel: level });
  const logger = root.child({ task: task.spec.taskId });
  const running = await loadMetrics(metricsSettings, logger, new AbortController().signal);
  const metrics = running?.metrics ?? noMetrics;
  const logs = logSettings.sinks.length > 0 ? runTaskLogs(task, logSettings, env, logger) : undefined;
  if (logs) metrics.addCounters("logs", () => logs.counters());
  let killStartedAt: number | undefined;
  const lifecycle = new TaskLifecycle(task.spec, {
    // With sinks the task's output goes through Berth (copied to Berth's own stdout/stderr as it comes), delivered
    // by a last stop hook before Berth exits; without, the task shares Berth's stdout/stderr and nothing is piped.
    hooks: logs ? [...task.hooks, { name: "logs", timeoutMs: logSettings.flushTimeoutMs, stop: (context) => logs.finish(context.signal) }] : task.hooks,
    ...(logs ? { runner: { stdout: "pipe", stderr: "pipe", onStreams: (stdout, stderr) => logs.attach(stdout, stderr) } } : {}),
    checks: task.checks,
    drainMs: task.drainMs,
    ...(task.maxCompletionTimeMs !== undefined ? { maxCompletionTimeMs: task.maxCompletionTimeMs } : {}),
    logger: root, // the lifecycle adds the task field itself
    events: {
      ...lifecycleEvents(logger),
      onKilling: (cause) => {
        killStartedAt ??= performance.now();
        logger.log("info", "killing the task", { cause });
      },
      onHookDone: (hook, phase, durationMs, failure) => metrics.hookDone(hook, phase, durationMs, failure === undefined),
      onProbeResult: (check, ok) => metrics.probeResult(check, ok),
      onHookOutput: (hook, phase, line) => {
        logger.log("info", line, { hook, phase });
        logs?.hookLine(hook, line);
      },
    },
  });

  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received === undefined) {
      received = signal;
      logger.log("warn", `received ${signal}: stopping the task gracefully (again to kill it at once)`, { grace_ms: task.spec.killGracePeriodMs });
      lifecycle.kill({ cause: "requested" });
    } else {
      logger.log("warn", `received ${signal} again: killing the task at once`);
      // A zero budget also ends a drain in progress; the grace becomes 0, so the stop signal is followed by SIGKILL.
      lifecycle.kill({ gracePeriodMs: 0, budgetMs: 0, cause: "requested" });
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  let outcome: LifecycleOutcome;
  try {
    lifecycle.start();
    outcome = await lifecycle.outcome;
    // After a second signal the outcome comes first; the hooks cut short still clean up what they started.
    await lifecycle.done;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }

  const code = runExitCode(outcome, received);
  const fields = { state: outcome.state, reason: outcome.reason, exit_code: code };
  logger.log(outcomeLogLevel(outcome), outcome.message, fields);
  metrics.statusUpdate(outcome.state, outcome.reason);
  if (killStartedAt !== undefined) metrics.killDone(performance.now() - killStartedAt);
  await running?.stop(AbortSignal.timeout(2_000));
  return code;
}

/**
 * Berth's exit code for an outcome: the task's own code when it ran to its end (or was killed on request), 127/126
 * when it could not be executed, 1 when Berth failed it. A task killed on request before it ran exits as if the
 * signal Berth received had killed it (128+n), like a shell.
 */
export function runExitCode(outcome: LifecycleOutcome, received?: NodeJS.Signals): number {
  switch (outcome.reason) {
    case "exited":
      return 0;
    case "exit_status":
      return outcome.exitCode ?? 1;
    case "spawn_failed":
      return outcome.exitCode ?? 126;
    case "killed":
    case "shutdown":
      return outcome.exitCode ?? (received ? 128 + signalNumber(received) : 1);
    default:
      return 1; // hook_failed, health_check_failed, max_completion_time, internal
  }
}

function lifecycleEvents(log: Logger): Partial<LifecycleEvents> {
  return {
    onReady: () => log.log("info", "task is ready"),
    onHealth: (healthy, message) => log.log(healthy ? "info" : "warn", healthy ? "health check passed" : "health check failed", { result: message }),
    onCheck: (status) => log.log("info", "check status changed", { ...status }),
  };
}

/** berth run's log pipeline: every line shipped (no labels here), raw bytes copied to Berth's own stdout/stderr. */
function runTaskLogs(task: RunTask, settings: TaskLogSettings, env: NodeJS.ProcessEnv, logger: Logger): TaskLogs {
  // Never rotated (maxBytes 0): Berth's stdout/stderr belong to whoever started it.
  const own = (fd: 1 | 2): SandboxFile => new SandboxFile({ path: `/proc/self/fd/${fd}`, fd, maxBytes: 0, logger });
  return new TaskLogs({
    metadata: taskLogMetadata({ taskId: task.spec.taskId, appName: task.spec.name, dropKeys: settings.dropKeys }, env),
    labels: { ...NO_LOG_LABELS, ship: true },
    maxLineBytes: settings.maxLineBytes,
    bufferBytes: settings.bufferBytes,
    backlogBytes: settings.backlogBytes,
    dropKeys: settings.dropKeys,
    sinks: settings.sinks,
    structuredOnly: false,
    stdoutFile: own(1),
    stderrFile: own(2),
    spoolRoot: join(tmpdir(), `berth-run-spool-${process.pid}`),
    logger,
  });
}
