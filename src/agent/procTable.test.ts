import assert from "node:assert/strict";
import { test } from "node:test";
import { containerProcesses, parseProcStat, type ProcEntry } from "./procTable.js";

test("parses /proc/<pid>/stat even when comm has spaces and parentheses", () => {
  const entry = parseProcStat("4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 0 0");
  assert.deepEqual(entry, { pid: 4242, ppid: 1, pgid: 4242, sid: 4242, state: "S", comm: "my (odd) name" });
});

test("a container is the group, the session and live descendants, without zombies", () => {
  const p = (pid: number, ppid: number, pgid: number, sid: number, state = "S"): ProcEntry => ({ pid, ppid, pgid, sid, state, comm: "x" });
  const table = [p(100, 1, 100, 100), p(101, 100, 100, 100), p(102, 101, 102, 102), p(103, 1, 103, 100), p(104, 1, 100, 100, "Z"), p(200, 1, 200, 200)];
  assert.deepEqual(containerProcesses(100, table).map((e) => e.pid), [100, 101, 102, 103]);
});
