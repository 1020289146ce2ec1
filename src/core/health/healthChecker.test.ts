import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { MarkerDir } from "../../../test/helpers/fixtures.js";
import { LeftoverGuard } from "../../../test/helpers/leftovers.js";
import { waitFor } from "../../../test/helpers/waitFor.js";
import type { HealthCheckSpec, Probe } from "./checkSpec.js";
import { HealthChecker, type HealthCheckerOptions, type HealthEvent } from "./healthChecker.js";
import { InvalidCheckSpecError, ProbeTimeoutError } from "./healthErrors.js";
import { FakeClock } from "../../../test/helpers/health/fakeClock.js";
import { freePort, startHealthServer } from "../../../test/helpers/health/healthServer.js";
import { scriptedProbe, type Step } from "../../../test/helpers/health/scriptedProbe.js";

const probe: Probe = { kind: "http", scheme: "http", port: 8080, path: "/health" };
const base: HealthCheckSpec = { probe, delayMs: 1000, intervalMs: 500, timeoutMs: 0, consecutiveFailures: 3, gracePeriodMs: 0 };

/** A checker on a fake clock with a scripted probe; events are summarised as short strings. */
function setup(steps: readonly Step[], spec: Partial<HealthCheckSpec> = {}, options: Partial<HealthCheckerOptions> = {}) {
  const clock = new FakeClock();
  const fake = scriptedProbe(clock, steps);
  const events: HealthEvent[] = [];
  const checker = new HealthChecker({ ...base, ...spec }, { onEvent: (e) => events.push(e), clock, runProbe: fake.run, ...options });
  const summary = (): string[] =>
    events.map((e) =>
      e.type === "health" ? `healthy=${e.healthy}/${e.consecutiveFailures}` : e.type === "kill" ? `kill/${e.consecutiveFailures}` : `ready=${e.ready}`,
    );
  return { clock, fake, events, checker, summary };
}

describe("HealthChecker (Mesos semantics, fake time)", () => {
  it("runs the first check delayMs after start", async () => {
    const { clock, fake, checker } = setup(["pass"]);
    checker.start();
    await clock.advance(999);
    assert.deepEqual(fake.calls, []);
    await clock.advance(1);
    assert.deepEqual(fake.calls, [1000]);
    await checker.stop();
  });

  it("runs the next check intervalMs after the previous result, not at a fixed rate", async () => {
    const { clock, fake, checker } = setup([{ result: "pass", takesMs: 300 }]);
    checker.start();
    await clock.advance(3000);
    // 1000: first run, result at 1300, next at 1800, result at 2100, next at 2600.
    assert.deepEqual(fake.calls, [1000, 1800, 2600]);
    await checker.stop();
  });

  it("sends healthy=true only on the first success and on the first success after failures", async () => {
    const { clock, checker, summary } = setup(["pass", "pass", "fail", "pass", "pass"]);
    checker.start();
    await clock.advance(1000 + 4 * 500);
    assert.deepEqual(summary(), ["healthy=true/0", "healthy=false/1", "healthy=true/0"]);
    assert.equal(checker.passing, true);
    await checker.stop();
  });

  it("ignores failures before the first success while within the grace period (time since start)", async () => {
    // delay 0, interval 500, grace 2000: runs at 0, 500, 1000, 1500, 2000 are inside the grace (<=), 2500 is not.
    const { clock, fake, checker, summary } = setup(["fail"], { delayMs: 0, gracePeriodMs: 2000 });
    checker.start();
    await clock.advance(2000);
    assert.deepEqual(fake.calls, [0, 500, 1000, 1500, 2000]);
    assert.deepEqual(summary(), []);
    assert.equal(checker.consecutiveFailures, 0);
    await clock.advance(500);
    assert.deepEqual(summary(), ["healthy=false/1"]);
    await checker.stop();
  });

  it("counts failures inside the grace period once the check has passed", async () => {
    const { clock, checker, summary } = setup(["pass", "fail"], { delayMs: 0, gracePeriodMs: 10_000 });
    checker.start();
    await clock.advance(500);
    assert.deepEqual(summary(), ["healthy=true/0", "healthy=false/1"]);
    await checker.stop();
  });

  it("measures the grace period from start(), not from construction", async () => {
    const { clock, checker, summary } = setup(["fail"], { delayMs: 0, gracePeriodMs: 1000 });
    await clock.advance(5000);
    checker.start();
    await clock.advance(1000);
    assert.deepEqual(summary(), []);
    await clock.advance(500);
    assert.deepEqual(summary(), ["healthy=false/1"]);
    await checker.stop();
  });

  it("with no grace period, counts the very first failure", async () => {
    const { clock, checker, summary } = setup(["fail"], { delayMs: 0, gracePeriodMs: 0 });
    checker.start();
    await clock.advance(0);
    assert.deepEqual(summary(), ["healthy=false/1"]);
    await checker.stop();
  });

  it("sends healthy=false on every failure and asks for a kill once when consecutive failures reach the limit", async () => {
    const { clock, checker, summary, events } = setup(["fail"]);
    checker.start();
    await clock.advance(1000 + 4 * 500);
    assert.deepEqual(summary(), ["healthy=false/1", "healthy=false/2", "healthy=false/3", "kill/3", "healthy=false/4", "healthy=false/5"]);
    const kill = events.find((e) => e.type === "kill");
    assert.equal(kill?.type === "kill" && kill.message, "health check failed 3 times in a row: returned 503");
    await checker.stop();
  });

  it("resets the consecutive failures on a success", async () => {
    const { clock, checker, summary } = setup(["fail", "fail", "pass", "fail", "fail", "fail"]);
    checker.start();
    await clock.advance(1000 + 5 * 500);
    assert.deepEqual(summary(), ["healthy=false/1", "healthy=false/2", "healthy=true/0", "healthy=false/1", "healthy=false/2", "healthy=false/3", "kill/3"]);
    await checker.stop();
  });

  it("fails a run that exceeds timeoutMs, aborts the probe and goes on intervalMs later", async () => {
    const { clock, fake, checker, events } = setup(["hang", "pass"], { timeoutMs: 200 });
    checker.start();
    await clock.advance(1200);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.type, "health");
    assert.equal(event?.type === "health" && event.healthy, false);
    assert.equal(event?.result.message, "HTTP GET http://127.0.0.1:8080/health timed out after 200 ms");
    assert.deepEqual(event?.result.detail, { kind: "http" });
    assert.ok(fake.signals[0]?.reason instanceof ProbeTimeoutError);
    await clock.advance(500);
    assert.deepEqual(fake.calls, [1000, 1700]);
    assert.equal(events.at(-1)?.type === "health" && events.at(-1)?.result.ok, true);
    await checker.stop();
  });

  it("with timeoutMs 0 never times a run out", async () => {
    const { clock, fake, checker, events } = setup(["hang"], { timeoutMs: 0 });
    checker.start();
    await clock.advance(1_000_000);
    assert.deepEqual(fake.calls, [1000]);
    assert.deepEqual(events, []);
    await checker.stop();
    assert.equal(fake.signals[0]?.aborted, true);
  });

  it("stop() aborts the in-flight probe, cancels the schedule and sends nothing more", async () => {
    const { clock, fake, checker, events } = setup([{ result: "fail", takesMs: 300 }], { gracePeriodMs: 0 });
    checker.start();
    await clock.advance(1100); // the first run is in flight
    assert.equal(fake.calls.length, 1);
    await checker.stop();
    assert.equal(fake.signals[0]?.aborted, true);
    assert.equal(clock.pending, 0);
    await clock.advance(10_000);
    assert.deepEqual(events, []);
    assert.equal(fake.calls.length, 1);
  });

  it("stops when its signal is aborted, and sends no event after a listener stopped it", async () => {
    const controller = new AbortController();
    const { clock, fake, checker, events } = setup(["fail"], {}, { signal: controller.signal });
    checker.start();
    await clock.advance(1000);
    controller.abort();
    await clock.advance(10_000);
    assert.equal(fake.calls.length, 1);
    assert.equal(events.length, 1);

    // A listener that stops the checker on healthy=false: the kill of the same result is not sent either.
    const clock2 = new FakeClock();
    const events2: HealthEvent[] = [];
    const checker2: HealthChecker = new HealthChecker(
      { ...base, consecutiveFailures: 1 },
      { clock: clock2, runProbe: scriptedProbe(clock2, ["fail"]).run, onEvent: (e) => (events2.push(e), void checker2.stop()) },
    );
    checker2.start();
    await clock2.advance(5000);
    assert.deepEqual(events2.map((e) => e.type), ["health"]);
  });

  it("keeps checking when a listener throws", async () => {
    const clock = new FakeClock();
    const fake = scriptedProbe(clock, ["fail"]);
    const checker = new HealthChecker(base, {
      clock,
      runProbe: fake.run,
      onEvent: () => {
        throw new Error("listener bug");
      },
    });
    checker.start();
    await clock.advance(2000);
    assert.deepEqual(fake.calls, [1000, 1500, 2000]);
    await checker.stop();
  });

  it("treats a probe that rejects or throws as a failed run", async () => {
    const clock = new FakeClock();
    const events: HealthEvent[] = [];
    const checker = new HealthChecker(base, { clock, onEvent: (e) => events.push(e), runProbe: () => Promise.reject(new Error("boom")) });
    checker.start();
    await clock.advance(1000);
    assert.equal(events[0]?.result.message, "HTTP GET http://127.0.0.1:8080/health failed: boom");
    await checker.stop();

    const events2: HealthEvent[] = [];
    const throwing = new HealthChecker(base, {
      clock,
      onEvent: (e) => events2.push(e),
      runProbe: () => {
        throw new Error("sync boom");
      },
    });
    throwing.start();
    await clock.advance(1000);
    assert.equal(events2[0]?.result.message, "HTTP GET http://127.0.0.1:8080/health failed: sync boom");
    await throwing.stop();
  });

  it("rejects an invalid spec with every problem", () => {
    assert.throws(
      () => new HealthChecker({ ...base, intervalMs: -1, probe: { ...probe, path: "health" } }, { onEvent: () => undefined }),
      (error: unknown) =>
        error instanceof InvalidCheckSpecError &&
        error.code === "INVALID_CHECK_SPEC" &&
        error.problems.length === 2 &&
        /intervalMs/.test(error.message) &&
        /path must start with "\/"/.test(error.message),
    );
  });
});

describe("HealthChecker readiness mode (fake time)", () => {
  it("is not ready before the first success, reports ready once, and never kills", async () => {
    const { clock, checker, summary } = setup(["fail", "fail", "fail", "fail", "pass", "pass"], {}, { mode: "readiness" });
    checker.start();
    assert.equal(checker.passing, false);
    await clock.advance(1000 + 5 * 500);
    assert.deepEqual(summary(), ["ready=true"]);
    assert.equal(checker.passing, true);
    await checker.stop();
  });

  it("needs successThreshold passes in a row", async () => {
    const { clock, fake, checker, summary } = setup(["pass", "fail", "pass", "pass"], {}, { mode: "readiness", successThreshold: 2 });
    checker.start();
    await clock.advance(1000 + 2 * 500);
    assert.deepEqual(summary(), []);
    await clock.advance(500);
    assert.deepEqual(summary(), ["ready=true"]);
    assert.equal(fake.calls.length, 4);
    await checker.stop();
  });

  it("watching: becomes unready after consecutiveFailures failures in a row and ready again after a pass", async () => {
    const steps: Step[] = ["pass", "fail", "fail", "pass", "fail", "fail", "fail", "fail", "pass"];
    const { clock, checker, summary } = setup(steps, {}, { mode: "readiness", afterReady: "watch" });
    checker.start();
    await clock.advance(1000 + 8 * 500);
    assert.deepEqual(summary(), ["ready=true", "ready=false", "ready=true"]);
    await checker.stop();
  });

  it("afterReady stop: stops checking at the first ready", async () => {
    const { clock, fake, checker, summary } = setup(["fail", "pass"], {}, { mode: "readiness", afterReady: "stop" });
    checker.start();
    await clock.advance(10_000);
    assert.deepEqual(summary(), ["ready=true"]);
    assert.deepEqual(fake.calls, [1000, 1500]);
    assert.equal(clock.pending, 0);
  });

  it("ignores the grace period (a failing readiness check is not an error)", async () => {
    const { clock, checker, summary } = setup(["pass", "fail", "fail", "fail"], { gracePeriodMs: 60_000 }, { mode: "readiness" });
    checker.start();
    await clock.advance(1000 + 3 * 500);
    assert.deepEqual(summary(), ["ready=true", "ready=false"]);
    await checker.stop();
  });

  it("rejects a successThreshold below 1", () => {
    assert.throws(() => new HealthChecker(base, { onEvent: () => undefined, mode: "readiness", successThreshold: 0 }), InvalidCheckSpecError);
  });
});

describe("HealthChecker with real probes (real time)", () => {
  const guard = new LeftoverGuard();
  let markers: MarkerDir;
  const checkers: HealthChecker[] = [];
  beforeEach(() => {
    markers = new MarkerDir();
  });
  afterEach(async () => {
    await Promise.all(checkers.splice(0).map((c) => c.stop()));
    try {
      guard.assertNone();
    } finally {
      markers.remove();
    }
  });

  it("HTTP: ignores a slow start within the grace period, then reports failures and asks for a kill", async () => {
    const port = await freePort();
    const server = await startHealthServer({ markers, guard, port, startDelayMs: 600, noWait: true });
    const events: HealthEvent[] = [];
    const checker = new HealthChecker(
      { probe: { kind: "http", scheme: "http", port, path: "/health" }, delayMs: 0, intervalMs: 100, timeoutMs: 5000, consecutiveFailures: 2, gracePeriodMs: 60_000 },
      { onEvent: (e) => events.push(e) },
    );
    checkers.push(checker);
    checker.start();
    await waitFor(() => events.length >= 1, { what: "the first health event" });
    assert.equal(events[0]?.type === "health" && events[0].healthy, true, "refused connections during the slow start must be ignored");

    server.setHealthy(false);
    await waitFor(() => events.some((e) => e.type === "kill"), { what: "the kill event" });
    await checker.stop();
    const types = events.map((e) => (e.type === "health" ? `healthy=${e.healthy}` : e.type));
    assert.deepEqual(types.slice(0, 4), ["healthy=true", "healthy=false", "healthy=false", "kill"]);
    assert.match(events[1]!.result.message, new RegExp(`^HTTP GET http://127\\.0\\.0\\.1:${port}/health returned 503$`));
    await server.stop();
  });

  it("a 30-day timeout, interval and grace period: a healthy server is reported healthy (timers above 2^31-1 ms fired at once)", async () => {
    const server = await startHealthServer({ markers, guard });
    const days30 = 30 * 24 * 3600 * 1000;
    const events: HealthEvent[] = [];
    // /slow answers after 200 ms: a timeout that fired at once would fail every run.
    const checker = new HealthChecker(
      { probe: { kind: "http", scheme: "http", port: server.port, path: "/slow?ms=200" }, delayMs: 0, intervalMs: days30, timeoutMs: days30, consecutiveFailures: 1, gracePeriodMs: 0 },
      { onEvent: (e) => events.push(e) },
    );
    checkers.push(checker);
    checker.start();
    await waitFor(() => events.length >= 1, { what: "the first health event" });
    assert.equal(events[0]?.type === "health" && events[0].healthy, true, events[0]?.result.message);
    await checker.stop();
    await server.stop();
  });

  it("COMMAND readiness: ready once the command passes, and stops checking", async () => {
    const flag = markers.file("flag");
    const events: HealthEvent[] = [];
    // Each run leaves a line in "runs", so the test can see failed runs that readiness does not report.
    const probe: Probe = { kind: "command", command: { kind: "shell", script: `echo run >> runs; test -e "${flag}"` }, env: markers.env(), cwd: markers.path };
    const checker = new HealthChecker(
      { probe, delayMs: 0, intervalMs: 50, timeoutMs: 5000, consecutiveFailures: 3, gracePeriodMs: 0 },
      { onEvent: (e) => events.push(e), mode: "readiness", afterReady: "stop" },
    );
    checkers.push(checker);
    checker.start();
    await waitFor(() => existsSync(markers.file("runs")) && readFileSync(markers.file("runs"), "utf8").split("\n").length > 2, { what: "two failed runs" });
    assert.equal(events.length, 0);
    writeFileSync(flag, "");
    await waitFor(() => events.length >= 1, { what: "readiness" });
    assert.deepEqual(
      events.map((e) => e.type === "readiness" && e.ready),
      [true],
    );
    assert.deepEqual(events[0]?.result.detail, { kind: "command", exitCode: 0 });
  });
});
