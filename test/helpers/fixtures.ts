// Paths of the behaviour scripts in test/fixtures (from the source tree: the build does not keep exec bits) and
// temporary directories for their marker files.
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

  /** The pids a fixture wrote to marker `name` (e.g. "ready"), once it exists. */
  async pids(name: string, what = `marker ${name}`): Promise<number[]> {
    const path = this.file(name);
    const text = await waitFor(() => existsSync(path) && readFileSync(path, "utf8"), { what });
    return text.trim().split(/\s+/).map(Number);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
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
