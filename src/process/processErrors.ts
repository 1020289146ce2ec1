// Errors of the process layer. Each has a stable `code`; the message says what failed in words an operator can act on.
import { BerthError } from "../berthError.js";

/** The command could not be executed at all (nothing ran). */
export class SpawnError extends BerthError {
  /** The errno name reported by the kernel (ENOENT, EACCES, …). */
  readonly errno: string;
  /** Shell convention for this failure: 127 when the file or directory is missing, 126 when it cannot be run. */
  readonly exitCode: number;

  constructor(message: string, errno: string, options?: { cause?: unknown }) {
    super("SPAWN_FAILED", message, options);
    this.errno = errno;
    this.exitCode = errno === "ENOENT" ? 127 : 126;
  }
}

/** The task's `user` does not exist on this machine. */
export class UnknownUserError extends BerthError {
  constructor(user: string, options?: { cause?: unknown }) {
    super("UNKNOWN_USER", `User "${user}" does not exist on this machine`, options);
  }
}

/** The task asks for another user but Berth is not running as root, so it cannot switch. */
export class UserSwitchNotPermittedError extends BerthError {
  constructor(user: string, currentUid: number) {
    super(
      "USER_SWITCH_NOT_PERMITTED",
      `Cannot run the task as user "${user}": Berth runs as uid ${currentUid}, and only root can switch users`,
    );
  }
}

/** The task asks for another user, but setpriv (util-linux), which gives it the user's groups, is not installed. */
export class UserSwitchUnavailableError extends BerthError {
  constructor(user: string, looked: readonly string[]) {
    super(
      "USER_SWITCH_UNAVAILABLE",
      `Cannot run the task as user "${user}": setpriv (util-linux), which gives it the user's groups, is not at ${looked.join(" or ")}`,
    );
  }
}

/** Sending a signal failed for a reason other than "already gone" (typically EPERM). */
export class SignalError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIGNAL_FAILED", message, options);
  }
}
