// Signalling a whole task: its process group in one kill(-pgid) and every descendant that escaped the group, each on
// its own. ESRCH means "already gone" and is not an error (as in tini / dumb-init).
import { setTimeout as delay } from "node:timers/promises";
import type { ProcStat } from "./procStat.js";
import { SignalError } from "./processErrors.js";
import { ProcessTree } from "./processTree.js";

/** A pgid alone finds only the current group, session and their descendants; a ProcessTree also remembers escapees. */
export type GroupTarget = number | ProcessTree;

function treeOf(target: GroupTarget): ProcessTree {
  return typeof target === "number" ? new ProcessTree(target) : target;
}

/**
 * Sends `signal` to the group and to every escaped descendant, and returns the live processes that were found just
 * before (empty: nothing left to signal). Throws a SignalError (after trying every process) if a kill failed for a
 * reason other than ESRCH, e.g. EPERM for a setuid descendant.
 */
export function signalGroup(target: GroupTarget, signal: NodeJS.Signals): ProcStat[] {
  const tree = treeOf(target);
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
  // Only while a live member still has the group id: once the group is empty the number may name another group.
  if (members.some((m) => m.pgrp === tree.pgid)) send(-tree.pgid, `process group ${tree.pgid}`);
  for (const m of members) if (m.pgrp !== tree.pgid) send(m.pid, `pid ${m.pid} (${m.comm})`);
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
