// A cgroup v2 group per task: every process the task ever forks is in it, whatever it does to its session, process
// group or parent (setsid and a double fork leave both the group and the parent chain, never the cgroup). It is a
// child of Berth's own cgroup, found through /proc/self/mountinfo and /proc/self/cgroup, so it needs a writable
// cgroup2 mount and the right to create a group there and move processes into it (root, or a delegated subtree).
//
// Node cannot place a child in a cgroup between fork and exec (no clone3 CLONE_INTO_CGROUP, no hook), and a shell
// wrapper that moves itself before exec'ing would change the task's environment (dash drops variables whose names are
// not shell names and rewrites IFS, OPTIND, PPID and PWD). So Berth moves itself into the task's group for the
// synchronous spawn() call (the child is forked inside it) and straight back: two writes of cgroup.procs, nothing
// else of Berth can run in between (no await), and the child cannot fork before it exists in the group.
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BerthError } from "../berthError.js";

/** The cgroup could not be made or used; the caller falls back to another way of finding the task's processes. */
export class CgroupUnavailableError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CGROUP_UNAVAILABLE", message, options);
  }
}

export interface Cgroup2Mount {
  /** Where it is mounted, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified. */
  readonly mountPoint: string;
  /** The cgroup path that the mount point shows (usually "/"). */
  readonly root: string;
  readonly writable: boolean;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The cgroup2 mounts listed in a /proc/<pid>/mountinfo text. */
export function parseCgroup2Mounts(mountinfo: string): Cgroup2Mount[] {
  const mounts: Cgroup2Mount[] = [];
  for (const line of mountinfo.split("\n")) {
    // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const [before, after] = line.split(" - ");
    if (after === undefined || after.split(" ")[0] !== "cgroup2") continue;
    const fields = before!.split(" ");
    if (fields.length < 6) continue;
    mounts.push({
      root: unescapeMountPath(fields[3]!),
      mountPoint: unescapeMountPath(fields[4]!),
      writable: fields[5]!.split(",").includes("rw"),
    });
  }
  return mounts;
}

/** The cgroup v2 path in a /proc/<pid>/cgroup text (the "0::/path" line), or undefined. */
export function parseUnifiedCgroupPath(procCgroup: string): string | undefined {
  const line = procCgroup.split("\n").find((l) => l.startsWith("0::"));
  const path = line?.slice(3);
  return path === undefined || !path.startsWith("/") || path.endsWith(" (deleted)") ? undefined : path;
}

/** The directory of cgroup `path` under the first writable cgroup2 mount that shows it, or undefined. */
export function cgroupDirectory(mounts: readonly Cgroup2Mount[], path: string): string | undefined {
  for (const mount of mounts) {
    if (!mount.writable) continue;
    const root = mount.root === "/" ? "" : mount.root;
    if (path !== root && !path.startsWith(`${root}/`)) continue; // this mount does not show our cgroup
    return join(mount.mountPoint, path.slice(root.length));
  }
  return undefined;
}

/** The directory of this process's own cgroup v2 group; throws CgroupUnavailableError saying why there is none. */
export function ownCgroupDirectory(): string {
  let mountinfo: string;
  let procCgroup: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
    procCgroup = readFileSync("/proc/self/cgroup", "utf8");
  } catch (error) {
    throw new CgroupUnavailableError("cannot read /proc/self/mountinfo or /proc/self/cgroup", { cause: error });
  }
  const path = parseUnifiedCgroupPath(procCgroup);
  if (path === undefined) throw new CgroupUnavailableError("this process is in no cgroup v2 group (no 0:: line in /proc/self/cgroup)");
  const mounts = parseCgroup2Mounts(mountinfo);
  if (mounts.length === 0) throw new CgroupUnavailableError("no cgroup2 file system is mounted");
  const dir = cgroupDirectory(mounts, path);
  if (dir === undefined) throw new CgroupUnavailableError(`no writable cgroup2 mount shows this process's cgroup ${path}`);
  return dir;
}

/** The part of a task id that may go into a cgroup name (a directory name; no "/", no leading "cgroup."). */
function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100);
}

/** Prefix of every group Berth makes; followed by Berth's pid, so that a group of a dead Berth can be told apart. */
const PREFIX = "berth-";

let swept = false;

/** How long freeze() waits for the kernel to report the group frozen. */
const FREEZE_BUDGET_MS = 50;
/** For a short synchronous pause in freeze(). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Removes the empty groups that an earlier Berth left in `parent` (it was SIGKILLed before it could remove them).
 * Only groups whose Berth is not running: rmdir fails on a group that still has processes, and a live Berth's
 * fresh, still empty group is not touched. Once per process; best effort.
 */
function sweepStaleGroups(parent: string): void {
  if (swept) return;
  swept = true;
  try {
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      const owner = /^berth-(\d+)-/.exec(entry.name)?.[1];
      if (!entry.isDirectory() || owner === undefined || isRunning(Number(owner))) continue;
      removeTree(join(parent, entry.name));
    }
  } catch {
    // only housekeeping
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** rmdir of a group and its child groups, deepest first; false if any is left (it still has processes). */
function removeTree(dir: string): boolean {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeTree(join(dir, entry.name));
    }
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

export class TaskCgroup {
  /** The group's directory. */
  readonly path: string;
  readonly #ownProcs: string;
  #executorInside = false;

  private constructor(path: string, ownDir: string) {
    this.path = path;
    this.#ownProcs = join(ownDir, "cgroup.procs");
  }

  /** Makes a new group for a task, as a child of this process's group; throws CgroupUnavailableError. */
  static create(label: string): TaskCgroup {
    const ownDir = ownCgroupDirectory();
    sweepStaleGroups(ownDir);
    const path = join(ownDir, `${PREFIX}${process.pid}-${safeName(label)}-${randomBytes(4).toString("hex")}`);
    try {
      mkdirSync(path);
    } catch (error) {
      throw new CgroupUnavailableError(`cannot create ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    const group = new TaskCgroup(path, ownDir);
    try {
      // Moving a process needs write access to both groups' cgroup.procs (their common ancestor is ours).
      accessSync(join(path, "cgroup.procs"), constants.W_OK);
      accessSync(group.#ownProcs, constants.W_OK);
    } catch (error) {
      group.remove();
      throw new CgroupUnavailableError(`cannot move processes into ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    return group;
  }

  /**
   * Runs `spawn` (which must fork synchronously, as child_process.spawn does) with this process inside the group, so
   * that the child starts in it. Throws CgroupUnavailableError, without calling `spawn`, if this process cannot enter.
   */
  spawnInside<T>(spawn: () => T): T {
    // Where to come back to: our group now (someone, e.g. systemd, may have moved us since the group was made).
    let back: string;
    try {
      back = join(ownCgroupDirectory(), "cgroup.procs");
    } catch {
      back = this.#ownProcs;
    }
    try {
      writeFileSync(join(this.path, "cgroup.procs"), `${process.pid}\n`);
    } catch (error) {
      throw new CgroupUnavailableError(`cannot move into ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    try {
      return spawn();
    } finally {
      try {
        writeFileSync(back, `${process.pid}\n`);
      } catch {
        // Never seen; if it happens, Berth must not kill itself with the group: kill() then signals pid by pid.
        this.#executorInside = true;
      }
    }
  }

  /** True if Berth could not leave the group after a spawn (see spawnInside). */
  get executorInside(): boolean {
    return this.#executorInside;
  }

  /** The pids in the group and its child groups (a task running as root may make some). Live processes only. */
  pids(): number[] {
    const pids: number[] = [];
    const walk = (dir: string): void => {
      let text: string;
      try {
        text = readFileSync(join(dir, "cgroup.procs"), "latin1");
      } catch {
        return; // removed meanwhile
      }
      for (const line of text.split("\n")) if (line !== "") pids.push(Number(line));
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) if (entry.isDirectory()) walk(join(dir, entry.name));
    };
    walk(this.path);
    return pids.filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
  }

  /**
   * SIGKILLs every process in the group and its child groups at once (cgroup.kill, Linux 5.14+), which also stops a
   * process that forks faster than it can be signalled one by one. False if the kernel has no cgroup.kill.
   */
  killAll(): boolean {
    const file = join(this.path, "cgroup.kill");
    if (this.#executorInside || !existsSync(file)) return false;
    try {
      writeFileSync(file, "1\n");
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Freezes every process of the group (cgroup.freeze): none can fork, exec or leave its session until thaw(), so
   * that a stop signal reaches exactly what exists. Waits (synchronously: callers signal right after) until the
   * kernel reports the group frozen, at most `budgetMs` (a process in uninterruptible sleep freezes late); false if
   * it is not frozen by then (thaw() anyway).
   */
  freeze(budgetMs = FREEZE_BUDGET_MS): boolean {
    if (this.#executorInside) return false;
    try {
      writeFileSync(join(this.path, "cgroup.freeze"), "1\n");
    } catch {
      return false; // no freezer (Linux < 5.2) or the group is gone
    }
    const deadline = performance.now() + budgetMs;
    for (;;) {
      try {
        if (/^frozen 1$/m.test(readFileSync(join(this.path, "cgroup.events"), "latin1"))) return true;
      } catch {
        return false;
      }
      if (performance.now() >= deadline) return false;
      Atomics.wait(PAUSE, 0, 0, 0.2);
    }
  }

  /** Undoes freeze(); pending signals are delivered now. */
  thaw(): void {
    try {
      writeFileSync(join(this.path, "cgroup.freeze"), "0\n");
    } catch {
      // the group is gone, and its processes with it
    }
  }

  /** Removes the group (and child groups); false if it still has processes. */
  remove(): boolean {
    return removeTree(this.path);
  }
}
