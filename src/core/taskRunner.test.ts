import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixture, MarkerDir, fixtureCommand, LONG_GRACE_MS, markerTaskSpec } from "../../test/helpers/fixtures.js";
import { checkEachTest, LeftoverGuard } from "../../test/helpers/leftovers.js";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import { readProcStat } from "../process/procStat.js";
import { TaskRunner, type TaskOutcome } from "./taskRunner.js";
import type { CommandSpec, TaskSpec } from "./taskSpec.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
checkEachTest(guard, (fresh) => (markers = fresh));

const script = fixtureCommand;

const spec = (command: CommandSpec, more: Partial<TaskSpec> = {}): TaskSpec => markerTaskSpec(markers, command, more);

type Killed = Extract<TaskOutcome, { state: "killed" }>;
function assertKilled(result: TaskOutcome): asserts result is Killed {
  assert.equal(result.state, "killed", result.message);
}

/** A runner whose events are recorded, whose group is watched for leftovers, with the task's output discarded. */
function runner(taskSpec: TaskSpec): { runner: TaskRunner; events: string[]; outcome: () => Promise<TaskOutcome> } {
  const events: string[] = [];
  const r = new TaskRunner(
    taskSpec,
    {
      onRunning: (pid) => {
        guard.watchGroup(pid);
        events.push("running");
      },
      onKilling: () => events.push("killing"),
    },
    { stdout: "ignore", stderr: "ignore" },
  );
  // Generous: even an escalation after a short grace fits easily; a test that waits LONG_GRACE_MS fails here.
  return { runner: r, events, outcome: () => withTimeout(r.outcome, 45_000, "the task outcome") };
}

describe("TaskRunner: piped output", () => {
  it("onStreams gets the piped streams before onRunning, with every byte the task wrote", async () => {
    const events: string[] = [];
    let out = "";
    let err = "";
    const ended: Promise<void>[] = [];
    const r = new TaskRunner(
      spec({ kind: "shell", script: "printf 'one\\ntwo'; printf 'oops' >&2" }),
      { onRunning: (pid) => (guard.watchGroup(pid), events.push("running")) },
      {
        stdout: "pipe",
        stderr: "pipe",
        onStreams: (stdout, stderr) => {
          events.push("streams");
          for (const [stream, add] of [[stdout, (t: string) => (out += t)], [stderr, (t: string) => (err += t)]] as const) {
            assert.ok(stream);
            stream.setEncoding("utf8");
            stream.on("data", add);
            ended.push(new Promise((resolve) => stream.on("end", () => resolve())));
          }
        },
      },
    );
    r.start();
    assert.equal((await withTimeout(r.outcome, 45_000, "the outcome")).state, "finished");
    await withTimeout(Promise.all(ended), 10_000, "the end of both streams");
    assert.deepEqual(events, ["streams", "running"]);
    assert.equal(out, "one\ntwo");
    assert.equal(err, "oops");
  });
});

describe("TaskRunner: the task ends on its own", () => {
  it("exit 0 → finished", async () => {
    const { runner: r, events, outcome } = runner(spec(script("exits-with-code.sh", "0")));
    r.start();
    assert.deepEqual(await outcome(), { state: "finished", exitCode: 0, message: "Command exited with status 0" });
    assert.deepEqual(events, ["running"]);
    assert.equal(r.state, "done");
  });

  it("non-zero exit → failed", async () => {
    const { runner: r, outcome } = runner(spec(script("exits-with-code.sh", "3")));
    r.start();
    assert.deepEqual(await outcome(), {
      state: "failed",
      exitCode: 3,
      signal: null,
      cause: "exit",
      message: "Command exited with status 3",
    });
  });

  it("death by a signal → failed with 128 + n", async () => {
    const { runner: r, outcome } = runner(spec({ kind: "shell", script: "kill -USR1 $$" }));
    r.start();
    assert.deepEqual(await outcome(), {
      state: "failed",
      exitCode: 138,
      signal: "SIGUSR1",
      cause: "signal",
      message: "Command terminated with signal SIGUSR1 (10)",
    });
  });

  it("shell command not found → failed with 127", async () => {
    const { runner: r, outcome } = runner(spec({ kind: "shell", script: "berth-no-such-command" }));
    r.start();
    const result = await outcome();
    assert.equal(result.state, "failed");
    assert.equal(result.exitCode, 127);
  });

  it("argv file not found → failed to execute, 127", async () => {
    const { runner: r, events, outcome } = runner(spec({ kind: "argv", file: "/nope", args: [] }));
    r.start();
    assert.deepEqual(await outcome(), {
      state: "failed",
      exitCode: 127,
      signal: null,
      cause: "spawn",
      message: "Failed to execute command: spawn /nope ENOENT",
    });
    assert.deepEqual(events, []);
  });

  it("leftover children are stopped (SIGTERM first) before the outcome", async () => {
    const { runner: r, outcome } = runner(spec(script("spawns-grandchild.sh", "exit", "0")));
    r.start();
    const [child, grandchild] = await markers.pids("ready");
    guard.watchPid(child!);
    guard.watchPid(grandchild!);
    assert.deepEqual(await outcome(), { state: "finished", exitCode: 0, message: "Command exited with status 0" });
    assert.ok(markers.exists("term"), "the child got the stop signal");
  });

  it("leftover children that ignore SIGTERM are SIGKILLed after the grace", async () => {
    const command: CommandSpec = {
      kind: "shell",
      script: `sh ${fixture("ignores-sigterm.sh")} & while [ ! -e "$READY_FILE" ]; do sleep 0.02; done; exit 3`,
    };
    const { runner: r, outcome } = runner(spec(command, { killGracePeriodMs: 300 }));
    r.start();
    const [child] = await markers.pids("ready");
    guard.watchPid(child!);
    const result = await outcome();
    assert.equal(result.state, "failed");
    assert.equal(result.exitCode, 3);
    assert.equal(readProcStat(child!)?.state ?? "Z", "Z", "the child is gone");
  });

  it("kill after the leader's exit only shortens the leftovers' grace", async () => {
    const command: CommandSpec = {
      kind: "shell",
      script: `sh ${fixture("ignores-sigterm.sh")} & while [ ! -e "$READY_FILE" ]; do sleep 0.02; done; exit 3`,
    };
    const { runner: r, events, outcome } = runner(spec(command));
    r.start();
    await waitFor(() => r.state === "exited", { what: "the leader to exit" });
    const killedAt = performance.now();
    r.kill({ gracePeriodMs: 0 });
    const result = await outcome();
    assert.equal(result.state, "failed");
    assert.equal(result.exitCode, 3);
    assert.ok(performance.now() - killedAt < LONG_GRACE_MS / 2, "the leftovers' grace was shortened");
    assert.deepEqual(events, ["running"]);
  });
});

describe("TaskRunner: kill", () => {
  it("a task that exits on SIGTERM → killed, without waiting for the grace", async () => {
    const { runner: r, events, outcome } = runner(spec(script("exits-later-on-sigterm.sh", "0")));
    r.start();
    await markers.pids("ready");
    const killedAt = performance.now();
    r.kill();
    const result = await outcome();
    assert.ok(performance.now() - killedAt < 10_000, "did not wait for the grace period");
    assert.deepEqual(result, {
      state: "killed",
      exitCode: 0,
      signal: null,
      escalated: false,
      message: "Command exited with status 0",
    });
    assert.deepEqual(events, ["running", "killing"]);
    assert.ok(markers.exists("term"));
  });

  it("a task that ignores SIGTERM is SIGKILLed after the grace (escalated)", async () => {
    const { runner: r, outcome } = runner(spec(script("ignores-sigterm.sh"), { killGracePeriodMs: 300 }));
    r.start();
    await markers.pids("ready");
    r.kill();
    assert.deepEqual(await outcome(), {
      state: "killed",
      exitCode: 137,
      signal: "SIGKILL",
      escalated: true,
      message: "Command terminated with signal SIGKILL (9); processes still running after the 300 ms grace period were killed with SIGKILL",
    });
  });

  it("uses the task's stop signal", async () => {
    // ignores-sigterm ignores only SIGTERM: SIGINT stops it at once.
    const { runner: r, outcome } = runner(spec(script("ignores-sigterm.sh"), { stopSignal: "SIGINT" }));
    r.start();
    await markers.pids("ready");
    r.kill();
    const result = await outcome();
    assertKilled(result);
    assert.equal(result.signal, "SIGINT");
    assert.equal(result.escalated, false);
  });

  it("a repeated kill with a shorter grace brings SIGKILL forward", async () => {
    const { runner: r, events, outcome } = runner(spec(script("ignores-sigterm.sh")));
    r.start();
    await markers.pids("ready");
    const killedAt = performance.now();
    r.kill({ gracePeriodMs: LONG_GRACE_MS });
    r.kill({ gracePeriodMs: 200 });
    const result = await outcome();
    assert.ok(performance.now() - killedAt < LONG_GRACE_MS / 2);
    assertKilled(result);
    assert.equal(result.escalated, true);
    assert.deepEqual(events, ["running", "killing"], "TASK_KILLING only once");
  });

  it("a repeated kill with a longer grace changes nothing", async () => {
    const { runner: r, outcome } = runner(spec(script("ignores-sigterm.sh")));
    r.start();
    await markers.pids("ready");
    const killedAt = performance.now();
    r.kill({ gracePeriodMs: 300 });
    r.kill({ gracePeriodMs: LONG_GRACE_MS });
    const result = await outcome();
    assert.ok(performance.now() - killedAt < LONG_GRACE_MS / 2);
    assertKilled(result);
    assert.equal(result.escalated, true);
  });

  it("MESOS-6933: the outcome waits for the shell's child, which got SIGTERM", async () => {
    const { runner: r, outcome } = runner(spec(script("shell-with-child.sh", "1")));
    r.start();
    await markers.pids("ready");
    r.kill();
    const result = await outcome();
    assert.ok(markers.exists("term"), "the child got SIGTERM");
    assert.ok(markers.exists("done"), "the child had finished its graceful exit before the outcome");
    assert.deepEqual(result, {
      state: "killed",
      exitCode: 143,
      signal: "SIGTERM",
      escalated: false,
      message: "Command terminated with signal SIGTERM (15)",
    });
  });

  it("a grandchild that escaped with setsid gets the stop signal too", async () => {
    const { runner: r, outcome } = runner(spec(script("setsid-grandchild.sh")));
    r.start();
    const [escapee, sleeper] = await markers.pids("ready");
    guard.watchPid(escapee!);
    guard.watchPid(sleeper!);
    assert.notEqual(readProcStat(escapee!)?.session, r.pid, "the grandchild left the task's session");
    r.kill();
    const result = await outcome();
    assertKilled(result);
    assert.equal(result.escalated, false);
    assert.ok(markers.exists("term"), "the escapee got SIGTERM");
  });

  it("a grandchild that escaped with setsid and ignores SIGTERM is SIGKILLed", async () => {
    const command: CommandSpec = { kind: "shell", script: `setsid sh ${fixture("ignores-sigterm.sh")} & wait` };
    const { runner: r, outcome } = runner(spec(command, { killGracePeriodMs: 300 }));
    r.start();
    const [escapee] = await markers.pids("ready");
    guard.watchPid(escapee!);
    r.kill();
    const result = await outcome();
    // The leader (sh) dies of SIGTERM at once; only the escapee needed SIGKILL.
    assertKilled(result);
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.escalated, true);
  });

  it("kill before start: nothing is spawned, the outcome is killed", async () => {
    const { runner: r, events, outcome } = runner(spec({ kind: "shell", script: "touch ran" }));
    r.kill();
    r.start();
    assert.deepEqual(await outcome(), {
      state: "killed",
      exitCode: null,
      signal: null,
      escalated: false,
      message: "Task killed before it was started",
    });
    assert.deepEqual(events, []);
    assert.equal(markers.exists("ran"), false);
  });

  it("kill while starting is applied as soon as the process exists", async () => {
    const { runner: r, events, outcome } = runner(spec(script("ignores-sigterm.sh"), { killGracePeriodMs: 300 }));
    r.start();
    assert.equal(r.state, "starting");
    r.kill();
    assertKilled(await outcome());
    assert.deepEqual(events, ["running", "killing"]);
  });

  it("kill after the exit is a no-op", async () => {
    const { runner: r, events, outcome } = runner(spec(script("exits-with-code.sh", "0")));
    r.start();
    assert.equal((await outcome()).state, "finished");
    r.kill();
    assert.equal((await r.outcome).state, "finished");
    assert.deepEqual(events, ["running"]);
  });
});
