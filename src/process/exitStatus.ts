// How a process ended, and the shell convention that turns a signal death into an exit code (128 + n), as tini,
// dumb-init and every POSIX shell do.
import { constants } from "node:os";

/** As Node reports it: exactly one of the two is set. */
export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The number of a signal on this platform (SIGTERM → 15). */
export function signalNumber(signal: NodeJS.Signals): number {
  const n = (constants.signals as Readonly<Record<string, number | undefined>>)[signal];
  if (n === undefined) throw new TypeError(`Unknown signal ${signal}`);
  return n;
}

/** The exit code a shell would report: the code itself, or 128 + n for a death by signal n. */
export function exitCodeOf(status: ExitStatus): number {
  if (status.signal !== null) return 128 + signalNumber(status.signal);
  return status.exitCode ?? 0;
}
