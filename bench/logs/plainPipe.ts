// The baselines without Berth: the generator alone into /dev/null (what the task can write at most), and the same
// generator through a plain pipe (a FIFO) into a minimal forwarder that copies the bytes to the same TCP receiver.
// Each process is spawned through `sh -c 'exec …'` for its redirection, so that its pid is the one spawned (for its
// CPU time). Every argument is passed positionally, never interpolated into the shell line.
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const GENERATOR = fileURLToPath(new URL("./generatorMain.js", import.meta.url));
export const FORWARDER = fileURLToPath(new URL("./forwarderMain.js", import.meta.url));

export interface GeneratorStats {
  readonly lines: number;
  readonly bytes: number;
  /** First write → last write, in the generator. */
  readonly elapsedMs: number;
}

export function readGeneratorStats(path: string): GeneratorStats {
  const stats = JSON.parse(readFileSync(path, "utf8")) as GeneratorStats;
  if (!Number.isInteger(stats.lines) || !Number.isFinite(stats.elapsedMs)) throw new Error(`bad generator stats in ${path}`);
  return stats;
}

function exited(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what} exited with ${signal ?? code}`))));
  });
}

function spawnShell(script: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn("/bin/sh", ["-c", script, ...args], { env, stdio: ["ignore", "ignore", "inherit"], detached: true });
}

/** The generator writing `lines` lines into /dev/null at `rate` (0: as fast as it can). */
export async function generatorAlone(lines: number, rate: number, statsFile: string, env: NodeJS.ProcessEnv): Promise<GeneratorStats> {
  const child = spawnShell('exec "$0" "$1" "$2" "$3" "$4" > /dev/null', [process.execPath, GENERATOR, String(lines), String(rate), statsFile], env);
  await exited(child, "generator");
  return readGeneratorStats(statsFile);
}

export interface PlainPipe {
  readonly generatorPid: number;
  readonly forwarderPid: number;
  /** Both exited with 0 (the forwarder after the receiver closed its side: everything was read). */
  readonly done: Promise<GeneratorStats>;
}

/** generator → FIFO → forwarder → 127.0.0.1:port. */
export function startPlainPipe(options: { lines: number; rate: number; port: number; dir: string; name: string; env: NodeJS.ProcessEnv }): PlainPipe {
  const fifo = join(options.dir, `${options.name}.fifo`);
  const statsFile = join(options.dir, `${options.name}.json`);
  execFileSync("mkfifo", [fifo]);
  const forwarder = spawnShell('exec "$0" "$1" "$2" < "$3"', [process.execPath, FORWARDER, String(options.port), fifo], options.env);
  const generator = spawnShell('exec "$0" "$1" "$2" "$3" "$4" > "$5"', [process.execPath, GENERATOR, String(options.lines), String(options.rate), statsFile, fifo], options.env);
  if (generator.pid === undefined || forwarder.pid === undefined) throw new Error("plain pipe: a process did not start");
  const done = Promise.all([exited(generator, "generator"), exited(forwarder, "forwarder")]).then(() => readGeneratorStats(statsFile));
  return { generatorPid: generator.pid, forwarderPid: forwarder.pid, done };
}
