// How Berth finds every process of a task at kill time, including those that left its session and process group and
// lost their parent chain (a daemon that setsids and double-forks, its parent exiting at once): a cgroup v2 group
// per task where one can be made (exact: nothing leaves it without root's help), else a marker in the task's
// environment (best effort). The process group, the session and the parent chain (ProcessTree) still count too.
import type { ProcStat } from "./procStat.js";
import { EnvMarker, MARKER_VARIABLE } from "./envMarker.js";
import { CgroupUnavailableError, TaskCgroup } from "./taskCgroup.js";

/** "auto": a cgroup if one can be made, else the marker. "marker": the marker only (tests, or a cgroup tree to keep clean). */
export type ContainmentMode = "auto" | "marker";

export interface ContainmentRequest {
  /** Names the cgroup (the task id). */
  readonly label: string;
  readonly mode: ContainmentMode;
}

export class Containment {
  #cgroup: TaskCgroup | undefined;
  #marker: EnvMarker | undefined;
  #fallback: string | undefined;

  private constructor(cgroup: TaskCgroup | undefined, fallback: string | undefined) {
    this.#cgroup = cgroup;
    this.#fallback = fallback;
    if (cgroup === undefined) this.#marker = new EnvMarker();
  }

  /** Makes the task's cgroup (mode "auto") or falls back to a marker; never throws. */
  static open({ label, mode }: ContainmentRequest): Containment {
    if (mode === "marker") return new Containment(undefined, "the marker was asked for");
    try {
      return new Containment(TaskCgroup.create(label), undefined);
    } catch (error) {
      if (!(error instanceof CgroupUnavailableError)) throw error;
      return new Containment(undefined, error.message);
    }
  }

  get mechanism(): "cgroup" | "marker" {
    return this.#cgroup !== undefined ? "cgroup" : "marker";
  }

  /** The cgroup's directory, or the marker variable's name, for the log. */
  get where(): string {
    return this.#cgroup?.path ?? MARKER_VARIABLE;
  }

  /** Why there is no cgroup (undefined when there is one). */
  get fallbackReason(): string | undefined {
    return this.#fallback;
  }

  /**
   * Calls `spawn` (a synchronous fork, as child_process.spawn) so that the child is contained: inside the cgroup,
   * or with the marker added to `env`. If Berth cannot enter the cgroup, falls back to the marker for this task.
   */
  spawn<T>(env: Readonly<Record<string, string>>, spawn: (env: Readonly<Record<string, string>>) => T): T {
    if (this.#cgroup !== undefined) {
      try {
        return this.#cgroup.spawnInside(() => spawn(env));
      } catch (error) {
        if (!(error instanceof CgroupUnavailableError)) throw error;
        this.#cgroup.remove();
        this.#cgroup = undefined;
        this.#fallback = error.message;
        this.#marker = new EnvMarker();
      }
    }
    return spawn({ ...env, ...this.#marker!.variable });
  }

  /**
   * Pids of the task's processes that this mechanism finds: the cgroup's members (`candidates` is not needed), or
   * the processes among `candidates` that carry the marker. May include pids that are not in `candidates`.
   */
  members(candidates: readonly ProcStat[]): number[] {
    return this.#cgroup !== undefined ? this.#cgroup.pids() : this.#marker!.holders(candidates);
  }

  /** SIGKILLs the whole cgroup at once, when there is one with cgroup.kill; false otherwise. */
  killAll(): boolean {
    return this.#cgroup?.killAll() ?? false;
  }

  /** Freezes the task's cgroup (see TaskCgroup.freeze); false without a cgroup or if it did not freeze in time. */
  freeze(): boolean {
    return this.#cgroup?.freeze() ?? false;
  }

  thaw(): void {
    this.#cgroup?.thaw();
  }

  /** Removes the cgroup once the task is gone; false if it still has processes. */
  release(): boolean {
    return this.#cgroup?.remove() ?? true;
  }
}
