import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { MarkerDir } from "../../test/helpers/fixtures.js";
import { LeftoverGuard } from "../../test/helpers/leftovers.js";
import { withTimeout } from "../../test/helpers/waitFor.js";
import type { Hook, HookContext } from "../core/hook.js";
import { TaskLifecycle, type LifecycleOutcome } from "../core/taskLifecycle.js";
import type { TaskOutcome } from "../core/taskOutcome.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { readProcStat } from "../process/procStat.js";
import { ExecHookError, execHook } from "./execHook.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
let lines: string[];
beforeEach(() => {
  markers = new MarkerDir();
  lines = [];
});
afterEach(() => {
  try {
    guard.assertNone();
  } finally {
    markers.remove();
  }
});

function task(extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    taskId: "web.1",
    name: "web",
    command: { kind: "argv", file: "true", args: [] },
    env: markers.env({ FOO: "from the task" }),
    cwd: markers.path,
    killGracePeriodMs: 1_000,
    stopSignal: "SIGTERM",
    ...extra,
  };
}

function context(signal: AbortSignal = AbortSignal.timeout(30_000)): HookContext {
  return { task: task(), signal, output: (line) => lines.push(line) };
}

const sh = (script: string): string[] => ["/bin/sh", "-c", script];
const settled = <T>(p: Promise<T>): Promise<T> => withTimeout(p, 20_000, "the hook call");

async function rejection(promise: Promise<unknown>): Promise<ExecHookError> {
  try {
    await settled(promise);
  } catch (error) {
    assert.ok(error instanceof ExecHookError, `expected an ExecHookError, got ${String(error)}`);
    return error;
  }
  assert.fail("the hook call should have failed");
}

describe("execHook", () => {
  it("runs argv with the task's env and cwd plus BERTH_* variables, and captures its output line by line", async () => {
    const hook = execHook({
      name: "show",
      phases: ["prestart"],
      argv: sh('echo "$BERTH_HOOK_PHASE|$BERTH_TASK_ID|$BERTH_TASK_NAME|$FOO|$EXTRA|$(pwd)"; echo "to stderr" >&2; printf "no newline"'),
      env: { EXTRA: "hook only" },
    });
    const result = await settled(hook.prestart!(context()));
    assert.deepEqual(result, { env: {} });
    assert.ok(lines.includes(`prestart|web.1|web|from the task|hook only|${markers.path}`), lines.join("\n"));
    assert.ok(lines.includes("to stderr"));
    assert.ok(lines.includes("no newline"));
    assert.equal(hook.poststart, undefined, "only the given phases are implemented");
  });

  it("never goes through a shell: arguments arrive exactly as given", async () => {
    const hook = execHook({ name: "args", phases: ["healthy"], argv: ["/bin/echo", "$HOME", "a;b", "`id`", "'q'"] });
    await settled(hook.healthy!(context()));
    assert.deepEqual(lines, ["$HOME a;b `id` 'q'"]);
  });

  it("tells preKill the kill cause, poststart the pid and exited the exit code", async () => {
    const hook = execHook({ name: "vars", phases: ["preKill", "poststart", "exited"], argv: sh('echo "$BERTH_HOOK_PHASE ${BERTH_KILL_CAUSE-}${BERTH_TASK_PID-}${BERTH_EXIT_CODE-}"') });
    const exited = Promise.resolve();
    await settled(hook.preKill!({ ...context(), cause: "health", exited }));
    await settled(hook.poststart!({ ...context(), pid: 4242 }));
    const outcome: TaskOutcome = { state: "failed", exitCode: 3, signal: null, cause: "exit", message: "Command exited with status 3" };
    await settled(hook.exited!({ ...context(), outcome }));
    assert.deepEqual(lines, ["preKill health", "poststart 4242", "exited 3"]);
  });

  it("rejects with the exit status and the last stderr line", async () => {
    const hook = execHook({ name: "fails", phases: ["prestart"], argv: sh('echo "first problem" >&2; echo "the real problem" >&2; echo; exit 3') });
    const error = await rejection(hook.prestart!(context()));
    assert.equal(error.code, "EXEC_HOOK_EXIT_STATUS");
    assert.equal(error.message, "/bin/sh exited with status 3: the real problem");
    assert.ok(lines.includes("first problem"), "stderr is output too");
  });

  it("truncates a long stderr line in the message", async () => {
    const hook = execHook({ name: "long", phases: ["stop"], argv: sh("printf '%0500d\\n' 0 >&2; exit 1") });
    const error = await rejection(hook.stop!(context()));
    assert.match(error.message, /^\/bin\/sh exited with status 1: 0{200}…$/);
  });

  it("reports a death by signal", async () => {
    const hook = execHook({ name: "dies", phases: ["stop"], argv: sh("kill -USR1 $$") });
    const error = await rejection(hook.stop!(context()));
    assert.equal(error.message, "/bin/sh terminated by signal SIGUSR1");
  });

  it("on its deadline SIGKILLs the hook's whole process group at once and says it timed out", async () => {
    // The hook's leader and a background child both ignore SIGTERM: only SIGKILL of the group stops them at once.
    const script = `trap '' TERM; sleep 600 & echo "$$ $!" > "${markers.file("ready")}.tmp"; mv "${markers.file("ready")}.tmp" "${markers.file("ready")}"; wait`;
    const hook = execHook({ name: "hangs", phases: ["prestart"], argv: sh(script), timeoutMs: 400 });
    const controller = new AbortController();
    const call = hook.prestart!(context(controller.signal));
    const pids = await markers.pids("ready");
    for (const pid of pids) guard.watchPid(pid);
    guard.watchGroup(pids[0]!);
    controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    const error = await rejection(call);
    assert.equal(error.code, "EXEC_HOOK_TIMEOUT");
    assert.match(error.message, /timed out after 400 ms/);
    for (const pid of pids) {
      const state = readProcStat(pid)?.state;
      assert.ok(state === undefined || state === "Z", `pid ${pid} is gone (state ${state})`);
    }
  });

  it("says how long it ran when it has no timeout of its own", async () => {
    const hook = execHook({ name: "hangs", phases: ["healthy"], argv: ["sleep", "600"] });
    const error = await rejection(hook.healthy!(context(AbortSignal.timeout(300))));
    assert.match(error.message, /^sleep timed out after \d+ ms/);
  });

  it("a cancellation (kill during prestart) is not called a timeout", async () => {
    const hook = execHook({ name: "hangs", phases: ["prestart"], argv: ["sleep", "600"] });
    const controller = new AbortController();
    const call = hook.prestart!(context(controller.signal));
    setImmediate(() => controller.abort());
    const error = await rejection(call);
    assert.equal(error.code, "EXEC_HOOK_CANCELLED");
  });

  it("kills what the hook left running once it exits", async () => {
    const hook = execHook({ name: "daemon", phases: ["poststart"], argv: sh(`sleep 600 & echo $! > "${markers.file("child")}"`) });
    await settled(hook.poststart!({ ...context(), pid: 1 }));
    const [child] = await markers.pids("child");
    guard.watchPid(child!);
    const state = readProcStat(child!)?.state;
    assert.ok(state === undefined || state === "Z", `the background child is gone (state ${state})`);
  });

  it("a prestart hook's BERTH_ENV lines become the task's env and are never echoed", async () => {
    const hook = execHook({
      name: "secrets",
      phases: ["prestart"],
      argv: sh("echo 'fetching'; echo 'BERTH_ENV DB_PASSWORD=s3cr=t value'; echo 'BERTH_ENV EMPTY='; printf 'BERTH_ENV CRLF=x\\r\\n'"),
    });
    const result = await settled(hook.prestart!(context()));
    assert.deepEqual(result, { env: { DB_PASSWORD: "s3cr=t value", EMPTY: "", CRLF: "x" } });
    assert.deepEqual(lines, ["fetching"]);
  });

  it("a very long BERTH_ENV value is put back together, and nothing of it is output", async () => {
    const hook = execHook({ name: "cert", phases: ["prestart"], argv: sh("printf 'BERTH_ENV CERT=%010000d\\n' 7; echo done") });
    const result = await settled(hook.prestart!(context()));
    assert.equal(result?.env?.CERT, `${"0".repeat(9_999)}7`);
    assert.deepEqual(lines, ["done"]);
  });

  it("rejects a BERTH_ENV line with an invalid name without showing its value", async () => {
    const hook = execHook({ name: "bad", phases: ["prestart"], argv: sh("echo 'BERTH_ENV 1BAD=secret-value'") });
    const error = await rejection(hook.prestart!(context()));
    assert.equal(error.code, "EXEC_HOOK_INVALID_ENV");
    assert.match(error.message, /invalid variable name "1BAD"/);
    assert.doesNotMatch(error.message, /secret-value/);
    assert.deepEqual(lines, []);
  });

  it("outside prestart, BERTH_ENV lines are ignored (and still not echoed)", async () => {
    const hook = execHook({ name: "late", phases: ["healthy"], argv: sh("echo 'BERTH_ENV TOKEN=secret-value'") });
    await settled(hook.healthy!(context()));
    assert.deepEqual(lines, ["ignored BERTH_ENV TOKEN: only a prestart hook can set the task's environment"]);
  });

  it("a missing executable is an error with ENOENT, by path and by PATH lookup", async () => {
    for (const program of ["/nonexistent/warm.sh", "berth-no-such-program"]) {
      const hook = execHook({ name: "missing", phases: ["prestart"], argv: [program, "--fast"] });
      const error = await rejection(hook.prestart!(context()));
      assert.equal(error.code, "EXEC_HOOK_SPAWN_FAILED");
      assert.equal(error.errno, "ENOENT");
      assert.match(error.message, new RegExp(`could not run ${program}: .*ENOENT`));
    }
  });

  it("refuses invalid options with every problem", () => {
    assert.throws(
      () => execHook({ name: "", phases: ["later" as "stop"], argv: [], timeoutMs: -1, env: { "A B": "x" } }),
      (error: unknown) =>
        error instanceof ExecHookError &&
        error.code === "EXEC_HOOK_INVALID" &&
        ["name", 'unknown phase "later"', "argv", "timeoutMs", '"A B"'].every((part) => error.message.includes(part)),
    );
  });

  it("works in a real lifecycle: its env reaches the task; its failure fails the task, naming the hook", async () => {
    const env = execHook({ name: "vault", phases: ["prestart"], argv: sh("echo 'BERTH_ENV GREETING=hi from vault'") });
    const out = markers.file("task-out");
    const spec = task({ command: { kind: "argv", file: "/bin/sh", args: ["-c", `echo "$GREETING" > "${out}"`] } });
    const ok = await settled(runLifecycle(spec, [env]));
    assert.equal(ok.state, "finished");
    assert.equal(readFileSync(out, "utf8"), "hi from vault\n");

    const failing = execHook({ name: "check-cert", phases: ["prestart"], argv: sh("echo 'certificate expired' >&2; exit 4") });
    const failed = await settled(runLifecycle(spec, [failing]));
    assert.equal(failed.reason, "hook_failed");
    assert.equal(failed.message, 'prestart hook "check-cert" failed: /bin/sh exited with status 4: certificate expired');
  });
});

/** Runs a lifecycle with these hooks, the task's output discarded. */
function runLifecycle(spec: TaskSpec, hooks: Hook[]): Promise<LifecycleOutcome> {
  const lifecycle = new TaskLifecycle(spec, { hooks, runner: { stdout: "ignore", stderr: "ignore" } });
  lifecycle.start();
  return lifecycle.outcome;
}
