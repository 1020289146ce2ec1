import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { fixture, MarkerDir, userWithSupplementaryGroup } from "../../test/helpers/fixtures.js";
import { LeftoverGuard } from "../../test/helpers/leftovers.js";
import { withTimeout } from "../../test/helpers/waitFor.js";
import { exitCodeOf, signalNumber } from "./exitStatus.js";
import { readProcStat } from "./procStat.js";
import { SpawnError, UnknownUserError, UserSwitchUnavailableError } from "./processErrors.js";
import { findInPasswd } from "./resolveUser.js";
import { findSetpriv, spawnGroup, type SpawnGroupOptions } from "./spawnGroup.js";
import { signalGroup, waitGroupGone } from "./signalGroup.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
let options: SpawnGroupOptions;
beforeEach(() => {
  markers = new MarkerDir();
  options = { env: markers.env(), cwd: markers.path, stdout: "ignore", stderr: "ignore" };
});
afterEach(() => {
  try {
    guard.assertNone();
  } finally {
    markers.remove();
  }
});

const exited = <T>(p: Promise<T>): Promise<T> => withTimeout(p, 15_000, "the leader to exit");

describe("spawnGroup", () => {
  it("runs a shell script as the leader of a new session and process group", async () => {
    const handle = await spawnGroup({ kind: "shell", script: `exec sh ${fixture("ignores-sigterm.sh")}` }, options);
    guard.watchGroup(handle.pid);
    await markers.pids("ready");
    const stat = readProcStat(handle.pid);
    assert.equal(stat?.pgrp, handle.pid);
    assert.equal(stat?.session, handle.pid);
    signalGroup(handle.pid, "SIGKILL");
    assert.deepEqual(await exited(handle.exited), { exitCode: null, signal: "SIGKILL" });
  });

  it("reports the exit code of an argv command", async () => {
    const handle = await spawnGroup({ kind: "argv", file: "/bin/sh", args: [fixture("exits-with-code.sh"), "3"] }, options);
    assert.deepEqual(await exited(handle.exited), { exitCode: 3, signal: null });
  });

  it("passes exactly the given environment and working directory", async () => {
    process.env.BERTH_TEST_NOT_INHERITED = "leak";
    const handle = await spawnGroup(
      { kind: "shell", script: 'env > env.txt; pwd > pwd.txt' },
      { ...options, env: { FOO: "bar baz", PATH: "/usr/bin:/bin" } },
    );
    await exited(handle.exited);
    const env = readFileSync(markers.file("env.txt"), "utf8");
    assert.match(env, /^FOO=bar baz$/m);
    assert.doesNotMatch(env, /BERTH_TEST_NOT_INHERITED/);
    assert.equal(readFileSync(markers.file("pwd.txt"), "utf8").trim(), markers.path);
  });

  it("finds an argv file through the PATH of the given environment", async () => {
    const env = { ...options.env, PATH: fixture("") };
    const handle = await spawnGroup({ kind: "argv", file: "exits-with-code.sh", args: ["5"] }, { ...options, env });
    assert.deepEqual(await exited(handle.exited), { exitCode: 5, signal: null });
  });

  it("reports 127 from the shell for a command that is not found", async () => {
    const handle = await spawnGroup({ kind: "shell", script: "berth-no-such-command" }, options);
    assert.deepEqual(await exited(handle.exited), { exitCode: 127, signal: null });
  });

  it("rejects with SpawnError ENOENT (127) for a missing argv file", async () => {
    const error = await spawnGroup({ kind: "argv", file: "/nope", args: [] }, options).catch((e: unknown) => e);
    assert.ok(error instanceof SpawnError);
    assert.equal(error.code, "SPAWN_FAILED");
    assert.equal(error.errno, "ENOENT");
    assert.equal(error.exitCode, 127);
    assert.equal(error.message, "spawn /nope ENOENT");
  });

  it("rejects with SpawnError EACCES (126) for a file that is not executable", async () => {
    const path = markers.file("not-executable");
    writeFileSync(path, "#!/bin/sh\n");
    chmodSync(path, 0o644);
    const error = await spawnGroup({ kind: "argv", file: path, args: [] }, options).catch((e: unknown) => e);
    assert.ok(error instanceof SpawnError);
    assert.equal(error.errno, "EACCES");
    assert.equal(error.exitCode, 126);
    assert.match(error.message, /EACCES/);
  });

  it("names a missing working directory instead of blaming the executable", async () => {
    const cwd = markers.file("missing");
    const error = await spawnGroup({ kind: "shell", script: "true" }, { ...options, cwd }).catch((e: unknown) => e);
    assert.ok(error instanceof SpawnError);
    assert.equal(error.errno, "ENOENT");
    assert.match(error.message, new RegExp(`working directory ${cwd} does not exist`));
  });

  it("runs the command as another user when Berth runs as root", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root");
    chmodSync(markers.path, 0o777);
    const nobody = findInPasswd(readFileSync("/etc/passwd", "utf8"), "nobody");
    if (nobody === undefined) return t.skip("no user nobody");
    const handle = await spawnGroup({ kind: "shell", script: "id -u > uid.txt; id -g > gid.txt" }, { ...options, user: "nobody" });
    assert.deepEqual(await exited(handle.exited), { exitCode: 0, signal: null });
    assert.equal(Number(readFileSync(markers.file("uid.txt"), "utf8")), nobody.uid);
    assert.equal(Number(readFileSync(markers.file("gid.txt"), "utf8")), nobody.gid);
  });

  it("gives a command run as another user that user's supplementary groups (initgroups, as Mesos)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root");
    const user = userWithSupplementaryGroup();
    if (user === undefined) return t.skip("no user with a supplementary group");
    chmodSync(markers.path, 0o777);
    const handle = await spawnGroup({ kind: "argv", file: "cat", args: ["/proc/self/status"] }, { ...options, user: user.name, stdout: "pipe" });
    const chunks: Buffer[] = [];
    for await (const chunk of handle.stdout!) chunks.push(chunk as Buffer);
    assert.deepEqual(await exited(handle.exited), { exitCode: 0, signal: null });
    const status = Buffer.concat(chunks).toString();
    const field = (name: string): number[] => (new RegExp(`^${name}:(.*)$`, "m").exec(status)?.[1] ?? "").trim().split(/\s+/).filter(Boolean).map(Number);
    assert.deepEqual(field("Groups").sort((a, b) => a - b), [...user.groups].sort((a, b) => a - b));
    assert.deepEqual(field("Uid"), [user.uid, user.uid, user.uid, user.uid], "real, effective, saved and fs uid all switched");
  });

  it("as another user, a missing or non-executable command is still a SpawnError (not setpriv's exit 127/126)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root");
    const missing = await spawnGroup({ kind: "argv", file: "berth-no-such-command", args: [] }, { ...options, user: "nobody" }).catch(
      (e: unknown) => e,
    );
    assert.ok(missing instanceof SpawnError);
    assert.equal(missing.errno, "ENOENT");
    assert.equal(missing.message, "spawn berth-no-such-command ENOENT");
    const path = markers.file("not-executable");
    writeFileSync(path, "#!/bin/sh\n");
    chmodSync(path, 0o644);
    const denied = await spawnGroup({ kind: "argv", file: path, args: [] }, { ...options, user: "nobody" }).catch((e: unknown) => e);
    assert.ok(denied instanceof SpawnError);
    assert.equal(denied.exitCode, 126);
  });

  it("names the missing working directory, not setpriv, when switching users", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root");
    const cwd = markers.file("missing");
    const error = await spawnGroup({ kind: "shell", script: "true" }, { ...options, cwd, user: "nobody" }).catch((e: unknown) => e);
    assert.ok(error instanceof SpawnError);
    assert.equal(error.message, `spawn /bin/sh ENOENT (working directory ${cwd} does not exist)`);
  });

  it("rejects an unknown user without running anything", async () => {
    const error = await spawnGroup({ kind: "shell", script: "touch ran" }, { ...options, user: "berth-no-such-user" }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof UnknownUserError);
    assert.equal(error.code, "UNKNOWN_USER");
    assert.equal(markers.exists("ran"), false);
  });

  it("rejects when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(spawnGroup({ kind: "shell", script: "touch ran" }, { ...options, signal: controller.signal }), {
      name: "AbortError",
    });
    assert.equal(markers.exists("ran"), false);
  });

  it("hands stdout to the caller when asked to pipe it", async () => {
    const handle = await spawnGroup({ kind: "shell", script: "echo hello" }, { ...options, stdout: "pipe" });
    const chunks: Buffer[] = [];
    for await (const chunk of handle.stdout!) chunks.push(chunk as Buffer);
    await exited(handle.exited);
    assert.equal(Buffer.concat(chunks).toString(), "hello\n");
    assert.equal(handle.stderr, null);
  });

  it("reports a death by signal", async () => {
    const handle = await spawnGroup({ kind: "shell", script: "kill -USR1 $$" }, options);
    const status = await exited(handle.exited);
    assert.deepEqual(status, { exitCode: null, signal: "SIGUSR1" });
    assert.equal(exitCodeOf(status), 128 + signalNumber("SIGUSR1"));
    await waitGroupGone(handle.pid);
  });
});

describe("exitCodeOf", () => {
  it("maps a signal death to 128 + n and keeps exit codes", () => {
    assert.equal(exitCodeOf({ exitCode: null, signal: "SIGKILL" }), 137);
    assert.equal(exitCodeOf({ exitCode: null, signal: "SIGTERM" }), 143);
    assert.equal(exitCodeOf({ exitCode: 3, signal: null }), 3);
  });
});

describe("findSetpriv", () => {
  it("fails with a typed error naming where it looked", () => {
    assert.equal(findSetpriv("alice", ["/berth/none", "/usr/bin/setpriv"]), "/usr/bin/setpriv");
    assert.throws(() => findSetpriv("alice", ["/berth/none"]), (error: unknown) => {
      assert.ok(error instanceof UserSwitchUnavailableError);
      assert.equal(error.code, "USER_SWITCH_UNAVAILABLE");
      assert.match(error.message, /"alice".*setpriv.*\/berth\/none/);
      return true;
    });
  });
});

describe("findInPasswd", () => {
  const passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1001::/home/alice:/bin/sh\nbroken line\n";
  it("finds a user by name or numeric uid", () => {
    assert.deepEqual(findInPasswd(passwd, "alice"), { uid: 1000, gid: 1001 });
    assert.deepEqual(findInPasswd(passwd, "1000"), { uid: 1000, gid: 1001 });
    assert.equal(findInPasswd(passwd, "bob"), undefined);
  });
});
