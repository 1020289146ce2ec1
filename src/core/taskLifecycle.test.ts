// TaskLifecycle with real processes (test/fixtures) and in-memory hooks (test/helpers/lifecycle): phase order, the
// error policy of each phase, hook deadlines, the kill path and health / readiness / generalized checks. Everything
// is synchronised on recorded events and marker files with deadlines; timings are asserted only as lower bounds or
// as "well under the alternative" (a test that finishes in seconds proves a 30 s+ wait was not taken).
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fixture, MarkerDir, fixtureCommand, LONG_GRACE_MS, markerTaskSpec } from "../../test/helpers/fixtures.js";
import { freePort } from "../../test/helpers/health/healthServer.js";
import { fakeHook, gate, type FakeHook, type PhaseBehaviours } from "../../test/helpers/lifecycle/fakeHook.js";
import { Timeline, timelineLogger } from "../../test/helpers/lifecycle/timeline.js";
import { checkEachTest, LeftoverGuard } from "../../test/helpers/leftovers.js";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import type { CheckSpec, HealthCheckSpec } from "./health/index.js";
import type { LifecyclePhase } from "./hook.js";
import { TaskLifecycle, type LifecycleOutcome, type TaskLifecycleOptions } from "./taskLifecycle.js";
import type { CommandSpec, TaskSpec } from "./taskSpec.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
checkEachTest(guard, (fresh) => (markers = fresh));

/** "Well under the alternative": the waits that tests prove were not taken are 30 s or more (or forever). */
const QUICK_MS = 10_000;
/** mtime comes from a coarse kernel clock (a few ms behind): lower bounds measured with it get this much slack. */
const MTIME_SLACK_MS = 25;

const script = fixtureCommand;

/** A task that runs until a hook (or the test) creates the marker "go" in its cwd, then exits with `code`. */
const untilGo = (code = 0): CommandSpec => ({ kind: "shell", script: `while [ ! -e go ]; do sleep 0.02; done; exit ${code}` });

/** The health-server fixture as the task, on a fixed port; /health fails while the marker "fail" exists. */
function serverTask(port: number, env: Record<string, string> = {}): TaskSpec {
  return spec(
    { kind: "argv", file: process.execPath, args: [fixture("health-server.mjs")] },
    { env: markers.env({ PORT: String(port), FAIL_FILE: markers.file("fail"), ...env }) },
  );
}

const spec = (command: CommandSpec, more: Partial<TaskSpec> = {}): TaskSpec => markerTaskSpec(markers, command, more);

interface HookOutput {
  readonly hook: string;
  readonly phase: LifecyclePhase;
  readonly line: string;
}

interface Harness {
  readonly lifecycle: TaskLifecycle;
  readonly timeline: Timeline;
  /** The lifecycle's own diagnostics (messages only). */
  readonly logs: Timeline;
  readonly outputs: HookOutput[];
  readonly healthMessages: string[];
  /** The task's pid, once running. */
  pid(): number;
  /** The outcome, with a generous deadline (a test that waits LONG_GRACE_MS fails here). */
  outcome(): Promise<LifecycleOutcome>;
}

/**
 * A lifecycle whose events go into `timeline` ("running", "killing:<cause>", "ready", "output:<hook>.<phase>",
 * "health:<bool>", "check:<json>", and "outcome" when it settles), whose process group is watched for leftovers,
 * with the task's output discarded.
 */
function harness(taskSpec: TaskSpec, options: Omit<TaskLifecycleOptions, "events" | "logger"> = {}, timeline = new Timeline()): Harness {
  const logs = new Timeline();
  const outputs: HookOutput[] = [];
  const healthMessages: string[] = [];
  let pid: number | undefined;
  const lifecycle = new TaskLifecycle(taskSpec, {
    runner: { stdout: "ignore", stderr: "ignore" },
    ...options,
    logger: timelineLogger(logs),
    events: {
      onRunning: (p) => {
        guard.watchGroup(p);
        pid = p;
        timeline.add("running");
      },
      onKilling: (cause) => timeline.add(`killing:${cause}`),
      onReady: () => timeline.add("ready"),
      onHookOutput: (hook, phase, line) => {
        outputs.push({ hook, phase, line });
        timeline.add(`output:${hook}.${phase}`);
      },
      onHealth: (healthy, message) => {
        healthMessages.push(message);
        timeline.add(`health:${healthy}`);
      },
      onCheck: (status) => timeline.add(`check:${JSON.stringify(status)}`),
    },
  });
  const settled = lifecycle.outcome.then((outcome) => {
    timeline.add("outcome");
    return outcome;
  });
  return {
    lifecycle,
    timeline,
    logs,
    outputs,
    healthMessages,
    pid: () => {
      assert.ok(pid !== undefined, "the task is running");
      return pid;
    },
    outcome: () => withTimeout(settled, 45_000, "the lifecycle outcome"),
  };
}

/** Hooks named in `defs`, all recording into one timeline. */
function hooks(timeline: Timeline, defs: Record<string, PhaseBehaviours & { timeoutMs?: number }>): FakeHook[] {
  return Object.entries(defs).map(([name, { timeoutMs, ...phases }]) =>
    fakeHook(timeline, name, phases, timeoutMs !== undefined ? { timeoutMs } : {}),
  );
}

/** The timeline entries of one phase ("a.prestart", "a.prestart.end", …), in order. */
function phaseEntries(timeline: Timeline, phase: LifecyclePhase): string[] {
  return timeline.names((what) => !what.startsWith("output:") && what.split(".")[1] === phase);
}

function assertBefore(timeline: Timeline, first: string, second: string): void {
  assert.ok(
    timeline.index(first) < timeline.index(second),
    `"${first}" should come before "${second}"; timeline: ${timeline.names().join(", ")}`,
  );
}

/** When the task's stop signal arrived: the mtime of the TERM marker written by exits-later-on-sigterm.sh. */
function termAt(): number {
  assert.ok(markers.exists("term"), "the task got its stop signal");
  return statSync(markers.file("term")).mtimeMs;
}

/** Whether a process is gone (reaped: not even a zombie). */
const gone = (pid: number): boolean => !existsSync(`/proc/${pid}`);

describe("TaskLifecycle: a task that exits on its own", () => {
  it("runs prestart → spawn → poststart → healthy → exited → stop, each phase in list order, and settles last", async () => {
    const timeline = new Timeline();
    const all: PhaseBehaviours = { prestart: true, poststart: true, healthy: true, preKill: true, exited: true, stop: true };
    const list = hooks(timeline, {
      a: { ...all, prestart: { delayMs: 150 } },
      b: { ...all, healthy: { run: () => writeFileSync(markers.file("go"), "") } },
      c: all,
    });
    const h = harness(spec(untilGo()), { hooks: list }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();

    assert.equal(outcome.state, "finished", outcome.message);
    assert.equal(outcome.reason, "exited");
    // prestart: sequential (b waits for a's 150 ms), then the spawn.
    assert.deepEqual(phaseEntries(timeline, "prestart"), [
      "a.prestart",
      "a.prestart.end",
      "b.prestart",
      "b.prestart.end",
      "c.prestart",
      "c.prestart.end",
    ]);
    assertBefore(timeline, "c.prestart.end", "running");
    for (const phase of ["poststart", "healthy", "exited", "stop"] as const) {
      assert.deepEqual(
        phaseEntries(timeline, phase),
        ["a", "b", "c"].flatMap((n) => [`${n}.${phase}`, `${n}.${phase}.end`]),
        `${phase}: every hook, in list order, one after the other`,
      );
    }
    assertBefore(timeline, "running", "a.poststart");
    assertBefore(timeline, "running", "ready");
    assertBefore(timeline, "ready", "a.healthy");
    assertBefore(timeline, "c.healthy.end", "a.exited");
    assertBefore(timeline, "c.poststart.end", "a.exited");
    assertBefore(timeline, "c.exited.end", "a.stop");
    assertBefore(timeline, "c.stop.end", "outcome");
    assert.deepEqual(phaseEntries(timeline, "preKill"), [], "no preKill when the task exits by itself");
    assert.equal(timeline.names("killing").length, 0, "no TASK_KILLING");
  });

  it(
    "runs the healthy hooks only once the poststart hooks are done",
    async () => {
      const timeline = new Timeline();
      const list = hooks(timeline, {
        logs: { poststart: { delayMs: 300 } },
        consul: { healthy: { run: () => writeFileSync(markers.file("go"), "") } },
      });
      const h = harness(spec(untilGo()), { hooks: list }, timeline);
      h.lifecycle.start();
      await h.outcome();
      await timeline.wait("logs.poststart.end");
      assertBefore(timeline, "logs.poststart.end", "consul.healthy");
    },
  );

  it("runs exited and stop hooks only after a poststart hook still in flight; a task gone before it was ready is never registered", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      shipper: { poststart: { delayMs: 400 }, stop: true },
      consul: { healthy: true, exited: true, stop: true },
    });
    const h = harness(spec(script("exits-with-code.sh", "0")), { hooks: list }, timeline);
    h.lifecycle.start();
    await h.outcome();
    assertBefore(timeline, "shipper.poststart.end", "consul.exited");
    assertBefore(timeline, "shipper.poststart.end", "shipper.stop");
    assert.equal(timeline.has("consul.healthy"), false, "healthy hooks wait for poststart, and the task was gone by then");
  });

  it("runs exited and stop hooks only after a healthy hook (registration) still in flight", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { consul: { healthy: { delayMs: 400 }, exited: true, stop: true } });
    const h = harness(spec(script("exits-with-code.sh", "0")), { hooks: list }, timeline);
    h.lifecycle.start();
    await h.outcome();
    assertBefore(timeline, "consul.healthy.end", "consul.exited");
    assertBefore(timeline, "consul.healthy.end", "consul.stop");
  });

  it("maps the exit status: 0 → finished, non-zero → failed (exit_status), with the process outcome", async () => {
    const ok = harness(spec(script("exits-with-code.sh", "0")));
    ok.lifecycle.start();
    const finished = await ok.outcome();
    assert.deepEqual(
      { ...finished, process: undefined },
      { state: "finished", reason: "exited", message: "Command exited with status 0", exitCode: 0, signal: null, process: undefined },
    );
    assert.equal(finished.process?.state, "finished");

    const bad = harness(spec(script("exits-with-code.sh", "3")));
    bad.lifecycle.start();
    const failed = await bad.outcome();
    assert.equal(failed.state, "failed");
    assert.equal(failed.reason, "exit_status");
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.message, "Command exited with status 3");
    assert.equal(failed.process?.state, "failed");
  });

  it("gives hooks their context: the running task's pid, the exit outcome, and an output line channel", async () => {
    const timeline = new Timeline();
    const [probe] = hooks(timeline, {
      probe: {
        poststart: { run: (context) => context.output("shipping logs") },
        exited: { run: (context) => context.output("flushed") },
        stop: true,
      },
    });
    const h = harness(spec(script("exits-with-code.sh", "4")), { hooks: [probe!] }, timeline);
    h.lifecycle.start();
    await h.outcome();
    const poststart = probe!.calls.find((c) => c.phase === "poststart")!.context;
    assert.equal(poststart.pid, h.pid());
    const exited = probe!.calls.find((c) => c.phase === "exited")!.context;
    assert.deepEqual({ state: exited.outcome?.state, exitCode: exited.outcome?.exitCode }, { state: "failed", exitCode: 4 });
    assert.deepEqual(h.outputs, [
      { hook: "probe", phase: "poststart", line: "shipping logs" },
      { hook: "probe", phase: "exited", line: "flushed" },
    ]);
  });
});

describe("TaskLifecycle: prestart", () => {
  it("the first error fails the task without spawning; later prestart hooks do not run; stop hooks do, exited not", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      config: { prestart: true, exited: true, stop: true },
      vault: { prestart: { fail: "permission denied on secret/app" }, exited: true, stop: true },
      certs: { prestart: true, exited: true, stop: true },
    });
    const h = harness(spec({ kind: "shell", script: "touch ran" }), { hooks: list }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.deepEqual(outcome, {
      state: "failed",
      reason: "hook_failed",
      message: 'prestart hook "vault" failed: permission denied on secret/app',
      exitCode: null,
      signal: null,
    });
    assert.deepEqual(phaseEntries(timeline, "prestart"), ["config.prestart", "config.prestart.end", "vault.prestart", "vault.prestart.error"]);
    assert.equal(timeline.has("running"), false, "never spawned");
    assert.equal(markers.exists("ran"), false, "the command never ran");
    assert.deepEqual(phaseEntries(timeline, "exited"), [], "no process, no exited hooks");
    assert.deepEqual(phaseEntries(timeline, "stop"), ["config.stop", "config.stop.end", "vault.stop", "vault.stop.end", "certs.stop", "certs.stop.end"]);
    assertBefore(timeline, "certs.stop.end", "outcome");
  });

  it("merges env from several hooks: later hooks win, hook env wins over the task's own", async () => {
    const timeline = new Timeline();
    const [first, second] = hooks(timeline, {
      first: { prestart: { env: { X: "from-first", Y: "from-first" } } },
      second: { prestart: { env: { Y: "from-second" } } },
    });
    const command: CommandSpec = { kind: "shell", script: 'printf "%s|%s|%s" "$X" "$Y" "$Z" > env.out' };
    const taskSpec = spec(command, { env: markers.env({ X: "from-spec", Z: "from-spec" }) });
    const h = harness(taskSpec, { hooks: [first!, second!] }, timeline);
    h.lifecycle.start();
    assert.equal((await h.outcome()).state, "finished");
    assert.equal(readFileSync(markers.file("env.out"), "utf8"), "from-first|from-second|from-spec");
    // A later hook sees what earlier ones added; the lifecycle's spec is the one the process ran with.
    assert.equal(second!.calls[0]!.context.task.env.X, "from-first");
    assert.equal(first!.calls[0]!.context.task.env.X, "from-spec");
    assert.equal(h.lifecycle.spec.env.Y, "from-second");
    assert.equal(h.lifecycle.spec.env.Z, "from-spec");
  });

  it("a hook that hangs and ignores its signal is abandoned after its own timeoutMs", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { vault: { prestart: { hang: true }, stop: true, timeoutMs: 300 } });
    const h = harness(spec({ kind: "shell", script: "touch ran" }), { hooks: list }, timeline);
    const startedAt = Date.now();
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "hook_failed");
    assert.equal(outcome.message, 'prestart hook "vault" failed: no answer within 300 ms');
    assert.ok(timeline.at("outcome") - startedAt >= 290, "not before the deadline");
    assert.ok(timeline.has("vault.prestart.aborted"), "the call's signal aborted at the deadline");
    assert.equal(timeline.has("running"), false);
    assert.equal(markers.exists("ran"), false);
    assert.equal(timeline.count("vault.stop"), 1);
  });

  it("the phase default comes from options.hookTimeoutMs.prestart", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { vault: { prestart: { hang: true } } });
    const h = harness(spec(script("exits-with-code.sh", "0")), { hooks: list, hookTimeoutMs: { prestart: 300 } }, timeline);
    const startedAt = Date.now();
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.message, 'prestart hook "vault" failed: no answer within 300 ms');
    assert.ok(timeline.at("outcome") - startedAt >= 290);
  });

  it("hook.timeoutMs overrides the phase default, shorter or longer", async () => {
    const timeline = new Timeline();
    // Shorter: 200 ms instead of the phase's 60 s.
    const short = harness(
      spec(script("exits-with-code.sh", "0")),
      { hooks: hooks(timeline, { quick: { prestart: { hang: true }, timeoutMs: 200 } }), hookTimeoutMs: { prestart: LONG_GRACE_MS } },
      timeline,
    );
    const startedAt = Date.now();
    short.lifecycle.start();
    const failed = await short.outcome();
    assert.equal(failed.message, 'prestart hook "quick" failed: no answer within 200 ms');
    assert.ok(timeline.at("outcome") - startedAt < QUICK_MS, "the phase's 60 s were not waited for");

    // Longer: a 400 ms answer is fine with the hook's 5 s although the phase default is 50 ms.
    const slowTimeline = new Timeline();
    const long = harness(
      spec(script("exits-with-code.sh", "0")),
      { hooks: hooks(slowTimeline, { patient: { prestart: { delayMs: 400 }, timeoutMs: 5_000 } }), hookTimeoutMs: { prestart: 50 } },
      slowTimeline,
    );
    long.lifecycle.start();
    const finished = await long.outcome();
    assert.equal(finished.state, "finished", finished.message);
  });
});

describe("TaskLifecycle: error policy of the other phases", () => {
  it("a poststart error is reported through onHookOutput and the task goes on", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      shipper: { poststart: { fail: "log sink unreachable" } },
      other: { poststart: true, healthy: { run: () => writeFileSync(markers.file("go"), "") } },
    });
    const h = harness(spec(untilGo()), { hooks: list }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "finished", outcome.message);
    assert.deepEqual(h.outputs, [{ hook: "shipper", phase: "poststart", line: 'poststart hook "shipper" failed: log sink unreachable' }]);
    assert.ok(timeline.has("other.poststart.end"), "the next poststart hook still ran");
    assert.equal(timeline.names("killing").length, 0);
  });

  it("exited and stop errors are collected, every hook still runs, and the outcome is unaffected", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      a: { exited: { fail: "flush failed" }, stop: { fail: "close failed" } },
      b: { exited: true, stop: true },
    });
    const h = harness(spec(script("exits-with-code.sh", "3")), { hooks: list }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "exit_status");
    assert.equal(outcome.message, "Command exited with status 3");
    assert.deepEqual(phaseEntries(timeline, "exited"), ["a.exited", "a.exited.error", "b.exited", "b.exited.end"]);
    assert.deepEqual(phaseEntries(timeline, "stop"), ["a.stop", "a.stop.error", "b.stop", "b.stop.end"]);
    assert.deepEqual(h.outputs, [
      { hook: "a", phase: "exited", line: 'exited hook "a" failed: flush failed' },
      { hook: "a", phase: "stop", line: 'stop hook "a" failed: close failed' },
    ]);
  });

  it("a healthy hook's error kills the task (cause hook), which fails with the hook's message", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      // The registration fails once the task is ready (its SIGTERM trap in place), as a real one would.
      consul: { healthy: { run: async () => void (await markers.pids("ready")), fail: "register failed: 503 from 127.0.0.1:8500" }, preKill: true, exited: true, stop: true },
    });
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "hook_failed");
    assert.equal(
      outcome.message,
      'Task killed because a hook failed: healthy hook "consul" failed: register failed: 503 from 127.0.0.1:8500. Command exited with status 0',
    );
    assert.equal(h.lifecycle.killCause, "hook");
    assert.deepEqual(timeline.names("killing"), ["killing:hook"]);
    assertBefore(timeline, "consul.healthy.error", "killing:hook");
    assertBefore(timeline, "killing:hook", "consul.preKill");
    assert.ok(markers.exists("term"), "the task got its stop signal");
    assert.equal(timeline.count("consul.stop"), 1);
  });
});

describe("TaskLifecycle: kill path", () => {
  it("kill() → onKilling → preKill hooks → drain → stop signal → exit → exited → stop → killed", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      lb: { preKill: { delayMs: 100 }, exited: true, stop: true },
      consul: { preKill: true, exited: true, stop: true },
    });
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list, drainMs: 400 }, timeline);
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill();
    const outcome = await h.outcome();
    assert.deepEqual(
      { ...outcome, process: undefined },
      { state: "killed", reason: "killed", message: "Command exited with status 0", exitCode: 0, signal: null, process: undefined },
    );
    assert.equal(outcome.process?.state, "killed");
    assert.deepEqual(
      timeline.names((w) => !w.startsWith("running") && !w.startsWith("ready")),
      [
        "killing:requested",
        "lb.preKill",
        "lb.preKill.end",
        "consul.preKill",
        "consul.preKill.end",
        "lb.exited",
        "lb.exited.end",
        "consul.exited",
        "consul.exited.end",
        "lb.stop",
        "lb.stop.end",
        "consul.stop",
        "consul.stop.end",
        "outcome",
      ],
    );
    const signalAt = termAt();
    assert.ok(signalAt >= timeline.at("consul.preKill.end") + 400 - MTIME_SLACK_MS, "the stop signal came after the preKill hooks and the drain");
    assert.ok(timeline.at("lb.exited") >= signalAt - MTIME_SLACK_MS, "exited hooks after the stop signal");
    assert.ok(timeline.at("outcome") - killedAt < QUICK_MS, "the 60 s grace was not waited out");
    assert.equal(list[0]!.calls.find((c) => c.phase === "preKill")!.context.cause, "requested");
  });

  it("skips the drain when the process already exited during preKill", async () => {
    const timeline = new Timeline();
    const task: { h?: Harness } = {};
    const list = hooks(timeline, {
      graceful: {
        preKill: {
          run: async (context) => {
            // Like a graceful-shutdown endpoint: the task stops by itself before the stop signal.
            const pid = task.h!.pid();
            process.kill(-pid, "SIGTERM");
            await context.exited;
            assert.ok(gone(pid), "exited resolves once the process is gone");
          },
        },
      },
    });
    const h = (task.h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list, drainMs: 30_000 }, timeline));
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill();
    await h.outcome();
    await timeline.wait("graceful.preKill.end");
    assert.ok(timeline.at("outcome") - killedAt < QUICK_MS, "the 30 s drain was skipped");
    assert.equal(h.logs.has("draining before the stop signal"), false, "no drain");
  });

  /** kill() while a preKill hook of `name` makes the task exit (a graceful request) and waits for it. */
  async function killExitingDuringPreKill(name: string, extra: PhaseBehaviours = {}, delayMs?: number): Promise<{ outcome: LifecycleOutcome; timeline: Timeline }> {
    const timeline = new Timeline();
    const task: { h?: Harness } = {};
    const list = hooks(timeline, {
      [name]: {
        preKill: {
          run: async (context) => {
            process.kill(-task.h!.pid(), "SIGTERM");
            await context.exited;
          },
          ...(delayMs !== undefined ? { delayMs } : {}),
        },
        ...extra,
      },
    });
    const h = (task.h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline));
    h.lifecycle.start();
    await markers.pids("ready");
    h.lifecycle.kill();
    const outcome = await h.outcome();
    await timeline.wait(`${name}.preKill.end`);
    return { outcome, timeline };
  }

  it("a task that exits during preKill (after kill()) ends killed, not finished", async () => {
    const { outcome } = await killExitingDuringPreKill("graceful");
    assert.equal(outcome.state, "killed", outcome.message);
    assert.equal(outcome.reason, "killed");
  });

  it("exited and stop hooks wait for the preKill hooks even when the task exits during preKill", async () => {
    // The hook confirms the deregistration 300 ms after the task is gone.
    const { timeline } = await killExitingDuringPreKill("consul", { exited: true, stop: true }, 300);
    assertBefore(timeline, "consul.preKill.end", "consul.exited");
    assertBefore(timeline, "consul.preKill.end", "consul.stop");
    assertBefore(timeline, "consul.preKill.end", "outcome");
  });

  it(
    "preKill hooks start only once a healthy hook in flight (registration) has settled",
    async () => {
      const timeline = new Timeline();
      const list = hooks(timeline, { consul: { healthy: { delayMs: 500 }, preKill: true } });
      const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
      h.lifecycle.start();
      await markers.pids("ready");
      await timeline.wait("consul.healthy");
      h.lifecycle.kill();
      await h.outcome();
      await timeline.wait("consul.healthy.end");
      assertBefore(timeline, "consul.healthy.end", "consul.preKill");
    },
  );

  it("a kill during prestart aborts the running prestart hook; the task never spawns", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, {
      vault: { prestart: { hang: true }, preKill: true, exited: true, stop: true },
      later: { prestart: true, stop: true },
    });
    const h = harness(spec({ kind: "shell", script: "touch ran" }), { hooks: list }, timeline);
    h.lifecycle.start();
    await timeline.wait("vault.prestart");
    const killedAt = Date.now();
    h.lifecycle.kill();
    const outcome = await h.outcome();
    assert.deepEqual(outcome, { state: "killed", reason: "killed", message: "Task killed before it was started", exitCode: null, signal: null });
    assert.ok(timeline.has("vault.prestart.aborted"), "the prestart call's signal aborted");
    assert.ok(timeline.at("outcome") - killedAt < QUICK_MS, "the hook's 60 s deadline was not waited for");
    assert.equal(timeline.has("later.prestart"), false);
    assert.equal(timeline.has("running"), false);
    assert.equal(markers.exists("ran"), false);
    assert.deepEqual(phaseEntries(timeline, "preKill"), []);
    assert.deepEqual(phaseEntries(timeline, "exited"), []);
    assert.deepEqual(phaseEntries(timeline, "stop"), ["vault.stop", "vault.stop.end", "later.stop", "later.stop.end"]);
  });

  it("a shutdown during prestart ends with reason shutdown", async () => {
    const timeline = new Timeline();
    const h = harness(spec({ kind: "shell", script: "touch ran" }), { hooks: hooks(timeline, { vault: { prestart: { hang: true } } }) }, timeline);
    h.lifecycle.start();
    await timeline.wait("vault.prestart");
    h.lifecycle.kill({ cause: "shutdown" });
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    assert.equal(outcome.reason, "shutdown");
    assert.equal(markers.exists("ran"), false);
  });

  it("kill before start: killed without spawning or running any prestart / task hook", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { vault: { prestart: true, poststart: true, preKill: true, exited: true } });
    const h = harness(spec({ kind: "shell", script: "touch ran" }), { hooks: list }, timeline);
    h.lifecycle.kill();
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.deepEqual(outcome, { state: "killed", reason: "killed", message: "Task killed before it was started", exitCode: null, signal: null });
    assert.deepEqual(timeline.names(), ["outcome"]);
    assert.equal(markers.exists("ran"), false);
  });

  it("a repeated kill with a shorter grace during preKill is picked up when the stop signal is sent", async () => {
    const timeline = new Timeline();
    const hold = gate();
    const list = hooks(timeline, { lb: { preKill: { run: () => hold.promise } } });
    const h = harness(spec(script("ignores-sigterm.sh")), { hooks: list }, timeline);
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill({ gracePeriodMs: LONG_GRACE_MS });
    await timeline.wait("lb.preKill");
    h.lifecycle.kill({ gracePeriodMs: 200 });
    hold.open();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    assert.equal(outcome.process?.state, "killed");
    assert.ok(outcome.process?.state === "killed" && outcome.process.escalated, "SIGKILL after the shortened grace");
    assert.match(outcome.message, /after the 200 ms grace period/);
    assert.ok(timeline.at("outcome") - killedAt < QUICK_MS, "the 60 s grace was not waited out");
    assert.deepEqual(timeline.names("killing"), ["killing:requested"], "TASK_KILLING once");
  });

  it("a repeated kill with a shorter grace after the stop signal brings SIGKILL forward; a longer one changes nothing", async () => {
    const h = harness(spec(script("ignores-sigterm.sh")));
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill({ gracePeriodMs: LONG_GRACE_MS });
    await waitFor(() => h.logs.has("sending the stop signal"), { what: "the stop signal" });
    h.lifecycle.kill({ gracePeriodMs: 300 });
    h.lifecycle.kill({ gracePeriodMs: LONG_GRACE_MS });
    const outcome = await h.outcome();
    assert.ok(outcome.process?.state === "killed" && outcome.process.escalated);
    assert.ok(h.timeline.at("outcome") - killedAt < QUICK_MS, "the 60 s grace was not waited out");
  });

  it("a preKill hook that hangs never holds the stop signal beyond its deadline (hook.timeoutMs)", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { lb: { preKill: { hang: true }, timeoutMs: 500 }, after: { preKill: true } });
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    const signalAt = termAt();
    assert.ok(signalAt - killedAt >= 500 - MTIME_SLACK_MS, "the hook had its 500 ms");
    assert.ok(signalAt - killedAt < QUICK_MS, "the stop signal came at the deadline, not never");
    assert.ok(timeline.has("lb.preKill.aborted"), "the hook's signal aborted");
    assert.ok(timeline.has("after.preKill.end"), "the next preKill hook still ran");
    assert.deepEqual(h.outputs, [{ hook: "lb", phase: "preKill", line: 'preKill hook "lb" failed: no answer within 500 ms' }]);
  });

  it("the preKill deadline defaults to options.hookTimeoutMs.preKill; a failing preKill hook does not block the kill", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { lb: { preKill: { hang: true } }, consul: { preKill: { fail: "deregister failed" } } });
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list, hookTimeoutMs: { preKill: 400 } }, timeline);
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    assert.ok(termAt() - killedAt >= 400 - MTIME_SLACK_MS);
    assert.ok(termAt() - killedAt < QUICK_MS);
    assert.deepEqual(
      h.outputs.map((o) => o.line),
      ['preKill hook "lb" failed: no answer within 400 ms', 'preKill hook "consul" failed: deregister failed'],
    );
  });

  it("budgetMs compresses the drain: drainMs 10 s with a 1 s budget → the stop signal within ~1 s", async () => {
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { drainMs: 10_000 });
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill({ cause: "shutdown", budgetMs: 1_000 });
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    assert.equal(outcome.reason, "shutdown");
    assert.ok(termAt() - killedAt < 5_000, "well under the 10 s drain");
  });

  it("budgetMs compresses the grace: a task that ignores SIGTERM is SIGKILLed within the budget", async () => {
    const h = harness(spec(script("ignores-sigterm.sh")), { drainMs: 10_000 });
    h.lifecycle.start();
    await markers.pids("ready");
    const killedAt = Date.now();
    h.lifecycle.kill({ cause: "shutdown", budgetMs: 1_500 });
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    assert.equal(outcome.reason, "shutdown");
    assert.ok(outcome.process?.state === "killed" && outcome.process.escalated);
    assert.ok(h.timeline.at("outcome") - killedAt < QUICK_MS, "well under the 10 s drain plus the 60 s grace");
  });

  it(
    "a kill with budgetMs still runs the preKill hooks (SHUTDOWN deregisters)",
    async () => {
      const timeline = new Timeline();
      const list = hooks(timeline, { consul: { preKill: true } });
      const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
      h.lifecycle.start();
      await markers.pids("ready");
      h.lifecycle.kill({ cause: "shutdown", budgetMs: 5_000 });
      await h.outcome();
      assert.deepEqual(h.outputs, []);
      assert.deepEqual(phaseEntries(timeline, "preKill"), ["consul.preKill", "consul.preKill.end"]);
    },
  );

  it(
    "budgetMs compresses a hanging preKill hook",
    async () => {
      const timeline = new Timeline();
      const list = hooks(timeline, { lb: { preKill: { hang: true }, timeoutMs: 20_000 } });
      const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
      h.lifecycle.start();
      await markers.pids("ready");
      const killedAt = Date.now();
      h.lifecycle.kill({ cause: "shutdown", budgetMs: 1_000 });
      await h.outcome();
      assert.ok(termAt() - killedAt < 5_000, "well under the hook's 20 s");
      assert.ok(timeline.has("lb.preKill"), "the hook was called");
      assert.ok(timeline.has("lb.preKill.aborted"), "its signal aborted at the compressed deadline");
      assert.equal(h.outputs.length, 1);
      assert.equal(h.outputs[0]!.line, `preKill hook "lb" failed: cut short: the kill's time budget ran out`);
    },
  );

  it(
    "a budget arriving during preKill cuts the preKill hooks short",
    async () => {
      const timeline = new Timeline();
      const list = hooks(timeline, { lb: { preKill: { hang: true }, timeoutMs: 10_000 } });
      const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
      h.lifecycle.start();
      await markers.pids("ready");
      h.lifecycle.kill();
      await timeline.wait("lb.preKill");
      const shutdownAt = Date.now();
      h.lifecycle.kill({ cause: "shutdown", budgetMs: 1_000 });
      await h.outcome();
      const signalAt = termAt();
      assert.ok(signalAt - shutdownAt < 3_000, `the stop signal within the 1 s shutdown budget, not after the hook's 10 s (came after ${Math.round(signalAt - shutdownAt)} ms)`);
    },
  );

  it(
    "a budget arriving during the drain cuts the drain short",
    async () => {
      const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { drainMs: 10_000 });
      h.lifecycle.start();
      await markers.pids("ready");
      h.lifecycle.kill();
      await waitFor(() => h.logs.has("draining before the stop signal"), { what: "the drain" });
      const shutdownAt = Date.now();
      h.lifecycle.kill({ cause: "shutdown", budgetMs: 1_000 });
      await h.outcome();
      const signalAt = termAt();
      assert.ok(signalAt - shutdownAt < 1_500, `the stop signal within the 1 s shutdown budget (came after ${Math.round(signalAt - shutdownAt)} ms)`);
    },
  );

  for (const { cause, detail, state, reason, message } of [
    { cause: "shutdown", detail: undefined, state: "killed", reason: "shutdown", message: "Task killed because the executor is shutting down. Command exited with status 0" },
    { cause: "group", detail: undefined, state: "killed", reason: "killed", message: "Task killed with its task group. Command exited with status 0" },
    {
      cause: "health",
      detail: "health check failed 3 times in a row: returned 503",
      state: "failed",
      reason: "health_check_failed",
      message: "Task killed because its health check failed: health check failed 3 times in a row: returned 503. Command exited with status 0",
    },
  ] as const) {
    it(`cause ${cause} → ${state} / ${reason}, with a message naming it`, async () => {
      const h = harness(spec(script("exits-later-on-sigterm.sh", "0")));
      h.lifecycle.start();
      await markers.pids("ready");
      h.lifecycle.kill({ cause }, detail);
      const outcome = await h.outcome();
      assert.deepEqual([outcome.state, outcome.reason, outcome.message], [state, reason, message]);
      assert.deepEqual(h.timeline.names("killing"), [`killing:${cause}`]);
    });
  }

  it("maxCompletionTimeMs → killed (cause max_completion_time), failed / max_completion_time", async () => {
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { maxCompletionTimeMs: 400 });
    const startedAt = Date.now();
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "max_completion_time");
    assert.equal(outcome.message, "Task killed because it reached its maximum completion time: it ran longer than 400 ms. Command exited with status 0");
    assert.deepEqual(h.timeline.names("killing"), ["killing:max_completion_time"]);
    assert.ok(h.timeline.at("killing:max_completion_time") - startedAt >= 390, "not before the limit");
    assert.equal(h.lifecycle.killCause, "max_completion_time");
  });

  it("under a budget the outcome comes before slow exited/stop hooks, which are cut at the budget's end", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { report: { exited: { hang: true }, timeoutMs: 60_000 }, cleanup: { stop: { hang: true }, timeoutMs: 60_000 } });
    const h = harness(spec(script("exits-later-on-sigterm.sh", "0")), { hooks: list }, timeline);
    h.lifecycle.start();
    await markers.pids("ready");
    h.lifecycle.kill({ cause: "shutdown", budgetMs: 1_500 });
    const outcome = await h.outcome();
    assert.equal(outcome.reason, "shutdown");
    await withTimeout(h.lifecycle.done, QUICK_MS, "the lifecycle's end, well under the hooks' 60 s");
    assertBefore(timeline, "outcome", "report.exited");
    assert.ok(timeline.has("report.exited.aborted"), "the exited hook was cut at the budget's end");
    assert.equal(timeline.has("cleanup.stop"), false, "no time was left for the stop hook: it was not started");
    assert.match(h.outputs.map((o) => o.line).join("\n"), /stop hook "cleanup" failed: skipped: the kill's time budget ran out/);
  });

  it("a budget arriving while the final hooks run reports the outcome at once and cuts them", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { cleanup: { stop: { hang: true }, timeoutMs: 60_000 } });
    const h = harness(spec(script("exits-with-code.sh", "0")), { hooks: list }, timeline);
    h.lifecycle.start();
    await timeline.wait("cleanup.stop");
    assert.equal(timeline.has("outcome"), false, "without a budget the outcome waits for the stop hooks");
    h.lifecycle.kill({ cause: "shutdown", budgetMs: 500 });
    const outcome = await h.outcome();
    assert.equal(outcome.state, "finished", "the task's own outcome stands");
    await withTimeout(h.lifecycle.done, QUICK_MS, "the lifecycle's end, well under the hook's 60 s");
    assert.ok(timeline.has("cleanup.stop.aborted"));
  });

  it("a 30-day maxCompletionTimeMs does not fire at once (setTimeout would clamp it to 1 ms)", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { probe: { poststart: { delayMs: 50 } } });
    const h = harness(spec(untilGo(0)), { hooks: list, maxCompletionTimeMs: 30 * 24 * 3600 * 1000 }, timeline);
    h.lifecycle.start();
    await timeline.wait("probe.poststart.end");
    assert.equal(h.timeline.names("killing").length, 0, "not killed 50 ms into a 30-day limit");
    writeFileSync(markers.file("go"), "");
    const outcome = await h.outcome();
    assert.equal(outcome.state, "finished");
  });

  it("kill after the outcome changes nothing", async () => {
    const timeline = new Timeline();
    const h = harness(spec(script("exits-with-code.sh", "0")), { hooks: hooks(timeline, { s: { preKill: true, stop: true } }) }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();
    h.lifecycle.kill();
    assert.equal((await h.lifecycle.outcome).state, outcome.state);
    assert.equal(outcome.state, "finished");
    assert.equal(timeline.names("killing").length, 0);
    assert.equal(timeline.count("s.preKill"), 0);
    assert.equal(timeline.count("s.stop"), 1);
  });
});

describe("TaskLifecycle: checks (health-server fixture as the task)", () => {
  const liveness = (port: number, more: Partial<HealthCheckSpec> = {}): HealthCheckSpec => ({
    probe: { kind: "http", scheme: "http", port, path: "/health" },
    delayMs: 0,
    intervalMs: 100,
    timeoutMs: 5_000,
    consecutiveFailures: 3,
    gracePeriodMs: 30_000,
    ...more,
  });

  it("a check that cannot start fails the task (it never runs unchecked with its healthy hooks skipped)", async () => {
    const timeline = new Timeline();
    const list = hooks(timeline, { lb: { healthy: true } });
    // A port out of range: front ends validate it first; this is the lifecycle's last line of defence.
    const h = harness(serverTask(await freePort()), { hooks: list, checks: { readiness: liveness(70_000) } }, timeline);
    h.lifecycle.start();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "internal");
    assert.match(outcome.message, /a check could not start/);
    assert.equal(timeline.has("lb.healthy"), false);
  });

  it("liveness: onHealth(true) once; ready and healthy hooks only after the first pass", async () => {
    const port = await freePort();
    const timeline = new Timeline();
    const list = hooks(timeline, { consul: { healthy: true, preKill: true } });
    // The server listens only after 700 ms: probes fail (inside the grace period) until then.
    const h = harness(serverTask(port, { START_DELAY_MS: "700" }), { hooks: list, checks: { liveness: liveness(port) } }, timeline);
    h.lifecycle.start();
    await timeline.wait("consul.healthy.end");
    assertBefore(timeline, "health:true", "ready");
    assertBefore(timeline, "ready", "consul.healthy");
    // A few more passing runs: still a single onHealth(true).
    const passed = h.logs.count("health check passed");
    await waitFor(() => h.logs.count("health check passed") >= passed + 3, { what: "three more passing health checks" });
    assert.deepEqual(timeline.names("health:"), ["health:true"]);
    assert.equal(h.healthMessages[0], `HTTP GET http://127.0.0.1:${port}/health returned 200`);
    h.lifecycle.kill();
    assert.equal((await h.outcome()).state, "killed");
    assert.equal(timeline.count("consul.healthy"), 1);
  });

  it("readiness: the healthy hooks wait for readiness even when liveness already passed", async () => {
    const port = await freePort();
    const timeline = new Timeline();
    writeFileSync(markers.file("fail"), ""); // /health answers 503 until the test removes this
    const list = hooks(timeline, { consul: { healthy: true } });
    const checks = {
      liveness: { ...liveness(port), probe: { kind: "tcp", port } } as HealthCheckSpec,
      readiness: liveness(port),
    };
    const h = harness(serverTask(port), { hooks: list, checks }, timeline);
    h.lifecycle.start();
    await timeline.wait("health:true");
    const failed = h.logs.count("readiness check failed");
    await waitFor(() => h.logs.count("readiness check failed") >= failed + 2, { what: "two failing readiness checks after liveness passed" });
    assert.equal(timeline.has("ready"), false, "not ready while the readiness check fails");
    assert.equal(timeline.has("consul.healthy"), false);
    rmSync(markers.file("fail"));
    await timeline.wait("consul.healthy.end");
    assertBefore(timeline, "health:true", "ready");
    assertBefore(timeline, "ready", "consul.healthy");
    h.lifecycle.kill();
    assert.equal((await h.outcome()).state, "killed");
  });

  it("a failing liveness check kills the task (cause health) with the check's message; no health news after the kill", async () => {
    const port = await freePort();
    const timeline = new Timeline();
    const list = hooks(timeline, { consul: { preKill: true, stop: true } });
    const h = harness(serverTask(port), { hooks: list, checks: { liveness: liveness(port, { consecutiveFailures: 2 }) } }, timeline);
    h.lifecycle.start();
    await timeline.wait("health:true");
    writeFileSync(markers.file("fail"), "");
    const outcome = await h.outcome();
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "health_check_failed");
    assert.equal(
      outcome.message,
      `Task killed because its health check failed: health check failed 2 times in a row: HTTP GET http://127.0.0.1:${port}/health returned 503. Command exited with status 0`,
    );
    assert.equal(h.lifecycle.killCause, "health");
    const killing = timeline.index("killing:health");
    assert.deepEqual(timeline.names("health:"), ["health:true", "health:false", "health:false"]);
    assert.ok(timeline.entries.slice(killing).every((e) => !e.what.startsWith("health:")), "no health news after the kill");
    assert.equal(list[0]!.calls.find((c) => c.phase === "preKill")!.context.cause, "health");
  });

  it("no onHealth / onCheck after kill(), while preKill hooks still run and the checks would change", async () => {
    const port = await freePort();
    const timeline = new Timeline();
    const list = hooks(timeline, {
      // Makes /health fail, then takes 600 ms: live checks (every 100 ms) would report both changes.
      lb: { preKill: { run: () => writeFileSync(markers.file("fail"), ""), delayMs: 600 } },
    });
    const check: CheckSpec = { probe: { kind: "http", scheme: "http", port, path: "/health" }, delayMs: 0, intervalMs: 100, timeoutMs: 5_000 };
    const h = harness(serverTask(port), { hooks: list, checks: { liveness: liveness(port, { consecutiveFailures: 1 }), check } }, timeline);
    h.lifecycle.start();
    await timeline.wait("health:true");
    await timeline.wait('check:{"kind":"http","statusCode":200}');
    h.lifecycle.kill();
    const outcome = await h.outcome();
    assert.equal(outcome.state, "killed");
    const killing = timeline.index("killing:requested");
    const after = timeline.entries.slice(killing).map((e) => e.what);
    assert.deepEqual(
      after.filter((w) => w.startsWith("health:") || w.startsWith("check:")),
      [],
      `no check news after kill(): ${after.join(", ")}`,
    );
  });

  it(
    "no onHealth / onKilling once the task's leader has exited (while its leftovers are stopped)",
    async () => {
      const port = await freePort();
      const timeline = new Timeline();
      const list = hooks(timeline, { consul: { preKill: true } });
      // The leader starts the server and a SIGTERM-ignoring child, then exits when told to; the runner then SIGTERMs
      // the leftovers (the server dies at once) and SIGKILLs the other one after a 3 s grace.
      const command: CommandSpec = {
        kind: "shell",
        script: [
          '"$NODE" "$SERVER" &',
          'READY_FILE="$PWD/sleeper" sh "$IGNORES" &',
          "while [ ! -e go ]; do sleep 0.02; done",
          "exit 0",
        ].join("\n"),
      };
      const env = markers.env({ PORT: String(port), NODE: process.execPath, SERVER: fixture("health-server.mjs"), IGNORES: fixture("ignores-sigterm.sh") });
      const h = harness(spec(command, { env, killGracePeriodMs: 3_000 }), { hooks: list, checks: { liveness: liveness(port) } }, timeline);
      h.lifecycle.start();
      await timeline.wait("health:true");
      await markers.pids("sleeper");
      writeFileSync(markers.file("go"), "");
      const outcome = await h.outcome();
      assert.equal(outcome.state, "finished", outcome.message);
      assert.deepEqual(timeline.names("health:"), ["health:true"], "no health news after the leader's exit");
      assert.deepEqual(timeline.names("killing"), [], "no kill path for a task that already exited");
      assert.equal(timeline.has("consul.preKill"), false);
    },
  );

  it("a generalized check (tcp) reports its status on change only", async () => {
    const port = await freePort();
    const check: CheckSpec = { probe: { kind: "tcp", port }, delayMs: 0, intervalMs: 100, timeoutMs: 5_000 };
    const h = harness(serverTask(port, { START_DELAY_MS: "500" }), { checks: { check } });
    const timeline = h.timeline;
    h.lifecycle.start();
    await timeline.wait('check:{"kind":"tcp","succeeded":true}');
    const runs = h.logs.count("check performed");
    await waitFor(() => h.logs.count("check performed") >= runs + 3, { what: "three more checks" });
    const reported = timeline.names("check:");
    assert.equal(reported.at(-1), 'check:{"kind":"tcp","succeeded":true}');
    assert.equal(reported.filter((r) => r.endsWith("true}")).length, 1, "an unchanged status is not reported again");
    reported.forEach((r, i) => assert.notEqual(r, reported[i - 1], "only changes are reported"));
    assert.deepEqual(timeline.names("health:"), [], "a check has no health semantics");
    assert.ok(timeline.has("ready"), "without liveness or readiness the task is ready at once");
    h.lifecycle.kill();
    assert.equal((await h.outcome()).state, "killed");
  });
});

describe("TaskLifecycle: stop hooks run exactly once, last", () => {
  /** Runs `drive` with a hook "s" that has only a stop phase, then checks that stop ran once and before the outcome. */
  async function stopOnce(
    taskSpec: TaskSpec,
    drive: (h: Harness) => Promise<void>,
    more: PhaseBehaviours = {},
    options: Omit<TaskLifecycleOptions, "events" | "logger" | "hooks"> = {},
  ): Promise<{ outcome: LifecycleOutcome; timeline: Timeline }> {
    const timeline = new Timeline();
    const h = harness(taskSpec, { ...options, hooks: hooks(timeline, { s: { stop: true, ...more } }) }, timeline);
    await drive(h);
    const outcome = await h.outcome();
    h.lifecycle.kill(); // a late kill must not run the path (or stop) again
    assert.equal(timeline.count("s.stop"), 1, `stop ran once; timeline: ${timeline.names().join(", ")}`);
    assertBefore(timeline, "s.stop.end", "outcome");
    return { outcome, timeline };
  }

  it("normal exit", async () => {
    const { outcome } = await stopOnce(spec(script("exits-with-code.sh", "0")), async (h) => h.lifecycle.start());
    assert.equal(outcome.state, "finished");
  });

  it("prestart failure", async () => {
    const { outcome } = await stopOnce(spec(script("exits-with-code.sh", "0")), async (h) => h.lifecycle.start(), { prestart: { fail: "nope" } });
    assert.equal(outcome.reason, "hook_failed");
  });

  it("kill during prestart", async () => {
    const { outcome } = await stopOnce(
      spec(script("exits-with-code.sh", "0")),
      async (h) => {
        h.lifecycle.start();
        await h.timeline.wait("s.prestart");
        h.lifecycle.kill();
      },
      { prestart: { hang: true } },
    );
    assert.equal(outcome.message, "Task killed before it was started");
  });

  it(
    "kill before start",
    async () => {
      const { outcome } = await stopOnce(spec(script("exits-with-code.sh", "0")), async (h) => {
        h.lifecycle.kill();
        h.lifecycle.start();
      });
      assert.equal(outcome.message, "Task killed before it was started");
    },
  );

  it("spawn failure", async () => {
    const { outcome, timeline } = await stopOnce(
      spec({ kind: "argv", file: "/nonexistent/berth-no-such-program", args: [] }),
      async (h) => h.lifecycle.start(),
      { poststart: true },
    );
    assert.equal(outcome.state, "failed");
    assert.equal(outcome.reason, "spawn_failed");
    assert.match(outcome.message, /^Failed to execute command: .*ENOENT/);
    assert.equal(timeline.has("running"), false);
    assert.equal(timeline.has("s.poststart"), false);
  });

  it("kill path", async () => {
    const { outcome } = await stopOnce(
      spec(script("exits-later-on-sigterm.sh", "0")),
      async (h) => {
        h.lifecycle.start();
        await markers.pids("ready");
        h.lifecycle.kill();
        h.lifecycle.kill({ gracePeriodMs: 1_000 });
      },
      { preKill: true },
    );
    assert.equal(outcome.state, "killed");
  });

  it("healthy hook failure", async () => {
    const { outcome } = await stopOnce(spec(script("exits-later-on-sigterm.sh", "0")), async (h) => h.lifecycle.start(), { healthy: { fail: "503" } });
    assert.equal(outcome.reason, "hook_failed");
  });
});
