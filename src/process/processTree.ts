// Finds every process that belongs to a task: the members of its process group and session (the leader was spawned
// with setsid, so pid = pgid = sid) and the descendants that left both with setsid/setpgid. Node can neither become a
// child subreaper nor waitpid(-1), so /proc is the only way to see them.
//
// An escapee is recognised by its parent chain, which breaks as soon as its parent exits (it is reparented to PID 1).
// The tree therefore remembers every process it has seen as a member (by pid + start time, so a reused pid is not
// mistaken for it): scan before signalling, and scan often while waiting, to keep the chain known.
//
// A full scan reads every /proc/<pid>/stat on the machine (~16 ms for 1,000 processes), so waiting loops use
// `anyLive()`, which re-reads only the processes the last scan found, and fall back to a full scan now and then.
//
// A daemon that setsids and double-forks, its parent exiting at once, can escape before any scan sees the chain:
// a task's tree therefore also takes the members that its containment (containment.ts: a cgroup, or an environment
// marker) finds.
import { isLive, listProcStats, readProcStat, type ProcStat } from "./procStat.js";

/** Another way to find the task's processes (containment.ts). */
export interface ExtraMembers {
  /** Pids of the task among `candidates` (the processes not found otherwise), or found its own way. */
  members(candidates: readonly ProcStat[]): number[];
  /** SIGKILLs all it contains at once, if it can; false otherwise. */
  killAll(): boolean;
  /** Stops all it contains from forking or leaving until thaw(), if it can (a cgroup's freezer); false otherwise. */
  freeze?(): boolean;
  thaw?(): void;
}

export class ProcessTree {
  /** The leader's pid, which is also the process group id and the session id. */
  readonly pgid: number;
  readonly extra: ExtraMembers | undefined;
  /** pid → start time of every process seen as a member or descendant that may still be alive. */
  readonly #known = new Map<number, number>();
  #lastLive: ProcStat[] = [];

  constructor(leaderPid: number, extra?: ExtraMembers) {
    this.pgid = leaderPid;
    this.extra = extra;
  }

  /**
   * Takes a snapshot of /proc and returns the live (non-zombie) processes of the task, sorted by pid: same process
   * group, same session, remembered from an earlier scan, found by the extra members, or a descendant of any of
   * those. Remembers them all.
   */
  scan(): ProcStat[] {
    const all = listProcStats();
    const children = new Map<number, ProcStat[]>();
    for (const stat of all) {
      const siblings = children.get(stat.ppid);
      if (siblings === undefined) children.set(stat.ppid, [stat]);
      else siblings.push(stat);
    }

    const found = new Map<number, ProcStat>();
    const queue: ProcStat[] = [];
    const add = (stat: ProcStat): void => {
      // Never ourselves or init: they can only show up through a misread chain, and signalling them would be fatal.
      if (found.has(stat.pid) || stat.pid === process.pid || stat.pid <= 1) return;
      found.set(stat.pid, stat);
      queue.push(stat);
    };
    const others: ProcStat[] = [];
    for (const stat of all) {
      if (stat.pgrp === this.pgid || stat.session === this.pgid || this.#known.get(stat.pid) === stat.startTime) {
        add(stat);
      } else {
        others.push(stat);
      }
    }
    if (this.extra !== undefined) {
      const byPid = new Map(others.map((stat) => [stat.pid, stat]));
      for (const pid of this.extra.members(others)) {
        if (found.has(pid)) continue;
        // A member the snapshot missed (forked since) is read on its own.
        const stat = byPid.get(pid) ?? readProcStat(pid);
        if (stat !== undefined) add(stat);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      for (const child of children.get(queue[i]!.pid) ?? []) add(child);
    }

    // Forget what has exited (or whose pid now names another process), remember what was found.
    this.#known.clear();
    for (const stat of found.values()) this.#known.set(stat.pid, stat.startTime);
    const live = [...found.values()].filter(isLive).sort((a, b) => a.pid - b.pid);
    this.#lastLive = live;
    return live;
  }

  /**
   * Cheap check: is any process that the last scan found live still running (same pid and start time, not a zombie)?
   * False does not prove the task gone (a member may have forked since): confirm with a full scan().
   */
  anyLive(): boolean {
    return this.#lastLive.some((m) => {
      const now = readProcStat(m.pid);
      return now !== undefined && now.startTime === m.startTime && isLive(now);
    });
  }
}
