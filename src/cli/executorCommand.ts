// `berth executor`: run as a Mesos custom executor, configured only by the agent's environment variables.
import { createLogger } from "../logger.js";
import { AgentTokenError, TOKEN_VARIABLE, reexecWithoutTokenInEnvironment, takeAgentToken } from "../mesos/agentToken.js";
import { ConfigError, readExecutorConfig } from "../mesos/executorConfig.js";
import { MesosExecutor } from "../mesos/mesosExecutor.js";
import { readMetricsSettings } from "../metrics/metricsSettings.js";
import { loadMetrics } from "../metrics/loadMetrics.js";

export async function executorCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Before anything else: a re-exec (Node ≥ 22.15) must happen while nothing has been spawned, and the token's
  // descriptor must be closed before a child could inherit it.
  const reexecError = env === process.env ? reexecWithoutTokenInEnvironment(env) : undefined;
  // Read first, so that its problems are reported with the executor's own.
  const metricsProblems: string[] = [];
  const metricsSettings = readMetricsSettings(env, metricsProblems);
  let taken;
  let config;
  try {
    taken = takeAgentToken(env);
    // Like the C++ executor library: the token is for talking to the agent only, never for children.
    config = readExecutorConfig({ ...env, [TOKEN_VARIABLE]: taken.token });
  } catch (error) {
    // Every bad variable at once, the metrics' too.
    const reported = error instanceof ConfigError ? new ConfigError([...error.problems, ...metricsProblems]) : error;
    if (reported instanceof ConfigError || reported instanceof AgentTokenError) {
      process.stderr.write(`berth executor: ${reported.message}\n`);
      return 2;
    }
    throw error;
  }
  if (metricsProblems.length > 0) {
    process.stderr.write(`berth executor: ${new ConfigError(metricsProblems).message}\n`);
    return 2;
  }
  if (env.BERTH_CONFIG) {
    // Loaded only when asked for: its schema brings zod, which would cost every executor's start.
    const { readSettingsFile } = await import("../mesos/settingsFile.js");
    const problems: string[] = [];
    const file = readSettingsFile(env.BERTH_CONFIG, problems);
    if (problems.length > 0) {
      process.stderr.write(`berth executor: ${new ConfigError(problems).message}\n`);
      return 2;
    }
    config = { ...config, integrations: { ...config.integrations, file } };
  }

  const logger = createLogger((line) => process.stderr.write(`berth: ${line}`), {
    fields: { executor: config.executorId },
    minLevel: config.logLevel,
  });
  if (taken.exposedInEnvironment) {
    logger.log(
      "warn",
      `${TOKEN_VARIABLE} is in this process's initial environment, which every process of the same user (tasks included) can read in /proc/<pid>/environ while the executor runs; start the executor through bin/berth-executor, which hands the token over on a pipe`,
      { pid: process.pid, ...(reexecError ? { reexecError: reexecError.message } : {}) },
    );
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.log("warn", "received a signal; shutting down gracefully", { signal });
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const running = await loadMetrics(metricsSettings, logger, stop.signal);
  try {
    return await new MesosExecutor({ config, env: { ...env }, logger, ...(running ? { metrics: running.metrics } : {}) }).run(stop.signal);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await running?.stop(AbortSignal.timeout(2_000));
  }
}
