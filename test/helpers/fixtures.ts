// Paths of the behaviour scripts in test/fixtures (from the source tree: the build does not keep exec bits) and
// temporary directories for their marker files. A marker is complete once it ends with a newline: the fixtures write
// to a temporary name and rename, and readers (MarkerDir.text/pids) also wait for the newline, which covers a plain
// `echo $$ > file` in a test's own script.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandSpec, TaskSpec } from "../../src/core/taskSpec.js";
import { waitFor } from "./waitFor.js";

/** The repository root: the nearest ancestor of this file with a package.json (works from src and from dist). */
export const repoRoot: string = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error("package.json not found above " + import.meta.url);
  }
})();

export function fixture(name: string): string {
  return join(repoRoot, "test", "fixtures", name);
}

/** A temporary directory for marker files, removed by `remove()`. */
export class MarkerDir {
  readonly path = mkdtempSync(join(tmpdir(), "berth-test-"));

  file(name: string): string {
    return join(this.path, name);
  }

  /** READY_FILE / TERM_FILE / DONE_FILE for the fixtures, plus PATH (a task's env is exact). */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      READY_FILE: this.file("ready"),
      TERM_FILE: this.file("term"),
      DONE_FILE: this.file("done"),
      ...extra,
    };
  }

  exists(name: string): boolean {
    return existsSync(this.file(name));
  }

  /**
   * The text of marker `name` once it is complete: it exists and ends with a newline. A shell's `echo $$ > file`
   * creates the file empty and writes it afterwards; a reader in between must not take "" for the content.
   */
  async text(name: string, { what = `marker ${name}`, timeoutMs }: { what?: string; timeoutMs?: number } = {}): Promise<string> {
    const path = this.file(name);
    return waitFor(
      () => {
        const text = readComplete(path);
        return text !== undefined && text.trim() !== "" ? text : undefined;
      },
      { what, ...(timeoutMs !== undefined ? { timeoutMs } : {}) },
    );
  }

  /** The pids a fixture wrote to marker `name` (e.g. "ready"), once the marker is complete. */
  async pids(name: string, options: { what?: string; timeoutMs?: number } = {}): Promise<number[]> {
    const pids = (await this.text(name, options)).trim().split(/\s+/).map(Number);
    if (!pids.every((pid) => Number.isInteger(pid) && pid > 1)) throw new Error(`marker ${name} is not a list of pids: ${JSON.stringify(pids)}`);
    return pids;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** The file's text if it exists and ends with a newline (a writer has finished the line), else undefined. */
function readComplete(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8");
    return text.endsWith("\n") ? text : undefined;
  } catch {
    return undefined; // not there yet
  }
}

/** A grace long enough that a test finishing well before it proves the grace was not waited for. */
export const LONG_GRACE_MS = 60_000;

/** A fixture script run by /bin/sh (the build does not keep exec bits). */
export function fixtureCommand(name: string, ...args: string[]): CommandSpec {
  return { kind: "argv", file: "/bin/sh", args: [fixture(name), ...args] };
}

/** A TaskSpec running in `markers`' dir with its marker environment and a long grace. */
export function markerTaskSpec(markers: MarkerDir, command: CommandSpec, more: Partial<TaskSpec> = {}): TaskSpec {
  return {
    taskId: "task-1",
    name: "test task",
    command,
    env: markers.env(),
    cwd: markers.path,
    killGracePeriodMs: LONG_GRACE_MS,
    stopSignal: "SIGTERM",
    ...more,
  };
}

/** A user that is a member of a group other than its primary one (postgres in ssl-cert on the dev machine). */
export function userWithSupplementaryGroup(): { name: string; uid: number; groups: number[] } | undefined {
  const passwd = new Map<string, { uid: number; gid: number }>();
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name && uid && gid) passwd.set(name, { uid: Number(uid), gid: Number(gid) });
  }
  const candidates: string[] = [];
  for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
    const [, , gid, members = ""] = line.split(":");
    for (const member of members.split(",").filter(Boolean)) {
      const user = passwd.get(member);
      if (user && user.uid !== 0 && user.gid !== Number(gid)) candidates.push(member);
    }
  }
  const name = candidates.includes("postgres") ? "postgres" : candidates[0];
  if (name === undefined) return undefined;
  // What NSS says the user's groups are (the same source as initgroups).
  const groups = execFileSync("id", ["-G", "--", name], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
  return { name, uid: passwd.get(name)!.uid, groups };
}
