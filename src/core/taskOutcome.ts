// How a task ended, as the lifecycle core reports it to its front ends (mesos/ maps it to a TaskState, `berth run`
// to its own exit code). Messages follow the Mesos command executor's wording so that operators recognise them.
import { signalNumber, type ExitStatus } from "../process/exitStatus.js";

export type TaskOutcome =
  | { readonly state: "finished"; readonly exitCode: 0; readonly message: string }
  | {
      readonly state: "failed";
      /** The process's exit code, 128 + n for a death by signal n, 127/126 when it could not be executed. */
      readonly exitCode: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly message: string;
      /** "internal": Berth itself failed (e.g. /proc unreadable) and lost track of the task. */
      readonly cause: "exit" | "signal" | "spawn" | "internal";
    }
  | {
      readonly state: "killed";
      /** As for "failed"; null when the task was killed before a process existed. */
      readonly exitCode: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly message: string;
      /** True when the stop signal was not enough and the group had to be SIGKILLed. */
      readonly escalated: boolean;
    };

/** "Command exited with status 3", "Command terminated with signal SIGTERM (15)". */
export function describeExit(status: ExitStatus): string {
  if (status.signal !== null) return `Command terminated with signal ${status.signal} (${signalNumber(status.signal)})`;
  return `Command exited with status ${status.exitCode ?? 0}`;
}
