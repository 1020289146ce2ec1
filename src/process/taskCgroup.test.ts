import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import { cgroupDirectory, ownCgroupDirectory, parseCgroup2Mounts, parseUnifiedCgroupPath, TaskCgroup } from "./taskCgroup.js";
import { cgroupAvailable } from "../../test/helpers/cgroupAvailable.js";

const MOUNTINFO = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw",
  "52 30 0:40 /docker/abc /mnt/with\\040space ro,relatime - cgroup2 cgroup2 rw",
].join("\n");

describe("finding this process's cgroup v2 directory", () => {
  it("lists the cgroup2 mounts, with their root, unescaped mount point and rw/ro", () => {
    assert.deepEqual(parseCgroup2Mounts(MOUNTINFO), [
      { root: "/", mountPoint: "/sys/fs/cgroup/unified", writable: true },
      { root: "/docker/abc", mountPoint: "/mnt/with space", writable: false },
    ]);
  });

  it("reads the 0:: line of /proc/<pid>/cgroup", () => {
    assert.equal(parseUnifiedCgroupPath("4:memory:/x\n0::/system.slice/berth.service\n"), "/system.slice/berth.service");
    assert.equal(parseUnifiedCgroupPath("4:memory:/x\n"), undefined, "cgroup v1 only");
    assert.equal(parseUnifiedCgroupPath("0::/gone (deleted)\n"), undefined);
  });

  it("maps the cgroup path through a writable mount that shows it", () => {
    const mounts = [
      { root: "/docker/abc", mountPoint: "/c", writable: true },
      { root: "/", mountPoint: "/sys/fs/cgroup", writable: true },
    ];
    assert.equal(cgroupDirectory(mounts, "/docker/abc/sub"), "/c/sub");
    assert.equal(cgroupDirectory(mounts, "/docker/abc"), "/c");
    assert.equal(cgroupDirectory(mounts, "/docker/abcd"), "/sys/fs/cgroup/docker/abcd", "not under /docker/abc");
    assert.equal(cgroupDirectory([{ root: "/", mountPoint: "/ro", writable: false }], "/x"), undefined);
  });
});

const usable = cgroupAvailable;

describe("TaskCgroup", { skip: usable ? false : "needs root and a writable cgroup2 mount" }, () => {
  it("starts a child inside the group, brings Berth back, finds the child's descendants, kills them all, is removed", async () => {
    const own = readFileSync("/proc/self/cgroup", "utf8");
    // A group left by a Berth that was SIGKILLed (its pid no longer runs) is swept when the first group is made.
    const dead = spawn("/bin/true");
    await withTimeout(new Promise((resolve) => dead.once("exit", resolve)), 15_000, "true to exit");
    const stale = join(ownCgroupDirectory(), `berth-${dead.pid}-old-task-00000000`);
    mkdirSync(stale);
    const group = TaskCgroup.create("task/with odd:chars");
    assert.equal(existsSync(stale), false, "the stale group is gone");
    assert.match(group.path, new RegExp(`/berth-${process.pid}-task_with_odd_chars-[0-9a-f]{8}$`));
    // A double fork whose middle process exits at once: the grandchild still lands in the group.
    const child = group.spawnInside(() =>
      spawn("/bin/sh", ["-c", "sh -c 'sleep 600 & exit 0'; exec sleep 600"], { detached: true, stdio: "ignore" }),
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    assert.equal(readFileSync("/proc/self/cgroup", "utf8"), own, "Berth is back in its own group");
    assert.equal(group.executorInside, false);
    const pids = await waitFor(() => (group.pids().length === 2 ? group.pids() : undefined), { what: "the child and the grandchild in the group" });
    assert.ok(pids.includes(child.pid!), `the child and the orphaned grandchild: ${pids.join(" ")}`);
    assert.equal(group.remove(), false, "a group with processes stays");
    const events = (): string => readFileSync(`${group.path}/cgroup.events`, "latin1");
    assert.equal(group.freeze(), true);
    assert.match(events(), /^frozen 1$/m);
    group.thaw();
    assert.match(events(), /^frozen 0$/m);
    assert.equal(group.killAll(), true);
    await withTimeout(exited, 15_000, "the child to die");
    await waitFor(() => group.pids().length === 0, { what: "the group to be empty" });
    assert.equal(group.remove(), true);
    assert.equal(existsSync(group.path), false);
  });
});
