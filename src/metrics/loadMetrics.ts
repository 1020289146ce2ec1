// What both front ends do with their metrics settings: nothing when there are none; else load the metrics library
// (prom-client costs ~120 ms, so it is imported only here, only then) and start the endpoint and the push. A port in
// use is logged at error level and the task runs without metrics: metrics are for operators, not worth a task.
import type { Logger } from "../logger.js";
import type { MetricsSettings } from "./metricsSettings.js";
import type { RunningMetrics } from "./startMetrics.js";

export async function loadMetrics(settings: MetricsSettings | undefined, logger: Logger, signal: AbortSignal): Promise<RunningMetrics | undefined> {
  if (!settings) return undefined;
  const { startMetrics } = await import("./startMetrics.js");
  try {
    return await startMetrics(settings, logger, signal);
  } catch (error) {
    logger.log("error", `metrics are off: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
