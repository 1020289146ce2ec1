// COMMAND probe: exit 0 is a pass. The command runs in its own session and process group (as Mesos runs checks with
// setsid), so that a timeout or a stop can SIGKILL the command together with everything it started.
import type { Readable } from "node:stream";
import { setLongTimeout, type LongTimer } from "../../time/longTimer.js";
import { ProcessTree } from "../../process/processTree.js";
import { exitedOrAborted, killGroupNow } from "../../process/killGroupNow.js";
import { spawnGroup, type GroupHandle } from "../../process/spawnGroup.js";
import type { Probe, ProbeResult } from "./checkSpec.js";

export type CommandProbe = Extract<Probe, { kind: "command" }>;

/** How much of the command's output (stdout and stderr together) is kept for diagnostics. */
const OUTPUT_TAIL_BYTES = 1024;
/** After SIGKILL, how long to wait for the group to vanish (a process in uninterruptible sleep cannot die at once). */
/** After the group is gone, how long the output pipes may stay open (held by something that escaped the scan). */
const OUTPUT_DRAIN_MS = 1_000;

/** Runs the command; on abort it SIGKILLs the group, waits until it is gone and rejects with `signal.reason`. */
export async function probeCommand(probe: CommandProbe, signal: AbortSignal): Promise<ProbeResult> {
  let handle: GroupHandle;
  try {
    handle = await spawnGroup(probe.command, {
      env: probe.env,
      cwd: probe.cwd,
      user: probe.user,
      stdout: "pipe",
      stderr: "pipe",
      signal,
    });
  } catch (error) {
    signal.throwIfAborted();
    // Nothing ran (missing file, unknown user, …): Mesos reports no exit code then.
    return { ok: false, message: `command could not be run: ${(error as Error).message}`, detail: { kind: "command" } };
  }
  const tree = new ProcessTree(handle.pid);
  const output = new OutputTail([handle.stdout, handle.stderr]);
  const status = await exitedOrAborted(handle.exited, signal);
  // After a normal exit too: a check must not leave a process behind at every interval.
  await killGroupNow(tree);
  await output.closed(OUTPUT_DRAIN_MS);
  if (status === "aborted") throw signal.reason;

  const tail = output.text();
  const withOutput = (result: ProbeResult): ProbeResult => (tail === "" ? result : { ...result, output: tail });
  if (status.signal !== null) {
    return withOutput({ ok: false, message: `command terminated by signal ${status.signal}`, detail: { kind: "command" } });
  }
  const exitCode = status.exitCode ?? 0;
  return withOutput({ ok: exitCode === 0, message: `command exited with status ${exitCode}`, detail: { kind: "command", exitCode } });
}



/** Keeps the last OUTPUT_TAIL_BYTES of several streams, read as they come so that the command never blocks. */
class OutputTail {
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #streams: Readable[];

  constructor(streams: readonly (Readable | null)[]) {
    this.#streams = streams.filter((s): s is Readable => s !== null);
    for (const stream of this.#streams) {
      stream.on("data", (chunk: Buffer) => this.#add(chunk));
      stream.on("error", () => undefined); // a broken pipe only loses diagnostics
    }
  }

  #add(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= OUTPUT_TAIL_BYTES) this.#size -= this.#chunks.shift()!.length;
  }

  /** Resolves when every stream is closed, or after `ms` (then destroys them). */
  async closed(ms: number): Promise<void> {
    let timer: LongTimer | undefined;
    const open = this.#streams.filter((s) => !s.closed);
    await Promise.race([
      Promise.all(open.map((s) => new Promise((resolve) => s.once("close", resolve)))),
      new Promise<void>((resolve) => (timer = setLongTimeout(resolve, ms))),
    ]);
    timer?.clear();
    for (const stream of this.#streams) stream.destroy();
  }

  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - OUTPUT_TAIL_BYTES)).toString("utf8").trim();
  }
}
