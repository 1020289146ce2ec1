// Signalling a whole task: its process group in one kill(-pgid) and every descendant that escaped the group, each on
// its own. ESRCH means "already gone" and is not an error (as in tini / dumb-init).
import { setTimeout as delay } from "node:timers/promises";
import { bootTicks, isLive, readProcStat, type ProcStat } from "./procStat.js";
import { SignalError } from "./processErrors.js";
import { ProcessTree } from "./processTree.js";

/** A pgid alone finds only the current group, session and their descendants; a ProcessTree also remembers escapees. */
export type GroupTarget = number | ProcessTree;

function treeOf(target: GroupTarget): ProcessTree {
  return typeof target === "number" ? new ProcessTree(target) : target;
}

/** Rounds of "scan again for processes that appeared while signalling" (each is a full /proc scan). */
const MAX_ROUNDS = 3;

const keyOf = (m: ProcStat): string => `${m.pid}:${m.startTime}`;

/**
 * Sends `signal` to the group and to every escaped descendant, and returns the live processes that were found just
 * before (empty: nothing left to signal). Throws a SignalError (after trying every process) if a kill failed for a
 * reason other than ESRCH, e.g. EPERM for a setuid descendant.
 */
export function signalGroup(target: GroupTarget, signal: NodeJS.Signals): ProcStat[] {
  const tree = treeOf(target);
  // A stop signal to a frozen cgroup reaches exactly what exists: nothing forks or leaves its session between the
  // scan and the kill. SIGKILL needs no freeze (cgroup.kill).
  const freezing = signal !== "SIGKILL" && tree.extra?.freeze !== undefined;
  const frozen = freezing && (tree.extra?.freeze?.() ?? false);
  try {
    return signalOnce(tree, signal, frozen);
  } finally {
    // Thawed even when it did not report frozen in time: the freeze goes on in the kernel, and a group left frozen
    // would hold its stop signal pending until SIGKILL (seen under load: a whole grace waited out).
    if (freezing) tree.extra?.thaw?.();
  }
}

function signalOnce(tree: ProcessTree, signal: NodeJS.Signals, frozen: boolean): ProcStat[] {
  // Scan first: it records escapees while their parent chain is intact, and the signal may break it.
  const members = tree.scan();
  const failures: string[] = [];
  const send = (pid: number, label: string): void => {
    try {
      process.kill(pid, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ESRCH") failures.push(`${label}: ${code ?? String(error)}`);
    }
  };
  // All at once where the containment can (cgroup.kill), which also stops a process forking faster than it is
  // signalled; then one by one as below, which changes nothing for what is already dead.
  if (signal === "SIGKILL" && members.length > 0) tree.extra?.killAll();
  const sentAt = bootTicks();
  // Only while a live member still has the group id: once the group is empty the number may name another group.
  const inGroup = members.filter((m) => m.pgrp === tree.pgid);
  if (inGroup.length > 0) send(-tree.pgid, `process group ${tree.pgid}`);
  for (const m of members) if (m.pgrp !== tree.pgid) send(m.pid, `pid ${m.pid} (${m.comm})`);
  // A member that left the group (setsid) between the scan and kill(-pgid) missed it (seen: a \`setsid sleep &\`
  // between its setsid() and its exec waited out the whole grace). Only those get it now, so that nothing else gets
  // the signal twice (some programs take a second stop signal as "stop now").
  for (const m of inGroup) {
    const now = readProcStat(m.pid);
    if (now !== undefined && now.startTime === m.startTime && now.pgrp !== tree.pgid && isLive(now)) send(m.pid, `pid ${m.pid} (${now.comm})`);
  }
  if (signal !== "SIGKILL" && !frozen) {
    // Without a freezer, a process forked outside the group while the scan read /proc (a daemon double-forking at that
    // moment) was in no list. Scan again, as systemd does for a cgroup, but only for processes born before the
    // signal: what a stopping process forks after it (its shutdown helpers) must be left alone. Start times count
    // 10 ms ticks: one from the signal's own tick counts only if its parent is gone (the middle of a double fork
    // exits at once; a stopping process that forks a helper is still there). A child forked inside the group gets
    // kill(-pgid) from the kernel (fork restarts), so only outsiders count. SIGKILL needs no second pass.
    const signalled = new Set(members.map(keyOf));
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const live = tree.scan();
      const livePids = new Set(live.map((m) => m.pid));
      const bornBefore = (m: ProcStat): boolean => m.startTime < sentAt || (m.startTime === sentAt && !livePids.has(m.ppid));
      const newcomers = live.filter((m) => m.pgrp !== tree.pgid && !signalled.has(keyOf(m)) && bornBefore(m));
      if (newcomers.length === 0) break;
      for (const m of newcomers) {
        signalled.add(keyOf(m));
        send(m.pid, `pid ${m.pid} (${m.comm})`);
      }
    }
  }
  if (failures.length > 0) throw new SignalError(`Could not send ${signal} to ${failures.join(", ")}`);
  return members;
}

export interface WaitGroupGoneOptions {
  readonly signal?: AbortSignal;
  /** Time between two checks (cheap: only the processes known to be alive are re-read). */
  readonly pollMs?: number;
  /** Time between two full scans of /proc, which also find new descendants and remember escapees. */
  readonly fullScanMs?: number;
}

/**
 * Resolves once no live process of the group (or an escaped descendant) remains; zombies count as gone. Rejects with
 * `signal.reason` when aborted.
 */
export async function waitGroupGone(target: GroupTarget, options: WaitGroupGoneOptions = {}): Promise<void> {
  const { signal, pollMs = 20, fullScanMs = 500 } = options;
  const tree = treeOf(target);
  let lastFullScan = -Infinity;
  for (;;) {
    signal?.throwIfAborted();
    // A full scan when the known processes are all gone (to confirm, or find their children) or now and then.
    if (!tree.anyLive() || performance.now() - lastFullScan >= fullScanMs) {
      lastFullScan = performance.now();
      if (tree.scan().length === 0) return;
    }
    try {
      await delay(pollMs, undefined, { signal });
    } catch (error) {
      signal?.throwIfAborted(); // reject with the signal's reason (e.g. TimeoutError), not a generic AbortError
      throw error;
    }
  }
}
