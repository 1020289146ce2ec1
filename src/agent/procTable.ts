// A snapshot of /proc, enough to find every process of an executor's "container": its process group, its session
// and its live descendants. The local agent has no cgroups, so this is how it destroys a container the way the
// posix launcher does (os::killtree over groups and sessions). Kept separate from src/process on purpose: the test
// double must not share code with the executor it tests.
import { readdirSync, readFileSync } from "node:fs";

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** One-letter state from /proc/<pid>/stat; "Z" is a zombie (already dead, waiting to be reaped). */
  state: string;
  comm: string;
}

/** Parses /proc/<pid>/stat; comm may contain spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcEntry | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(" ");
  const pid = Number(text.slice(0, open).trim());
  const [state, ppid, pgid, sid] = [fields[0], Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if (!state || !Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined;
  return { pid, ppid, pgid, sid, state, comm: text.slice(open + 1, close) };
}

export function readProcTable(): ProcEntry[] {
  const entries: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const entry = parseProcStat(readFileSync(`/proc/${name}/stat`, "utf8"));
      if (entry) entries.push(entry);
    } catch {
      // The process exited between readdir and read.
    }
  }
  return entries;
}

/** Live (non-zombie) processes that belong to the container rooted at `rootPid`. */
export function containerProcesses(rootPid: number, table: readonly ProcEntry[] = readProcTable()): ProcEntry[] {
  const members = new Set<number>();
  for (const p of table) if (p.pid === rootPid || p.pgid === rootPid || p.sid === rootPid) members.add(p.pid);
  // Descendants that moved to their own group or session are still reachable through the parent links.
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of table) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.add(p.pid);
        grew = true;
      }
    }
  }
  return table.filter((p) => members.has(p.pid) && p.state !== "Z");
}

function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch (error) {
    // ESRCH: already gone. EPERM: a process we may not signal (not ours): nothing more we can do.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ESRCH" && code !== "EPERM") throw error;
  }
}

/** SIGKILLs the container's process group and every other member found in /proc. */
export function killContainer(rootPid: number): void {
  // kill(-0) or kill(-1) would hit our own group or every process we may signal.
  if (!Number.isInteger(rootPid) || rootPid <= 1) return;
  sendSignal(-rootPid, "SIGKILL");
  for (const p of containerProcesses(rootPid)) sendSignal(p.pid, "SIGKILL");
}

/** Sends `signal` to the process group led by `pgid` (ESRCH is "already gone"). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  sendSignal(-pgid, signal);
}
