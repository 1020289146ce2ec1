// The attack of test/e2e/executorToken.test.ts, shared with the packaged artifacts' test: a task running as the
// executor's user reads every place an attacker would look for the agent's token.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { ExecutorHandle } from "../../src/agent/index.js";
import { shellTask } from "./berthHarness.js";

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
export async function attack(executor: ExecutorHandle, dumpFile: string): Promise<Map<string, string>> {
  executor.launch(shellTask("attacker", attackScript(dumpFile)));
  const done = await executor.waitForUpdate((s) => s.task_id.value === "attacker" && ["TASK_FINISHED", "TASK_FAILED"].includes(s.state), { timeoutMs: 60_000 });
  assert.equal(done.state, "TASK_FINISHED", done.message);
  const read = sections(readFileSync(dumpFile, "latin1"));
  assert.ok(read.has("end"), "the attack ran to its end");
  return read;
}

export function assertNowhere(read: Map<string, string>, token: string): void {
  const leaks = [...read].filter(([, content]) => content.includes(token)).map(([source]) => source);
  assert.deepEqual(leaks, [], "sources from which the task read the token");
}
