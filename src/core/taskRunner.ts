// Runs one task's process from spawn to "the whole process group is gone", including the kill path. No Mesos here:
// front ends drive it (start, kill) and map its events and outcome to their own world.
//
//   idle ──start()──▶ starting ──spawned──▶ running ──leader exits on its own──▶ exited ──group gone──▶ done
//    │                   │                    │                                   (leftovers: stop signal, then
//    │ kill()            │ spawn failed       │ kill(): onKilling, stop signal     SIGKILL when the grace ends)
//    ▼                   ▼                    ▼  to the group and escapees
//   done (killed,     done (failed,        killing ──group gone──────────────────────────────────▶ done (killed)
//    nothing ran)      cause "spawn")         └──grace over: SIGKILL group (escalated) ──gone──▶ done (killed)
//
// - kill() while starting is remembered and applied as soon as the process exists (its grace already counts).
// - A repeated kill only shortens the grace: deadline = min(deadline, first kill + new grace).
// - kill() once the leader has exited does not change the outcome; it may only shorten the leftovers' grace.
// - The outcome settles only when no live process of the group, the session, an escaped descendant or the task's
//   containment (its cgroup, or its BERTH_TASK_MARKER: a daemon that double-forked) remains: the leader exiting is
//   not enough (MESOS-6933: `sh -c 'child & wait'` dies at once on SIGTERM, its child may not). Then the cgroup goes.
import { silentLogger, type Logger } from "../logger.js";
import { exitCodeOf, type ExitStatus } from "../process/exitStatus.js";
import type { Readable } from "node:stream";
import type { ProcStat } from "../process/procStat.js";
import { SpawnError } from "../process/processErrors.js";
import type { ContainmentMode } from "../process/containment.js";
import { ProcessTree } from "../process/processTree.js";
import { signalGroup, waitGroupGone } from "../process/signalGroup.js";
import { spawnGroup, type GroupHandle, type OutputMode } from "../process/spawnGroup.js";
import { setLongTimeout } from "../time/longTimer.js";
import { describeExit, type TaskOutcome } from "./taskOutcome.js";
import type { TaskSpec } from "./taskSpec.js";

export type { TaskOutcome } from "./taskOutcome.js";

export type TaskRunnerState = "idle" | "starting" | "running" | "killing" | "exited" | "done";

export interface TaskRunnerEvents {
  /** The process exists (TASK_RUNNING). */
  onRunning(pid: number): void;
  /** The first kill() of a started task, just before the stop signal (TASK_KILLING). */
  onKilling(): void;
}

export interface TaskRunnerOptions {
  /** Monotonic clock in ms for the kill deadlines (default performance.now); waits still use real timers. */
  readonly now?: () => number;
  /** The task's stdout/stderr (default: Berth's own). */
  readonly stdout?: OutputMode;
  readonly stderr?: OutputMode;
  /**
   * Receives the task's piped streams (those whose mode is "pipe") as soon as the process exists, before onRunning:
   * the log pipeline must read them from the first byte, or the task blocks once the pipe is full.
   */
  readonly onStreams?: (stdout: Readable | null, stderr: Readable | null) => void;
  readonly logger?: Logger;
  /** How often to check whether the group is gone while waiting for it (default 20 ms). */
  readonly pollMs?: number;
  /** After SIGKILL, how long to wait for processes that cannot die (uninterruptible sleep, EPERM) before giving up. */
  readonly abandonAfterMs?: number;
  /**
   * How to find processes that left the task's session and parent chain: "auto" (default) a cgroup v2 group per
   * task where one can be made, else the BERTH_TASK_MARKER environment marker; "marker" the marker only.
   */
  readonly containment?: ContainmentMode;
}

/** How often SIGKILL is re-sent to whatever is still found once the grace is over. */
const RESEND_KILL_MS = 250;

export class TaskRunner {
  readonly outcome: Promise<TaskOutcome>;
  readonly #spec: TaskSpec;
  readonly #events: Partial<TaskRunnerEvents>;
  readonly #now: () => number;
  readonly #options: TaskRunnerOptions;
  readonly #logger: Logger;
  #settle!: (outcome: TaskOutcome) => void;
  #state: TaskRunnerState = "idle";
  #pid: number | undefined;
  #tree: ProcessTree | undefined;
  /** Set by the first kill(): the outcome is "killed" whatever the exit status. */
  #killRequested = false;
  #killStarted!: () => void;
  readonly #killStartedPromise: Promise<void>;
  /** Start of the current termination (kill, or leftovers after the leader's exit) and when SIGKILL is due. */
  #termStart: number | undefined;
  #deadline: number | undefined;
  #escalated = false;
  #wakeup: (() => void) | undefined;

  constructor(spec: TaskSpec, events: Partial<TaskRunnerEvents> = {}, options: TaskRunnerOptions = {}) {
    this.#spec = spec;
    this.#events = events;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#logger = (options.logger ?? silentLogger).child({ task: spec.taskId });
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    this.#killStartedPromise = new Promise((resolve) => (this.#killStarted = resolve));
  }

  get state(): TaskRunnerState {
    return this.#state;
  }

  /** The leader's pid (= pgid = sid) once spawned. */
  get pid(): number | undefined {
    return this.#pid;
  }

  /** Spawns the task (once; later calls and calls after a kill are ignored). */
  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "starting";
    this.#run().catch((error: unknown) => {
      // Only a broken /proc gets here; the outcome cannot be known, so say so rather than hang.
      this.#logger.log("error", "task runner failed", { error: String(error) });
      this.#finish({
        state: "failed",
        exitCode: null,
        signal: null,
        cause: "internal",
        message: `Berth lost track of the task: ${String(error)}`,
      });
    });
  }

  /** Asks the task to stop: stop signal to the whole group now, SIGKILL when the grace period ends. */
  kill({ gracePeriodMs = this.#spec.killGracePeriodMs }: { gracePeriodMs?: number } = {}): void {
    const grace = Math.max(0, Number.isFinite(gracePeriodMs) ? gracePeriodMs : this.#spec.killGracePeriodMs);
    switch (this.#state) {
      case "idle":
        this.#killRequested = true;
        this.#finish({
          state: "killed",
          exitCode: null,
          signal: null,
          escalated: false,
          message: "Task killed before it was started",
        });
        return;
      case "done":
        return;
      case "exited":
        this.#shortenGrace(grace); // the outcome is already decided by the leader's own exit
        return;
      case "killing":
        this.#shortenGrace(grace);
        return;
      case "starting":
      case "running":
        if (this.#killRequested) {
          this.#shortenGrace(grace);
          return;
        }
        this.#killRequested = true;
        this.#termStart = this.#now();
        this.#deadline = this.#termStart + grace;
        if (this.#state === "running") this.#beginKill();
        // else: #run applies it as soon as the process exists
        return;
    }
  }

  async #run(): Promise<void> {
    let handle: GroupHandle;
    try {
      handle = await spawnGroup(this.#spec.command, {
        env: this.#spec.env,
        cwd: this.#spec.cwd,
        user: this.#spec.user,
        stdout: this.#options.stdout,
        stderr: this.#options.stderr,
        contain: { label: this.#spec.taskId, mode: this.#options.containment ?? "auto" },
      });
    } catch (error) {
      const message = `Failed to execute command: ${error instanceof Error ? error.message : String(error)}`;
      if (this.#killRequested) {
        this.#finish({ state: "killed", exitCode: null, signal: null, escalated: false, message });
      } else {
        const exitCode = error instanceof SpawnError ? error.exitCode : null;
        this.#finish({ state: "failed", exitCode, signal: null, cause: "spawn", message });
      }
      return;
    }

    const containment = handle.containment!;
    this.#logger.log("debug", "escaped processes are found through " + (containment.mechanism === "cgroup" ? "a cgroup" : "an environment marker"), {
      mechanism: containment.mechanism,
      where: containment.where,
      ...(containment.fallbackReason !== undefined ? { no_cgroup: containment.fallbackReason } : {}),
    });
    const tree = new ProcessTree(handle.pid, containment);
    this.#pid = handle.pid;
    this.#tree = tree;
    this.#state = "running";
    if (handle.stdout || handle.stderr) this.#emit(() => this.#options.onStreams?.(handle.stdout, handle.stderr));
    this.#logger.log("info", "task started", { pid: handle.pid });
    this.#emit(() => this.#events.onRunning?.(handle.pid));
    if (this.#killRequested && this.#state === "running") this.#beginKill();

    await Promise.race([handle.exited, this.#killStartedPromise]);
    let leftBehind = true;
    if (!this.#killRequested) {
      // The leader exited on its own; whatever it left in the group (or outside it) is stopped like a kill would.
      this.#state = "exited";
      leftBehind = tree.scan().length > 0;
      if (leftBehind) {
        this.#termStart = this.#now();
        this.#deadline = this.#termStart + this.#spec.killGracePeriodMs;
        this.#logger.log("info", "stopping processes left behind by the task");
        this.#signal(this.#spec.stopSignal);
      }
    }
    // The common case, a task that exited with nothing left behind, needs no second /proc scan.
    const abandoned = leftBehind ? await this.#reap(tree) : [];
    const status = await handle.exited;
    if (!containment.release()) this.#logger.log("warn", "the task's cgroup still has processes; it stays", { cgroup: containment.where });

    const suffix =
      abandoned.length === 0
        ? ""
        : `; ${abandoned.length} process(es) did not die after SIGKILL: ${abandoned.map((p) => `${p.pid} (${p.comm})`).join(", ")}`;
    // Say when the stop signal was not enough: the leader's own status alone would hide the escalation.
    const escalation =
      this.#escalated && this.#deadline !== undefined && this.#termStart !== undefined
        ? `; processes still running after the ${Math.round(this.#deadline - this.#termStart)} ms grace period were killed with SIGKILL`
        : "";
    const message = describeExit(status) + escalation + suffix;
    this.#finish(this.#outcomeOf(status, message));
  }

  #beginKill(): void {
    this.#state = "killing";
    this.#killStarted();
    this.#emit(() => this.#events.onKilling?.());
    this.#logger.log("info", "sending the stop signal", { signal: this.#spec.stopSignal, deadline_ms: Math.round(this.#deadline! - this.#now()) });
    this.#signal(this.#spec.stopSignal);
  }

  #shortenGrace(grace: number): void {
    if (this.#termStart === undefined || this.#deadline === undefined) return;
    const deadline = this.#termStart + grace;
    if (deadline >= this.#deadline) return; // a repeated kill never lengthens the grace
    this.#deadline = deadline;
    this.#wakeup?.();
  }

  /** Waits until the group is gone, SIGKILLing it once the deadline passes. Returns what could not be killed. */
  async #reap(tree: ProcessTree): Promise<ProcStat[]> {
    const { pollMs = 20, abandonAfterMs = 10_000 } = this.#options;
    const stop = new AbortController();
    const gone = waitGroupGone(tree, { pollMs, signal: stop.signal }).then(() => true as const);
    gone.catch(() => undefined); // the abort below is expected; other errors surface through the race
    let killedAt: number | undefined;
    try {
      for (;;) {
        const now = this.#now();
        if (killedAt === undefined && this.#deadline !== undefined && now >= this.#deadline) {
          killedAt = now;
          this.#escalated = true;
          this.#logger.log("warn", "grace period over, sending SIGKILL");
          this.#signal("SIGKILL");
        } else if (killedAt !== undefined) {
          if (now - killedAt >= abandonAfterMs) return tree.scan(); // empty: gone after all
          this.#signal("SIGKILL"); // also reaches what was forked or found since the last round
        }
        const wait =
          killedAt !== undefined
            ? Math.min(RESEND_KILL_MS, Math.max(0, killedAt + abandonAfterMs - now))
            : this.#deadline !== undefined
              ? Math.max(0, this.#deadline - now)
              : Infinity;
        if (await Promise.race([gone, this.#sleep(wait)])) return [];
      }
    } finally {
      this.#wakeup?.();
      stop.abort();
    }
  }

  /** Resolves false after `ms`, or early when woken (a kill changed the deadline). */
  #sleep(ms: number): Promise<false> {
    return new Promise((resolve) => {
      // A grace period may be longer than setTimeout's 2^31-1 ms; Infinity never fires.
      const timer = setLongTimeout(() => done(), ms);
      const done = (): void => {
        timer.clear();
        if (this.#wakeup === done) this.#wakeup = undefined;
        resolve(false);
      };
      this.#wakeup = done;
    });
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      signalGroup(this.#tree!, signal);
    } catch (error) {
      // Keep going: SIGKILL at the deadline, and the abandon timeout, still bound the wait.
      this.#logger.log("warn", "could not signal every process of the task", { error: String(error) });
    }
  }

  #outcomeOf(status: ExitStatus, message: string): TaskOutcome {
    const exitCode = exitCodeOf(status);
    if (this.#killRequested) {
      return { state: "killed", exitCode, signal: status.signal, escalated: this.#escalated, message };
    }
    if (status.signal === null && exitCode === 0) return { state: "finished", exitCode: 0, message };
    const cause = status.signal === null ? "exit" : "signal";
    return { state: "failed", exitCode, signal: status.signal, cause, message };
  }

  #finish(outcome: TaskOutcome): void {
    if (this.#state === "done") return;
    this.#state = "done";
    // Debug only: the front end logs how the task ended, once, after its hooks (this is the process alone).
    this.#logger.log("debug", "process ended", { state: outcome.state, message: outcome.message });
    this.#settle(outcome);
  }

  /** A throwing callback is a front-end bug; it must not leave the task's processes unmanaged. */
  #emit(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#logger.log("error", "task runner event handler threw", { error: String(error) });
    }
  }
}
