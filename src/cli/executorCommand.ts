// `berth executor`: run as a Mesos custom executor, configured only by the agent's environment variables.
import { createLogger } from "../logger.js";
import { ConfigError, readExecutorConfig } from "../mesos/executorConfig.js";
import { MesosExecutor } from "../mesos/mesosExecutor.js";

export async function executorCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config;
  try {
    config = readExecutorConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`berth executor: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // Like the C++ executor library: the token is for talking to the agent only, never for children.
  const ownEnv = { ...env };
  delete env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;

  const logger = createLogger((line) => process.stderr.write(`berth: ${line}`), {
    fields: { executor: config.executorId },
    minLevel: env.BERTH_LOG_LEVEL === "debug" ? "debug" : "info",
  });
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.log("warn", "received a signal; shutting down gracefully", { signal });
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    return await new MesosExecutor({ config, env: ownEnv, logger }).run(stop.signal);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
