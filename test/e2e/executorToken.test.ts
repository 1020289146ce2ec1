// The agent's executor token must be out of reach of the task: a task running as the executor's user tries every
// place an attacker would look (the executor's /proc entries, every process's environ and cmdline, its own and the
// executor's descriptors, the sandbox) while the executor, started through bin/berth-executor as a framework starts
// it, keeps authenticating with that token.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { ExecutorHandle } from "../../src/agent/index.js";
import { BERTH_EXECUTOR, BERTH_MAIN, shellTask, withBerth } from "../helpers/berthHarness.js";
import { waitFor } from "../helpers/waitFor.js";

const SECTION = "@@attack@@";

/**
 * A sh script that dumps everything it can read into `dump`, each source after a `@@attack@@ <source>` line.
 * Descriptors are read without blocking (dd iflag=nonblock), from a fresh open of /proc/<pid>/fd/<n>. Two kinds are
 * listed but not read, because reading them would break the test, not the secret: eventfds and epoll (anon inodes),
 * and a pipe the same process holds both ends of (the executor's own wakeup channels: consuming their bytes loses its
 * signals) or only the write end of (a pipe of some other program leaked to us, whose reader we would rob). A pipe
 * held only as a read end, the shape of the token's pipe, is read.
 */
function attackScript(dump: string): string {
  return `
d='${dump}'
s() { printf '\\n%s %s\\n' '${SECTION}' "$1" >>"$d"; }
s "own environment"; env >>"$d"
for p in /proc/[0-9]*; do
  s "$p/environ"; cat "$p/environ" >>"$d" 2>/dev/null
  s "$p/cmdline"; cat "$p/cmdline" >>"$d" 2>/dev/null
done
for f in /proc/$PPID/task/*/environ; do s "$f"; cat "$f" >>"$d" 2>/dev/null; done
for p in $$ $PPID; do
  links=$(ls -l /proc/$p/fd/)
  for f in /proc/$p/fd/*; do
    target=$(readlink "$f") || continue
    flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$p/fdinfo/\${f##*/}")
    case "$target" in
      anon_inode:*) s "$f -> $target (not read)"; continue ;;
      pipe:*)
        if [ $((0$flags & 3)) -ne 0 ] || [ "$(printf '%s\\n' "$links" | grep -cF " $target")" -ne 1 ]; then
          s "$f -> $target (not read)"; continue
        fi ;;
    esac
    # of=, not >>: dash redirects in the shell itself, and /proc/$$/fd/1 would then be the dump.
    s "$f -> $target"; dd if="$f" iflag=nonblock bs=65536 count=16 status=none of="$d" oflag=append conv=notrunc 2>/dev/null
  done
done
find . -type f | while read -r f; do s "sandbox $f"; cat "$f" >>"$d" 2>/dev/null; done
s "parent $PPID"
s end
`;
}

/** Source → what was read from it. */
function sections(dump: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of dump.split(`\n${SECTION} `).slice(1)) {
    const newline = part.indexOf("\n");
    found.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return found;
}

/** Runs the attack as a task of `executor`; returns what it read, once the task has finished. */
async function attack(executor: ExecutorHandle, dumpFile: string): Promise<Map<string, string>> {
  executor.launch(shellTask("attacker", attackScript(dumpFile)));
  const done = await executor.waitForUpdate((s) => s.task_id.value === "attacker" && ["TASK_FINISHED", "TASK_FAILED"].includes(s.state), { timeoutMs: 60_000 });
  assert.equal(done.state, "TASK_FINISHED", done.message);
  const read = sections(readFileSync(dumpFile, "latin1"));
  assert.ok(read.has("end"), "the attack ran to its end");
  return read;
}

function assertNowhere(read: Map<string, string>, token: string): void {
  const leaks = [...read].filter(([, content]) => content.includes(token)).map(([source]) => source);
  assert.deepEqual(leaks, [], "sources from which the task read the token");
}

describe("the agent's token is out of the task's reach", () => {
  test("through bin/berth-executor: in no environ, cmdline, descriptor or sandbox file the task can read; the executor still authenticates", () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" }, launch: { command: { argv: [BERTH_EXECUTOR] } } }, async ({ executor, markers }) => {
      const token = executor.authToken;
      assert.ok(token, "the agent issued a token");
      const read = await attack(executor, markers.file("dump"));

      // The attack really read the executor's side (else "no token" would prove nothing).
      const parent = [...read.keys()].find((source) => source.startsWith("parent "))?.slice("parent ".length);
      assert.equal(parent, String(executor.pid), "the task is the executor's child");
      assert.match(read.get(`/proc/${parent}/environ`) ?? "", /MESOS_EXECUTOR_ID=/, "read the executor's environ");
      assert.match(read.get(`/proc/${parent}/cmdline`) ?? "", /main\.js\0executor/, "read the executor's cmdline");
      assert.ok([...read.keys()].some((source) => source.startsWith(`/proc/${parent}/fd/1 -> `)), "listed the executor's descriptors");
      assert.ok([...read.keys()].some((source) => source === "sandbox ./stderr"), "read the sandbox");

      assertNowhere(read, token);
      assert.doesNotMatch(read.get(`/proc/${parent}/environ`) ?? "", /MESOS_EXECUTOR_AUTHENTICATION_TOKEN/);
      assert.ok(executor.calls.length > 0 && executor.calls.every((c) => c.status !== 401 && c.status !== 403), "every call was authenticated");
      assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
    }));

  test("`berth executor` started directly with the token in its environment warns once, naming the risk and the fix", () =>
    withBerth({ agent: { executorSecretKey: "agent-secret" }, launch: { command: { argv: [process.execPath, BERTH_MAIN, "executor"] } } }, async ({ executor }) => {
      executor.launch(shellTask("t", "exec sleep 600"));
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 30_000 });
      // While the task runs: where Node can re-exec, the executor's image must no longer carry the token.
      const environ = readFileSync(`/proc/${executor.pid}/environ`, "latin1");
      assert.match(environ, /MESOS_EXECUTOR_ID=/, "read the executor's environ");
      if (typeof (process as { execve?: unknown }).execve === "function") assert.doesNotMatch(environ, /MESOS_EXECUTOR_AUTHENTICATION_TOKEN/);
      executor.kill("t");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 30_000 });
      assert.equal((await executor.waitForExit({ timeoutMs: 30_000 })).code, 0);
      assert.ok(executor.calls.every((c) => c.status !== 401 && c.status !== 403), "every call was authenticated");
      const stderr = await waitFor(() => readFileSync(`${executor.sandbox}/stderr`, "utf8"), { what: "the executor's stderr" });
      assert.ok(executor.authToken && !stderr.includes(executor.authToken), "the token is not logged");
      const warnings = stderr.split("\n").filter((line) => line.includes("/proc/<pid>/environ"));
      if (typeof (process as { execve?: unknown }).execve === "function") {
        // Node ≥ 22.15 re-execs through the hand-over: nothing to warn about.
        assert.deepEqual(warnings, []);
      } else {
        assert.equal(warnings.length, 1, stderr);
        assert.match(warnings[0] ?? "", /level=warn .*MESOS_EXECUTOR_AUTHENTICATION_TOKEN.*same user.*bin\/berth-executor/);
      }
    }));
});
