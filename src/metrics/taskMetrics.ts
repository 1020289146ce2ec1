// What the front ends record about their tasks, as an interface: the executor's start path must not load the metrics
// library (prom-client costs ~120 ms to load); `startMetrics` loads it only when metrics are configured.

export interface TaskMetrics {
  /** A status update sent (executor) or an outcome reached (berth run). */
  statusUpdate(state: string, reason: string | undefined): void;
  hookDone(hook: string, phase: string, durationMs: number, ok: boolean): void;
  probeResult(check: "liveness" | "readiness", ok: boolean): void;
  /** From the kill request to the task's end (the whole kill path: deregistration, drain, grace). */
  killDone(durationMs: number): void;
  /** Counters owned by another part (the log pipeline), read at each scrape or push. */
  addCounters(name: string, read: () => Readonly<Record<string, number>>): void;
}

/** Records nothing: metrics are off unless configured. */
export const noMetrics: TaskMetrics = {
  statusUpdate: () => undefined,
  hookDone: () => undefined,
  probeResult: () => undefined,
  killDone: () => undefined,
  addCounters: () => undefined,
};
