import { test } from "node:test";
import assert from "node:assert/strict";
import { PromMetrics } from "./promMetrics.js";

test("PromMetrics: status updates, hook latencies, probe results, kill durations and component counters in the text format", async () => {
  const metrics = new PromMetrics({ defaultMetrics: false });
  metrics.statusUpdate("TASK_RUNNING", undefined);
  metrics.statusUpdate("TASK_FAILED", "REASON_COMMAND_EXECUTOR_FAILED");
  metrics.hookDone("haproxy", "healthy", 12, true);
  metrics.hookDone("consul", "preKill", 2_500, false);
  metrics.probeResult("liveness", true);
  metrics.probeResult("liveness", false);
  metrics.killDone(750);
  let shipped = 5;
  metrics.addCounters("logs", () => ({ shipped, dropped_full: 1 }));
  const text = await metrics.text();
  assert.match(text, /^berth_status_updates_total\{state="TASK_RUNNING",reason=""\} 1$/m);
  assert.match(text, /^berth_status_updates_total\{state="TASK_FAILED",reason="REASON_COMMAND_EXECUTOR_FAILED"\} 1$/m);
  assert.match(text, /^berth_hook_duration_seconds_count\{hook="haproxy",phase="healthy",result="ok"\} 1$/m);
  assert.match(text, /^berth_hook_duration_seconds_bucket\{le="5",hook="consul",phase="preKill",result="failed"\} 1$/m);
  assert.match(text, /^berth_hook_duration_seconds_bucket\{le="1",hook="consul",phase="preKill",result="failed"\} 0$/m);
  assert.match(text, /^berth_probe_results_total\{check="liveness",result="failed"\} 1$/m);
  assert.match(text, /^berth_kill_duration_seconds_sum 0.75$/m);
  assert.match(text, /^berth_component_events_total\{component="logs",counter="shipped"\} 5$/m);
  // Read at every scrape, not copied once.
  shipped = 9;
  assert.match(await metrics.text(), /^berth_component_events_total\{component="logs",counter="shipped"\} 9$/m);
});

test("PromMetrics: two instances never share series (no global registry)", async () => {
  const a = new PromMetrics({ defaultMetrics: false });
  const b = new PromMetrics({ defaultMetrics: false });
  a.statusUpdate("TASK_RUNNING", undefined);
  assert.doesNotMatch(await b.text(), /TASK_RUNNING/);
});

test("PromMetrics: the process's own metrics (RSS, CPU) under the berth_ prefix; samples() for pushes", async () => {
  const metrics = new PromMetrics();
  assert.match(await metrics.text(), /^berth_process_resident_memory_bytes \d+/m);
  metrics.statusUpdate("TASK_RUNNING", undefined);
  const samples = await metrics.samples();
  assert.ok(samples.some((s) => s.name === "berth_status_updates_total" && s.labels.state === "TASK_RUNNING" && s.value === 1));
  assert.ok(samples.some((s) => s.name === "berth_hook_duration_seconds_bucket") === false, "no hook observed yet: no buckets");
});
