import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixture, MarkerDir } from "../../test/helpers/fixtures.js";
import { checkEachTest, LeftoverGuard } from "../../test/helpers/leftovers.js";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import { bootTicks, listProcStats, parseProcStat, readProcStat } from "./procStat.js";
import { ProcessTree } from "./processTree.js";
import { signalGroup, waitGroupGone } from "./signalGroup.js";
import { spawnGroup, type GroupHandle } from "./spawnGroup.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
checkEachTest(guard, (fresh) => (markers = fresh));

async function start(script: string, ...args: string[]): Promise<GroupHandle> {
  const handle = await spawnGroup(
    { kind: "argv", file: "/bin/sh", args: [fixture(script), ...args] },
    { env: markers.env(), cwd: markers.path, stdout: "ignore", stderr: "ignore" },
  );
  guard.watchGroup(handle.pid);
  return handle;
}

const gone = (p: Promise<void>): Promise<void> => withTimeout(p, 15_000, "the group to be gone");

describe("parseProcStat", () => {
  it("splits at the last parenthesis, so comm may contain spaces and parentheses", () => {
    const rest = "S 10 20 30 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 987654 1000 10";
    const stat = parseProcStat(`4242 (we ird) (name)) ${rest}\n`);
    assert.deepEqual(stat, {
      pid: 4242,
      comm: "we ird) (name)",
      state: "S",
      ppid: 10,
      pgrp: 20,
      session: 30,
      startTime: 987654,
    });
  });

  it("rejects text in another shape", () => {
    assert.equal(parseProcStat(""), undefined);
    assert.equal(parseProcStat("12 (x) S 1 2"), undefined);
  });

  it("reads this process", () => {
    const self = readProcStat(process.pid);
    assert.equal(self?.pid, process.pid);
    assert.equal(self?.ppid, process.ppid);
    assert.ok(listProcStats().some((s) => s.pid === process.pid));
    assert.equal(readProcStat(2 ** 30), undefined);
  });

  it("bootTicks counts in the unit of start times: this process started before now", () => {
    const now = bootTicks();
    const started = readProcStat(process.pid)!.startTime;
    assert.ok(started <= now && now - started < 100 * 3600, `started at tick ${started}, now ${now}`);
  });
});

describe("ProcessTree", () => {
  it("finds the leader, its child and its grandchild", async () => {
    const handle = await start("spawns-grandchild.sh");
    const [child, grandchild] = await markers.pids("ready");
    const pids = new ProcessTree(handle.pid).scan().map((s) => s.pid);
    assert.deepEqual(pids, [handle.pid, child, grandchild].sort((a, b) => a! - b!));
    signalGroup(handle.pid, "SIGKILL");
    await gone(waitGroupGone(handle.pid));
  });

  it("does not count zombies", async () => {
    // sh forks `true` and then becomes a sleep, which never reaps it: a zombie in the group.
    const handle = await spawnGroup(
      { kind: "shell", script: "true & exec sleep 600" },
      { env: markers.env(), cwd: markers.path, stdout: "ignore", stderr: "ignore" },
    );
    guard.watchGroup(handle.pid);
    const zombie = await waitFor(
      () => listProcStats().find((s) => s.pgrp === handle.pid && s.state === "Z"),
      { what: "a zombie in the group" },
    );
    const tree = new ProcessTree(handle.pid);
    assert.deepEqual(
      tree.scan().map((s) => s.pid),
      [handle.pid],
    );
    assert.notEqual(zombie.pid, handle.pid);
    signalGroup(tree, "SIGKILL");
    await gone(waitGroupGone(tree));
  });

  it("finds a descendant that escaped with setsid, and remembers it once its parent is gone", async () => {
    const handle = await start("setsid-grandchild.sh");
    const [escapee, sleeper] = await markers.pids("ready");
    guard.watchPid(escapee!);
    guard.watchPid(sleeper!);
    assert.equal(readProcStat(escapee!)?.session, escapee, "the child runs in its own session");

    const tree = new ProcessTree(handle.pid);
    assert.ok(tree.scan().some((s) => s.pid === escapee));
    process.kill(handle.pid, "SIGKILL"); // only the leader: the escapee is reparented to PID 1
    await withTimeout(handle.exited, 15_000, "the leader to exit");
    await waitFor(() => readProcStat(escapee!)?.ppid !== handle.pid, { what: "the escapee to be reparented" });

    assert.deepEqual(
      tree.scan().map((s) => s.pid),
      [escapee, sleeper],
    );
    assert.deepEqual(new ProcessTree(handle.pid).scan(), [], "a fresh tree has no way to find it");

    signalGroup(tree, "SIGTERM");
    await gone(waitGroupGone(tree));
    assert.ok(markers.exists("term"), "the escapee got SIGTERM");
  });
});

describe("ProcessTree with a containment", () => {
  for (const mode of ["auto", "marker"] as const) {
    it(`finds a daemon that setsid'd and double-forked, which the parent chain cannot (${mode})`, async () => {
      const handle = await spawnGroup(
        { kind: "argv", file: "/bin/sh", args: [fixture("double-fork-daemon.sh")] },
        { env: markers.env({ DAEMON_DELAY: "0" }), cwd: markers.path, stdout: "ignore", stderr: "ignore", contain: { label: "tree", mode } },
      );
      guard.watchGroup(handle.pid);
      const [daemon, sleeper] = await markers.pids("ready");
      guard.watchPid(daemon!);
      guard.watchPid(sleeper!);
      await waitFor(() => !new ProcessTree(handle.pid).scan().some((s) => s.pid === daemon), { what: "the daemon to lose its parent chain" });

      const tree = new ProcessTree(handle.pid, handle.containment);
      const found = tree.scan().map((s) => s.pid);
      assert.ok(found.includes(daemon!) && found.includes(sleeper!), `found ${found.join(" ")}`);
      signalGroup(tree, "SIGTERM");
      await gone(waitGroupGone(tree));
      assert.ok(markers.exists("term"), "the daemon got SIGTERM");
      assert.equal(handle.containment!.release(), true);
    });
  }
});

describe("signalGroup with a cgroup that is slow to report frozen", () => {
  it("thaws the group anyway, so that the stop signal is handled (not held pending until SIGKILL)", async (t) => {
    const handle = await spawnGroup(
      { kind: "argv", file: "/bin/sh", args: [fixture("exits-later-on-sigterm.sh"), "0"] },
      { env: markers.env(), cwd: markers.path, stdout: "ignore", stderr: "ignore", contain: { label: "slow-freeze", mode: "auto" } },
    );
    guard.watchGroup(handle.pid);
    const containment = handle.containment!;
    if (containment.mechanism !== "cgroup") {
      t.skip(`no cgroup v2 group can be made here: ${containment.fallbackReason ?? "unknown"}`);
      signalGroup(handle.pid, "SIGKILL");
      await gone(waitGroupGone(handle.pid));
      containment.release();
      return;
    }
    await markers.pids("ready");
    // The kernel freezes the group, but reports it after the freezer's budget (as under load): freeze() says false.
    const slowFreezer = {
      members: (candidates: Parameters<typeof containment.members>[0]) => containment.members(candidates),
      killAll: () => containment.killAll(),
      freeze: () => {
        containment.freeze();
        return false;
      },
      thaw: () => containment.thaw(),
    };
    const tree = new ProcessTree(handle.pid, slowFreezer);
    signalGroup(tree, "SIGTERM");
    await gone(waitGroupGone(tree));
    assert.ok(markers.exists("term"), "the task handled SIGTERM");
    assert.equal(containment.release(), true);
  });
});

describe("signalGroup and waitGroupGone", () => {
  it("signals every member, and waits until none is left", async () => {
    const handle = await start("spawns-grandchild.sh");
    const [child] = await markers.pids("ready");
    const signalled = signalGroup(handle.pid, "SIGTERM");
    assert.ok(signalled.some((s) => s.pid === child));
    await gone(waitGroupGone(handle.pid));
    assert.ok(markers.exists("term"), "the child got SIGTERM");
    assert.deepEqual(await withTimeout(handle.exited, 15_000, "the leader to exit"), { exitCode: null, signal: "SIGTERM" });
  });

  it("treats an already gone group as nothing to do", async () => {
    const handle = await start("exits-with-code.sh", "0");
    await withTimeout(handle.exited, 15_000, "the leader to exit");
    assert.deepEqual(signalGroup(handle.pid, "SIGTERM"), []);
    await gone(waitGroupGone(handle.pid));
  });

  it("stops waiting when aborted", async () => {
    const handle = await start("ignores-sigterm.sh");
    await markers.pids("ready");
    await assert.rejects(waitGroupGone(handle.pid, { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
    signalGroup(handle.pid, "SIGKILL");
    await gone(waitGroupGone(handle.pid));
  });
});
