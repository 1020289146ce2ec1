import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { MarkerDir } from "../../../test/helpers/fixtures.js";
import { LeftoverGuard } from "../../../test/helpers/leftovers.js";
import { waitFor } from "../../../test/helpers/waitFor.js";
import { Checker, sameStatus } from "./checker.js";
import type { CheckSpec, CheckStatus, Probe, ProbeResult } from "./checkSpec.js";
import { FakeClock } from "../../../test/helpers/health/fakeClock.js";
import { freePort, startHealthServer } from "../../../test/helpers/health/healthServer.js";
import { scriptedProbe, type Step } from "../../../test/helpers/health/scriptedProbe.js";

const probe: Probe = { kind: "command", command: { kind: "shell", script: "check" }, env: {}, cwd: "/" };
const spec: CheckSpec = { probe, delayMs: 100, intervalMs: 1000, timeoutMs: 0 };
const exit = (code: number): ProbeResult => ({ ok: code === 0, message: `command exited with status ${code}`, detail: { kind: "command", exitCode: code } });

function setup(steps: readonly Step[], overrides: Partial<CheckSpec> = {}) {
  const clock = new FakeClock();
  const fake = scriptedProbe(clock, steps);
  const changes: CheckStatus[] = [];
  const checker = new Checker({ ...spec, ...overrides }, { onChange: (status) => changes.push(status), clock, runProbe: fake.run });
  return { clock, fake, changes, checker };
}

describe("Checker (generalized check, fake time)", () => {
  it("reports a status only when it changes; the first observed status is a change from the empty one", async () => {
    const { clock, fake, changes, checker } = setup([exit(0), exit(0), exit(1), exit(1), exit(0)]);
    assert.deepEqual(checker.status, { kind: "command" });
    checker.start();
    await clock.advance(100 + 4 * 1000);
    assert.deepEqual(fake.calls, [100, 1100, 2100, 3100, 4100]);
    assert.deepEqual(changes, [
      { kind: "command", exitCode: 0 },
      { kind: "command", exitCode: 1 },
      { kind: "command", exitCode: 0 },
    ]);
    assert.deepEqual(checker.status, { kind: "command", exitCode: 0 });
    await checker.stop();
  });

  it("treats a timed-out run as the empty status: no change at first (Mesos starts from it), a change later", async () => {
    const { clock, changes, checker } = setup(["hang", exit(3), "hang"], { timeoutMs: 50 });
    checker.start();
    await clock.advance(150);
    assert.deepEqual(changes, []);
    await clock.advance(1000);
    assert.deepEqual(changes, [{ kind: "command", exitCode: 3 }]);
    await clock.advance(1050);
    assert.deepEqual(changes, [{ kind: "command", exitCode: 3 }, { kind: "command" }]);
    await checker.stop();
  });

  it("schedules like a health check: delay, then interval after each result", async () => {
    const { clock, fake, checker } = setup([{ result: exit(0), takesMs: 400 }]);
    checker.start();
    await clock.advance(3000);
    assert.deepEqual(fake.calls, [100, 1500, 2900]);
    await checker.stop();
  });

  it("sends nothing after stop()", async () => {
    const { clock, fake, changes, checker } = setup([{ result: exit(0), takesMs: 400 }]);
    checker.start();
    await clock.advance(200);
    await checker.stop();
    assert.equal(fake.signals[0]?.aborted, true);
    await clock.advance(10_000);
    assert.deepEqual(changes, []);
    assert.equal(clock.pending, 0);
  });

  it("compares statuses field by field", () => {
    assert.equal(sameStatus({ kind: "http" }, { kind: "http", statusCode: undefined }), true);
    assert.equal(sameStatus({ kind: "http", statusCode: 200 }, { kind: "http", statusCode: 503 }), false);
    assert.equal(sameStatus({ kind: "tcp", succeeded: false }, { kind: "tcp" }), false);
    assert.equal(sameStatus({ kind: "tcp" }, { kind: "http" }), false);
  });
});

describe("Checker with a real TCP probe (real time)", () => {
  const guard = new LeftoverGuard();
  let markers: MarkerDir;
  beforeEach(() => {
    markers = new MarkerDir();
  });
  afterEach(() => {
    try {
      guard.assertNone();
    } finally {
      markers.remove();
    }
  });

  it("reports succeeded=false, then succeeded=true once the port opens, then false when it closes", async () => {
    const port = await freePort();
    const changes: CheckStatus[] = [];
    const checker = new Checker({ probe: { kind: "tcp", port }, delayMs: 0, intervalMs: 50, timeoutMs: 5000 }, { onChange: (s) => changes.push(s) });
    checker.start();
    try {
      await waitFor(() => changes.length >= 1, { what: "the first status" });
      const server = await startHealthServer({ markers, guard, port });
      await waitFor(() => changes.length >= 2, { what: "the port to be seen open" });
      await server.stop();
      await waitFor(() => changes.length >= 3, { what: "the port to be seen closed" });
      assert.deepEqual(changes, [
        { kind: "tcp", succeeded: false },
        { kind: "tcp", succeeded: true },
        { kind: "tcp", succeeded: false },
      ]);
    } finally {
      await checker.stop();
    }
  });
});
