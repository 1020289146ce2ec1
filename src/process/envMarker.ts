// The fallback when no cgroup can be made for a task (Berth is not root, or the cgroup2 mount is read-only, as in
// most containers): a random value in the task's environment, BERTH_TASK_MARKER, which every process the task forks
// inherits, whatever it does to its session, process group or parent. At kill time /proc/<pid>/environ of every
// process is searched for it. Best effort: a process may exec with a cleaned environment or overwrite its own; and
// Berth can read the environment only of processes it could signal anyway (same user, or Berth is root).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ProcStat } from "./procStat.js";

/** The variable that carries a task's marker. */
export const MARKER_VARIABLE = "BERTH_TASK_MARKER";

export class EnvMarker {
  /** The random value (not a secret: it only names the task). */
  readonly value = randomBytes(16).toString("hex");
  readonly #needle: Buffer;
  /**
   * pid → [start time and name, carries the marker]: a process's initial environment only changes when it execs,
   * which usually changes its name (between fork and exec a child shows its parent's environment).
   */
  #seen = new Map<number, readonly [string, boolean]>();

  constructor() {
    this.#needle = Buffer.from(`${MARKER_VARIABLE}=${this.value}\0`);
  }

  /** The variable to add to the task's environment. */
  get variable(): Record<string, string> {
    return { [MARKER_VARIABLE]: this.value };
  }

  /**
   * The pids among `candidates` whose environment carries the marker. Each process is read once per pid, start time
   * and name; a process already found is remembered by the caller (ProcessTree) even if it execs without the marker.
   */
  holders(candidates: readonly ProcStat[]): number[] {
    const seen = new Map<number, readonly [string, boolean]>();
    const found: number[] = [];
    for (const stat of candidates) {
      const key = `${stat.startTime} ${stat.comm}`;
      const known = this.#seen.get(stat.pid);
      let marked: boolean | undefined = known !== undefined && known[0] === key ? known[1] : undefined;
      if (marked === undefined) {
        const environ = readEnviron(stat.pid);
        // Empty: a kernel thread, a zombie, or not readable (another user's): look again next time.
        if (environ === undefined || environ.length === 0) continue;
        // Every entry ends with a NUL; 128 random bits make a match anywhere else in the block impossible in practice.
        marked = environ.includes(this.#needle);
      }
      seen.set(stat.pid, [key, marked]);
      if (marked) found.push(stat.pid);
    }
    this.#seen = seen;
    return found;
  }
}

function readEnviron(pid: number): Buffer | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
}
