// Starts a task's command as the leader of a new session and process group (setsid, via `detached: true`), so that
// pid = pgid = sid and the whole task can be signalled with kill(-pgid) and found in /proc by its session id.
//
// Another user: Node's uid/gid options call setgroups(0), so the command would run with its primary group only.
// Mesos gives it the user's whole group list (initgroups), and so does Berth, by exec'ing through util-linux
// `setpriv --reuid --regid --init-groups --` (it execs the command, nothing stays in between; the arguments are
// an argv, never a shell line).
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import type { Readable } from "node:stream";
import type { CommandSpec } from "./commandSpec.js";
import { Containment, type ContainmentRequest } from "./containment.js";
import type { ExitStatus } from "./exitStatus.js";
import { execvpError } from "./findExecutable.js";
import { SpawnError, UserSwitchNotPermittedError, UserSwitchUnavailableError } from "./processErrors.js";
import { resolveUser, type UserIds } from "./resolveUser.js";

/**
 * Where setpriv may be, in order. Fixed paths, never the task's PATH: the task's environment must not choose the
 * program that runs as root.
 */
export const SETPRIV_PATHS: readonly string[] = ["/usr/bin/setpriv", "/bin/setpriv"];

/** What to do with the task's stdout/stderr: share Berth's, discard, or hand a stream to the caller. */
export type OutputMode = "inherit" | "ignore" | "pipe";

export interface SpawnGroupOptions {
  /** The complete environment: nothing is inherited from Berth. PATH in here is used to find an `argv` file. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Run as this user (name or numeric uid); needs Berth to run as root unless it is Berth's own user. */
  readonly user?: string;
  readonly stdout?: OutputMode;
  readonly stderr?: OutputMode;
  /** Aborts the preparation (user lookup); once the process exists, abort has no effect on it. */
  readonly signal?: AbortSignal;
  /** Contain the command (a cgroup, or an environment marker) so that every process it forks is found again. */
  readonly contain?: ContainmentRequest;
}

export interface GroupHandle {
  /** The leader's pid, which is also its process group id and session id. */
  readonly pid: number;
  /** Settles when the leader exits (other members of the group may still be running). Never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** Set when the corresponding OutputMode is "pipe". */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Set when `contain` was asked for: give it to the ProcessTree; release it once the task is gone. */
  readonly containment: Containment | undefined;
}

/** Spawns `command`; rejects with a SpawnError when nothing could be executed (ENOENT → 127, EACCES → 126). */
export async function spawnGroup(command: CommandSpec, options: SpawnGroupOptions): Promise<GroupHandle> {
  const { env, cwd, user, stdout = "inherit", stderr = "inherit", signal } = options;
  signal?.throwIfAborted();
  const ids = user === undefined ? undefined : await idsToSwitchTo(user, signal);
  signal?.throwIfAborted();

  const [file, args] = command.kind === "shell" ? ["/bin/sh", ["-c", command.script]] : [command.file, command.args];
  let launch: { file: string; args: readonly string[] } = { file, args };
  if (ids !== undefined) {
    const setpriv = findSetpriv(user!);
    // setpriv can only report a failed exec as exit 127/126: find out before, so that it stays a SpawnError.
    if (isDirectory(cwd)) {
      const errno = execvpError(file, env.PATH, cwd);
      if (errno !== undefined) throw new SpawnError(`spawn ${file} ${errno}`, errno);
    }
    launch = { file: setpriv, args: [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--init-groups", "--", file, ...args] };
  }
  const start = (childEnv: Readonly<Record<string, string>>): ChildProcess =>
    spawn(launch.file, launch.args, { env: { ...childEnv }, cwd, detached: true, stdio: ["ignore", stdout, stderr] });
  const containment = options.contain === undefined ? undefined : Containment.open(options.contain);
  const child = containment === undefined ? start(env) : containment.spawn(env, start);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (exitCode, exitSignal) => resolve({ exitCode, signal: exitSignal }));
  });
  try {
    const pid = await spawned(child, cwd, file);
    return { pid, exited, stdout: child.stdout, stderr: child.stderr, containment };
  } catch (error) {
    containment?.release();
    throw error;
  }
}

/** The first of `candidates` that exists: the setpriv to switch users with. */
export function findSetpriv(user: string, candidates: readonly string[] = SETPRIV_PATHS): string {
  const found = candidates.find((path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
  if (found === undefined) throw new UserSwitchUnavailableError(user, candidates);
  return found;
}

/** The uid/gid to switch to, or undefined when no switch is needed. */
async function idsToSwitchTo(user: string, signal: AbortSignal | undefined): Promise<UserIds | undefined> {
  const ids = await resolveUser(user, { signal });
  const currentUid = process.getuid?.() ?? -1;
  if (currentUid === 0) return ids;
  if (ids.uid === currentUid) return undefined; // already that user: nothing to switch
  throw new UserSwitchNotPermittedError(user, currentUid);
}

/** `file` is the command's own, named in errors (not setpriv's). */
function spawned(child: ChildProcess, cwd: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // An 'error' after a successful spawn can only come from child.kill(), which Berth never uses (it signals the
    // group); the listener stays so that such an error cannot crash the process.
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) reject(toSpawnError(error, cwd, file));
    });
    child.once("spawn", () => resolve(child.pid!));
  });
}

function toSpawnError(error: NodeJS.ErrnoException, cwd: string, file: string): SpawnError {
  const errno = error.code ?? "UNKNOWN";
  // Node's own message is "spawn <file> <errno>"; built here so that it names the command, not setpriv.
  const message = `spawn ${file} ${errno}`;
  // The kernel reports a missing working directory as ENOENT too, and Node then blames the executable.
  const cwdMissing = errno === "ENOENT" && !isDirectory(cwd);
  return new SpawnError(cwdMissing ? `${message} (working directory ${cwd} does not exist)` : message, errno, { cause: error });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
