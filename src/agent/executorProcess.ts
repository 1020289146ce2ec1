// Starts an executor as a real process the way the Mesos containerizer does: in its own session (so its own
// process group), cwd = sandbox, stdin /dev/null, stdout/stderr appended to <sandbox>/stdout and <sandbox>/stderr,
// exactly the given environment. A shell command line runs as `sh -c <line>` (CommandInfo.shell=true).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, createWriteStream, openSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { containerProcesses, killContainer } from "./procTable.js";

/** How to start the executor: an argv (argv[0] is looked up in PATH) or a shell line for `sh -c`. */
export type ExecutorCommand = { argv: readonly string[] } | { shell: string };

export type OutputStream = "stdout" | "stderr";
export type OutputListener = (stream: OutputStream, chunk: Buffer) => void;

export interface ProcessExit {
  /** Exit code, or null when a signal ended the process (or it never started). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface SpawnExecutorOptions {
  command: ExecutorCommand;
  sandbox: string;
  env: Readonly<Record<string, string>>;
  /** Also receive the output (it still goes to the sandbox files). */
  onOutput?: OutputListener;
}

export class ExecutorProcess {
  readonly pid: number | undefined;
  /** Resolves when the executor process itself has exited (its container may still have members). */
  readonly exited: Promise<ProcessExit>;
  private constructor(child: ChildProcess, exited: Promise<ProcessExit>) {
    this.pid = child.pid;
    this.exited = exited;
  }

  static spawn({ command, sandbox, env, onOutput }: SpawnExecutorOptions): ExecutorProcess {
    const [file, args, argv0] =
      "shell" in command
        ? ["/bin/sh", ["-c", command.shell], "sh"]
        : [command.argv[0] ?? "", command.argv.slice(1), command.argv[0] ?? ""];
    const stdoutPath = join(sandbox, "stdout");
    const stderrPath = join(sandbox, "stderr");
    let child: ChildProcess;
    if (onOutput) {
      // Tee through pipes: the files keep everything, the listener sees it live.
      child = spawn(file, args, { argv0, cwd: sandbox, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      for (const [name, path] of [["stdout", stdoutPath], ["stderr", stderrPath]] as const) {
        const sink = createWriteStream(path, { flags: "a" });
        const source = child[name];
        source?.on("data", (chunk: Buffer) => {
          sink.write(chunk);
          onOutput(name, chunk);
        });
        source?.once("close", () => sink.end());
      }
    } else {
      // Hand the files to the child directly, as the agent does: output survives whatever the agent does.
      const out = openSync(stdoutPath, "a");
      const err = openSync(stderrPath, "a");
      try {
        child = spawn(file, args, { argv0, cwd: sandbox, env, detached: true, stdio: ["ignore", out, err] });
      } finally {
        closeSync(out);
        closeSync(err);
      }
    }
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error) => {
        // A spawn failure emits "error" and no "exit".
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
    });
    return new ExecutorProcess(child, exited);
  }

  /** Container destroy: SIGKILL the process group and every other process of the container. */
  killContainer(): void {
    // Once the container is confirmed gone its pid may belong to someone else: never signal it again.
    if (this.pid !== undefined && !this.#gone) killContainer(this.pid);
  }

  #gone = false;

  /** Resolves once no live process of the container remains (polling /proc; bounded so a stuck kill cannot hang). */
  async containerGone({ timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<boolean> {
    if (this.pid === undefined) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // Zombies do not count: they are dead, only waiting for whoever inherited them to reap them.
      if (containerProcesses(this.pid).length === 0) {
        this.#gone = true;
        return true;
      }
      if (performance.now() >= deadline) return false;
      killContainer(this.pid);
      await delay(10);
    }
  }
}
