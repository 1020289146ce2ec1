// What the lifecycle core needs to know about one task, free of any Mesos type: the front ends (mesos/ for
// `berth executor`, cli/ for `berth run`) translate their inputs into this.
import type { CommandSpec } from "../process/commandSpec.js";

export type { CommandSpec } from "../process/commandSpec.js";

export interface TaskSpec {
  /** Stable id used in messages and logs (Mesos TaskID). */
  readonly taskId: string;
  readonly name: string;
  readonly command: CommandSpec;
  /** The complete environment of the task process; the front end has already applied its precedence rules. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Run as this user (only honoured when Berth runs as root). */
  readonly user?: string;
  /** Time between the stop signal and SIGKILL. */
  readonly killGracePeriodMs: number;
  /** Signal that asks the task to stop (default SIGTERM). */
  readonly stopSignal: NodeJS.Signals;
}
