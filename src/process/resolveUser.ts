// Turns a user name into the uid/gid to run a task as. /etc/passwd first (no fork), then `id` for users that only
// exist in NSS (LDAP, sssd), which Node cannot query directly.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { UnknownUserError } from "./processErrors.js";

export interface UserIds {
  readonly uid: number;
  readonly gid: number;
}

const execFileAsync = promisify(execFile);

/** Finds `user` (a name, or a numeric uid) in an /etc/passwd text. */
export function findInPasswd(passwd: string, user: string): UserIds | undefined {
  for (const line of passwd.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    if (name === user || uid === user) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

export async function resolveUser(user: string, { signal }: { signal?: AbortSignal } = {}): Promise<UserIds> {
  signal?.throwIfAborted();
  const passwd = await readFile("/etc/passwd", { encoding: "utf8", signal }).catch(() => "");
  const local = findInPasswd(passwd, user);
  if (local !== undefined) return local;
  try {
    // "--" so that a user name starting with "-" is not read as an option.
    const [uid, gid] = await Promise.all(
      ["-u", "-g"].map(async (flag) => (await execFileAsync("id", [flag, "--", user], { signal })).stdout.trim()),
    );
    if (uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      return { uid: Number(uid), gid: Number(gid) };
    }
    throw new Error(`unexpected output from id: ${uid} ${gid}`);
  } catch (error) {
    signal?.throwIfAborted();
    throw new UnknownUserError(user, { cause: error });
  }
}
