// Reading /proc/<pid>/stat (Linux). This is how Berth tells a live process from a zombie and finds the members of a
// task's process group and session: PID 1 here reaps orphans only every ~2 s, and a zombie still answers kill(pid, 0).
import { readFileSync, readdirSync } from "node:fs";

export interface ProcStat {
  readonly pid: number;
  /** Executable name as the kernel keeps it (may contain spaces and parentheses). */
  readonly comm: string;
  /** R, S, D, T, t, Z (zombie), X (dead), I, … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Clock ticks since boot; with `pid` it identifies a process across pid reuse. */
  readonly startTime: number;
}

/** Parses the content of /proc/<pid>/stat, or returns undefined if it is not in the expected shape. */
export function parseProcStat(text: string): ProcStat | undefined {
  // "pid (comm) state ppid pgrp session …": comm is free text, so split at the first "(" and the LAST ")".
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 of proc(5) (state); starttime is field 22.
  const [state, ppid, pgrp, session] = fields;
  const startTime = Number(fields[19]);
  if (!Number.isInteger(pid) || state === undefined || fields.length < 20) return undefined;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid: Number(ppid),
    pgrp: Number(pgrp),
    session: Number(session),
    startTime,
  };
}

/** /proc/<pid>/stat of one process, or undefined if it does not exist (any more). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return undefined; // ENOENT/ESRCH: it exited between readdir and read, or never existed
  }
}

/** A snapshot of every process on the machine (processes may come and go while it is taken). */
export function listProcStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/** A zombie (exited, not yet reaped) or dead process no longer runs anything: it counts as gone. */
export function isLive(stat: ProcStat): boolean {
  return stat.state !== "Z" && stat.state !== "X";
}

/**
 * Now, in the unit of ProcStat.startTime: clock ticks (USER_HZ, 100 per second on Linux) since boot, from
 * /proc/uptime (the same boot-time clock, in hundredths of a second). A process whose start time is below this
 * value was forked before now.
 */
export function bootTicks(): number {
  const uptime = readFileSync("/proc/uptime", "latin1").split(" ")[0] ?? "0";
  const [seconds = "0", fraction = ""] = uptime.split(".");
  return Number(seconds) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}
