// TaskMetrics on prom-client, in a registry of its own (never prom-client's global one: two executors in one test
// process, or a library that also uses prom-client, must not share series).
import { Counter, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from "prom-client";
import type { TaskMetrics } from "./taskMetrics.js";

const HOOK_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];
const KILL_BUCKETS = [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120];

export class PromMetrics implements TaskMetrics {
  readonly registry = new Registry();
  readonly #updates: Counter<"state" | "reason">;
  readonly #hooks: Histogram<"hook" | "phase" | "result">;
  readonly #probes: Counter<"check" | "result">;
  readonly #kills: Histogram;
  readonly #counters = new Map<string, () => Readonly<Record<string, number>>>();

  constructor({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.#updates = new Counter({ name: "berth_status_updates_total", help: "Status updates sent, by state and reason", labelNames: ["state", "reason"], registers });
    this.#hooks = new Histogram({ name: "berth_hook_duration_seconds", help: "Hook calls by hook, phase and result (ok or failed)", labelNames: ["hook", "phase", "result"], buckets: HOOK_BUCKETS, registers });
    this.#probes = new Counter({ name: "berth_probe_results_total", help: "Health and readiness probe results", labelNames: ["check", "result"], registers });
    this.#kills = new Histogram({ name: "berth_kill_duration_seconds", help: "From a kill request to the task's end", buckets: KILL_BUCKETS, registers });
    const counters = this.#counters;
    new Counter({
      name: "berth_component_events_total",
      help: "Counters of Berth's components (component, counter), e.g. the log pipeline's lines received, shipped, dropped",
      labelNames: ["component", "counter"],
      registers,
      collect() {
        this.reset();
        for (const [component, read] of counters) {
          for (const [counter, value] of Object.entries(read())) if (Number.isFinite(value)) this.inc({ component, counter }, value);
        }
      },
    });
    // The executor's own process (RSS, CPU, event loop lag): what one executor per task costs a host.
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "berth_" });
  }

  statusUpdate(state: string, reason: string | undefined): void {
    this.#updates.inc({ state, reason: reason ?? "" });
  }

  hookDone(hook: string, phase: string, durationMs: number, ok: boolean): void {
    this.#hooks.observe({ hook, phase, result: ok ? "ok" : "failed" }, durationMs / 1000);
  }

  probeResult(check: "liveness" | "readiness", ok: boolean): void {
    this.#probes.inc({ check, result: ok ? "ok" : "failed" });
  }

  killDone(durationMs: number): void {
    this.#kills.observe(durationMs / 1000);
  }

  addCounters(name: string, read: () => Readonly<Record<string, number>>): void {
    this.#counters.set(name, read);
  }

  /** The Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Every sample as (name, labels, value): what a push sends. */
  async samples(): Promise<{ name: string; labels: Readonly<Record<string, string | number>>; value: number }[]> {
    const metrics = (await this.registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
    return metrics.flatMap((metric) =>
      metric.values.map((sample) => ({
        name: (sample as { metricName?: string }).metricName ?? metric.name,
        labels: sample.labels as Record<string, string | number>,
        value: sample.value,
      })),
    );
  }
}
