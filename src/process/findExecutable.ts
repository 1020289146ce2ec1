// What execvp(3) would say about running `file`, checked before Berth hands the exec to a helper (setpriv) that
// cannot report an exec failure other than through an exit code (127/126, indistinguishable from the command's own).
// With the check, a missing or non-executable command is still a SpawnError (TASK_FAILED, launch failed), as when
// Node execs it directly. It sees the file system as Berth does (root): a file that only the target user may not run
// still fails later, as exit 126 with setpriv's message on the task's stderr.
import { statSync, type Stats } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/** glibc's default search path (confstr _CS_PATH), used by execvp when PATH is unset. */
const DEFAULT_PATH = "/bin:/usr/bin";

/** undefined if execvp would find an executable `file`; else the errno it would fail with (ENOENT, EACCES). */
export function execvpError(file: string, path: string | undefined, cwd: string): "ENOENT" | "EACCES" | undefined {
  if (file === "") return "ENOENT";
  const candidates = file.includes("/")
    ? [file]
    : (path ?? DEFAULT_PATH).split(":").map((dir) => `${dir === "" ? "." : dir}/${file}`);
  let error: "ENOENT" | "EACCES" = "ENOENT";
  for (const candidate of candidates) {
    let stat: Stats;
    try {
      stat = statSync(isAbsolute(candidate) ? candidate : resolve(cwd, candidate));
    } catch (e) {
      // ENOENT, ENOTDIR: not here, keep searching; EACCES (a directory on the way): remembered, as execvp does.
      if ((e as NodeJS.ErrnoException).code === "EACCES") error = "EACCES";
      continue;
    }
    // execve refuses directories and files without any execute bit with EACCES; execvp then keeps searching.
    if (stat.isFile() && (stat.mode & 0o111) !== 0) return undefined;
    error = "EACCES";
  }
  return error;
}
