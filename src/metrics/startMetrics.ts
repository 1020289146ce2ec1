// Starts what the metrics settings ask for. prom-client is imported here, dynamically, so that an executor without
// metrics never loads it.
import type { Logger } from "../logger.js";
import type { MetricsSettings } from "./metricsSettings.js";
import type { TaskMetrics } from "./taskMetrics.js";

export interface RunningMetrics {
  readonly metrics: TaskMetrics;
  /** The Prometheus endpoint's port, when one listens. */
  readonly port?: number;
  /** A last push (bounded by `signal`), then closes the endpoint. */
  stop(signal: AbortSignal): Promise<void>;
}

export async function startMetrics(settings: MetricsSettings, logger: Logger, signal: AbortSignal): Promise<RunningMetrics> {
  const [{ PromMetrics }, { startMetricsServer }, { startMetricsPush }] = await Promise.all([
    import("./promMetrics.js"),
    import("./metricsServer.js"),
    import("./metricsPush.js"),
  ]);
  const metrics = new PromMetrics();
  const stopping = new AbortController();
  const both = AbortSignal.any([signal, stopping.signal]);
  const server = settings.listen ? await startMetricsServer(settings.listen, () => metrics.text(), both) : undefined;
  if (server) logger.log("info", "serving metrics", { address: `http://${settings.listen!.host}:${server.port}/metrics` });
  const push = settings.push
    ? startMetricsPush({
        ...settings.push,
        prefix: settings.prefix,
        intervalMs: settings.pushIntervalMs,
        samples: () => metrics.samples(),
        onError: (message) => logger.log("warn", message),
        signal: both,
      })
    : undefined;
  return {
    metrics,
    ...(server ? { port: server.port } : {}),
    async stop(deadline) {
      if (push && !deadline.aborted) await Promise.race([push.pushNow(), new Promise((resolve) => deadline.addEventListener("abort", resolve, { once: true }))]);
      stopping.abort();
      await server?.close();
    },
  };
}
