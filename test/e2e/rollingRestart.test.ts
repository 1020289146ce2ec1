// Rolling restarts under load, end to end: a real HAProxy 2.6 (retries 0, no redispatch) in front of 3 instances of
// examples/rolling-service under the real `berth executor` (local agent simulator), wrk at a fixed rate over
// keep-alive connections for the whole run, 3 restarts. With Berth's readiness-gated registration and confirmed drain
// not one request may fail — including the 1 s requests in flight at each kill. The control run shows that the same
// load and counting do see failures when registration is done the usual way (bench:rolling measures both at scale).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runRollingScenario, type ScenarioOptions, type Variant } from "../../bench/rolling/rollingScenario.js";

const SERVICE: Variant = { name: "ci", readyAfterMs: 500, ignoreSigterm: false, longEvery: 100, longMs: 1000, graceMs: 5000 };
const common: Omit<ScenarioOptions, "mode" | "restarts" | "signal"> = {
  variant: SERVICE,
  instances: 3,
  ratePerSecond: 500,
  connections: 32,
  steadyRequests: 500,
  stepTimeoutMs: 60_000,
};

/** Every failure the client saw, and HAProxy's 5xx (all 0 for a clean run). */
function failures(result: Awaited<ReturnType<typeof runRollingScenario>>): Record<string, number> {
  return { non2xx: result.load.non2xx, socketErrors: result.load.socketErrors, unmatched: result.load.unmatched, haproxy5xx: result.haproxy.serverErrors };
}

describe("rolling restarts through a real HAProxy under load (wrk; the local agent simulator, a double)", () => {
  test("Berth: 3 restarts at 500 req/s with 1 s requests in flight, not one failed request", async () => {
    const result = await runRollingScenario({ ...common, mode: "berth", restarts: 3, signal: AbortSignal.timeout(100_000) });
    assert.equal(result.restarts.length, 3);
    // The load flowed through every restart: at least half the rate over the run.
    assert.ok(result.load.requests >= 0.5 * common.ratePerSecond * result.endS, `only ${result.load.requests} requests in ${result.endS.toFixed(1)} s`);
    assert.deepEqual(failures(result), { non2xx: 0, socketErrors: 0, unmatched: 0, haproxy5xx: 0 }, `statuses ${JSON.stringify(result.load.statuses)}`);
    assert.deepEqual(result.leftovers, [], "processes left behind");
  });

  test("control: the same load counts the failures of an event-driven registrar (added at TASK_RUNNING)", async () => {
    const result = await runRollingScenario({ ...common, mode: "registrar", restarts: 1, signal: AbortSignal.timeout(100_000) });
    assert.equal(result.restarts.length, 1);
    // The new instance is in HAProxy while it still answers 503 "warming up" (500 ms): some requests get it.
    assert.ok(result.load.non2xx > 0, `no failure counted: ${JSON.stringify(failures(result))}`);
    assert.ok((result.load.statuses["503"] ?? 0) > 0);
    assert.deepEqual(result.leftovers, [], "processes left behind");
  });
});
