// CommandInfo.user: the task runs with the user's whole group list, as Mesos sets it (initgroups), not only the
// primary group. Needs root (Berth switches users only then) and a user with a supplementary group.
import assert from "node:assert/strict";
import { chmodSync } from "node:fs";
import { describe, test } from "node:test";
import { shellTask, withBerth } from "../helpers/berthHarness.js";
import { userWithSupplementaryGroup } from "../helpers/fixtures.js";

const user = process.getuid?.() === 0 ? userWithSupplementaryGroup() : undefined;
const skip = process.getuid?.() !== 0 ? "needs root" : user === undefined ? "no user with a supplementary group" : false;

/** Fields of a /proc/<pid>/status text, e.g. "Groups" → "103 104". */
function statusField(status: string, field: string): number[] {
  const line = status.split("\n").find((l) => l.startsWith(`${field}:`));
  assert.ok(line !== undefined, `no ${field} line in /proc/<pid>/status`);
  return line.slice(field.length + 1).trim().split(/\s+/).filter(Boolean).map(Number);
}

describe("CommandInfo.user", () => {
  test("the task runs with the user's supplementary groups, and with every uid (real, effective, saved) switched", { skip }, () =>
    withBerth({}, async ({ executor, markers }) => {
      chmodSync(markers.path, 0o777); // the task writes its status here as that user
      const out = markers.file("status");
      // The credentials of a process of the task (cat inherits them from the shell).
      executor.launch(
        shellTask("groups", `cat /proc/self/status > '${out}.tmp' && mv '${out}.tmp' '${out}'`, { command: { user: user!.name } }),
      );
      const done = await executor.waitForUpdate(
        (s) => s.task_id.value === "groups" && (s.state === "TASK_FINISHED" || s.state === "TASK_FAILED"),
        { timeoutMs: 30_000 },
      );
      assert.equal(done.state, "TASK_FINISHED", done.message);
      const status = await markers.text("status");
      assert.deepEqual(
        statusField(status, "Groups").sort((a, b) => a - b),
        [...user!.groups].sort((a, b) => a - b),
        `the task's groups are ${user!.name}'s (id -G)`,
      );
      assert.deepEqual(statusField(status, "Uid"), [user!.uid, user!.uid, user!.uid, user!.uid], "real, effective, saved and fs uid");
      const gid = user!.groups[0]!; // id -G lists the primary group first
      assert.deepEqual(statusField(status, "Gid"), [gid, gid, gid, gid], "real, effective, saved and fs gid");
    }));
});
