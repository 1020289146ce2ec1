// External exec hook (Kubernetes' exec handler): runs a program in some lifecycle phases. The program is run from
// its argv, never through a shell (nothing is ever interpolated into a command line), in its own session and process
// group with the task's environment, working directory and user, plus BERTH_* variables that say why it runs.
//
//   stdout/stderr ──line by line──▶ context.output (the task's log stream)
//   stdout "BERTH_ENV KEY=VALUE" ──prestart──▶ the task's environment (never echoed: values may be secrets)
//   context.signal aborts (deadline, kill) ──▶ SIGKILL the hook's whole group at once, reject "timed out after N ms"
//   exit ≠ 0 ──▶ reject "exited with status N: <last stderr line>"
//
// A hook's processes never outlive its call: whatever it left running in its group is SIGKILLed once it exits.
import type { Readable } from "node:stream";
import { BerthError } from "../berthError.js";
import { LineSplitter } from "../logs/lineSplitter.js";
import type { Hook, HookContext, LifecyclePhase, PrestartResult } from "../core/hook.js";
import type { ExitStatus } from "../process/exitStatus.js";
import { SpawnError } from "../process/processErrors.js";
import { ProcessTree } from "../process/processTree.js";
import { exitedOrAborted, killGroupNow } from "../process/killGroupNow.js";
import { signalGroup } from "../process/signalGroup.js";
import { spawnGroup, type GroupHandle } from "../process/spawnGroup.js";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";

export interface ExecHookOptions {
  /** Names the hook in messages and logs. */
  readonly name: string;
  /** The phases in which the program runs (once per phase). */
  readonly phases: readonly LifecyclePhase[];
  /** Program and arguments; a program without "/" is looked up in the task's PATH, a relative one in its cwd. */
  readonly argv: readonly string[];
  /** Deadline of one run, overriding the lifecycle's phase default. */
  readonly timeoutMs?: number;
  /** Added to the task's environment for the hook only. */
  readonly env?: Readonly<Record<string, string>>;
}

export type ExecHookErrorCode =
  | "EXEC_HOOK_INVALID" // bad options
  | "EXEC_HOOK_SPAWN_FAILED" // the program could not be executed (errno set)
  | "EXEC_HOOK_EXIT_STATUS" // non-zero exit or death by signal
  | "EXEC_HOOK_TIMEOUT" // the call's deadline passed
  | "EXEC_HOOK_CANCELLED" // the lifecycle no longer needed the result (a kill during prestart)
  | "EXEC_HOOK_INVALID_ENV"; // a malformed BERTH_ENV line

export class ExecHookError extends BerthError {
  override readonly code: ExecHookErrorCode;
  /** For EXEC_HOOK_SPAWN_FAILED: ENOENT, EACCES, … */
  readonly errno?: string;

  constructor(code: ExecHookErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(code, message, options);
    this.code = code;
    if (options?.errno !== undefined) this.errno = options.errno;
  }
}

export const PHASES: readonly LifecyclePhase[] = ["prestart", "poststart", "healthy", "preKill", "exited", "stop"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_PREFIX = "BERTH_ENV ";
/** Longest line passed to `output` (longer ones are cut), and longest stderr excerpt in an error message. */
const MAX_EXCERPT = 200;
/** Longest BERTH_ENV line (a value may be a certificate or a key). */
const MAX_ENV_LINE = 1024 * 1024;
/** After SIGKILL, how long to wait for the group to vanish (uninterruptible sleep cannot be cut short). */
/** After the group is gone, how long the output pipes may stay open (held by something that escaped the scan). */
const OUTPUT_DRAIN_MS = 1_000;

/** Builds a Hook that runs `argv` in each of `phases`. Throws an ExecHookError (EXEC_HOOK_INVALID) for bad options. */
export function execHook(options: ExecHookOptions): Hook {
  const problems = validateExecHookOptions(options);
  if (problems.length > 0) throw new ExecHookError("EXEC_HOOK_INVALID", `Invalid exec hook: ${problems.join("; ")}`);
  const { name, phases, timeoutMs } = options;
  const run = (context: HookContext, phase: LifecyclePhase, vars: Record<string, string>): Promise<Record<string, string>> =>
    runExec(options, context, phase, vars);
  const hook: { -readonly [K in keyof Hook]: Hook[K] } = { name, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  for (const phase of new Set(phases)) {
    switch (phase) {
      case "prestart":
        hook.prestart = async (context): Promise<PrestartResult> => ({ env: await run(context, phase, {}) });
        break;
      case "poststart":
        hook.poststart = async (context) => void (await run(context, phase, { BERTH_TASK_PID: String(context.pid) }));
        break;
      case "healthy":
        hook.healthy = async (context) => void (await run(context, phase, {}));
        break;
      case "preKill":
        hook.preKill = async (context) => void (await run(context, phase, { BERTH_KILL_CAUSE: context.cause }));
        break;
      case "exited": {
        hook.exited = async (context) => {
          const code = context.outcome.exitCode;
          await run(context, phase, code === null ? {} : { BERTH_EXIT_CODE: String(code) });
        };
        break;
      }
      case "stop":
        hook.stop = async (context) => void (await run(context, phase, {}));
        break;
    }
  }
  return hook;
}

/** Every problem of exec hook options (empty when valid); the input may come from a config file. */
export function validateExecHookOptions(options: ExecHookOptions): string[] {
  const problems: string[] = [];
  const { name, phases, argv, timeoutMs, env } = options as Partial<Record<keyof ExecHookOptions, unknown>>;
  if (typeof name !== "string" || name.trim() === "") problems.push("name must be a non-empty string");
  if (!Array.isArray(phases) || phases.length === 0) problems.push("phases must list at least one phase");
  else for (const p of phases) if (!PHASES.includes(p as LifecyclePhase)) problems.push(`unknown phase ${JSON.stringify(p)} (expected one of ${PHASES.join(", ")})`);
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")) problems.push("argv must be a non-empty list of strings");
  else if (argv[0] === "") problems.push("argv[0] (the program) must not be empty");
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    problems.push(`timeoutMs must be a positive number (got ${String(timeoutMs)})`);
  }
  if (env !== undefined) {
    if (typeof env !== "object" || env === null) problems.push("env must map names to strings");
    else for (const [key, value] of Object.entries(env)) {
      if (!ENV_NAME.test(key)) problems.push(`env: ${JSON.stringify(key)} is not a valid variable name`);
      if (typeof value !== "string") problems.push(`env.${key} must be a string`);
    }
  }
  return problems;
}

/** One run of the program; resolves with the BERTH_ENV variables it printed (used by prestart only). */
async function runExec(
  { argv, env: hookEnv, timeoutMs }: ExecHookOptions,
  { task, signal, output }: HookContext,
  phase: LifecyclePhase,
  vars: Record<string, string>,
): Promise<Record<string, string>> {
  const started = performance.now();
  const program = argv[0] as string;
  const abortError = (): ExecHookError => {
    const reason: unknown = signal.reason;
    if (reason instanceof Error && reason.name === "TimeoutError") {
      const ms = Math.round(timeoutMs ?? performance.now() - started);
      return new ExecHookError("EXEC_HOOK_TIMEOUT", `${program} timed out after ${ms} ms (its processes were killed)`, { cause: reason });
    }
    return new ExecHookError("EXEC_HOOK_CANCELLED", `${program} was cancelled (its processes were killed)`, { cause: reason });
  };
  if (signal.aborted) throw abortError();

  // Berth's variables last: a task's env must not be able to fake them.
  const env = { ...task.env, ...hookEnv, BERTH_HOOK_PHASE: phase, BERTH_TASK_ID: task.taskId, BERTH_TASK_NAME: task.name, ...vars };
  let handle: GroupHandle;
  try {
    handle = await spawnGroup(
      { kind: "argv", file: program, args: argv.slice(1) },
      { env, cwd: task.cwd, ...(task.user !== undefined ? { user: task.user } : {}), stdout: "pipe", stderr: "pipe", signal },
    );
  } catch (error) {
    if (signal.aborted) throw abortError();
    const errno = error instanceof SpawnError ? error.errno : undefined;
    const message = `could not run ${program}: ${error instanceof Error ? error.message : String(error)}`;
    throw new ExecHookError("EXEC_HOOK_SPAWN_FAILED", message, { cause: error, ...(errno !== undefined ? { errno } : {}) });
  }

  const tree = new ProcessTree(handle.pid);
  // SIGKILL synchronously in the abort event: the lifecycle abandons the call at the same moment, and Berth may exit
  // right after; the hook's processes must already be on their way out by then.
  const onAbort = (): void => killNow(tree);
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();

  const collected: Record<string, string> = {};
  let envProblem: string | undefined;
  let lastStderr = "";
  // A BERTH_ENV line is put back together if it was cut (a long value such as a certificate) and never echoed.
  let envLine: string | undefined;
  let lineStart = true;
  const stdout = new LineSplitter((piece, continues) => {
    if (envLine === undefined && !(lineStart && piece.startsWith(ENV_PREFIX))) {
      lineStart = !continues;
      return output(piece);
    }
    envLine = (envLine ?? "") + piece;
    if (envLine.length > MAX_ENV_LINE) {
      envProblem ??= `printed a BERTH_ENV line longer than ${MAX_ENV_LINE} characters`;
      envLine = ENV_PREFIX; // keep swallowing the rest of the line without keeping it
    }
    if (continues) return;
    const assignment = envLine.slice(ENV_PREFIX.length);
    envLine = undefined;
    lineStart = true;
    const eq = assignment.indexOf("=");
    const key = eq < 0 ? "" : assignment.slice(0, eq);
    // Only the key may be shown: the rest of the line may be a secret.
    if (!ENV_NAME.test(key)) envProblem ??= eq < 0 ? "printed a BERTH_ENV line without KEY=VALUE" : `printed BERTH_ENV for an invalid variable name ${JSON.stringify(key.slice(0, 64))}`;
    else if (phase === "prestart") collected[key] = assignment.slice(eq + 1);
    else output(`ignored BERTH_ENV ${key}: only a prestart hook can set the task's environment`);
  });
  const stderr = new LineSplitter((piece) => {
    if (piece.trim() !== "") lastStderr = piece;
    output(piece);
  });
  const streams = pipe(handle.stdout, stdout, handle.stderr, stderr);

  let status: ExitStatus | "aborted";
  try {
    status = await exitedOrAborted(handle.exited, signal);
    await killGroupNow(tree);
    await streams.closed(OUTPUT_DRAIN_MS);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (status === "aborted") throw abortError();
  if (status.signal !== null) throw new ExecHookError("EXEC_HOOK_EXIT_STATUS", `${program} terminated by signal ${status.signal}${excerpt(lastStderr)}`);
  if (status.exitCode !== 0) throw new ExecHookError("EXEC_HOOK_EXIT_STATUS", `${program} exited with status ${status.exitCode ?? "unknown"}${excerpt(lastStderr)}`);
  if (envProblem !== undefined) throw new ExecHookError("EXEC_HOOK_INVALID_ENV", `${program} ${envProblem}`);
  return collected;
}

function excerpt(line: string): string {
  if (line === "") return "";
  const text = line.trim();
  return `: ${text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT)}…` : text}`;
}

function killNow(tree: ProcessTree): void {
  try {
    signalGroup(tree, "SIGKILL");
  } catch {
    // EPERM (a setuid descendant): killGroupNow retries and gives up after its bound.
  }
}



/** Feeds both pipes into their splitters; `closed` waits (bounded) for both to end, then flushes the last lines. */
function pipe(out: Readable | null, outLines: LineSplitter, err: Readable | null, errLines: LineSplitter): { closed(ms: number): Promise<void> } {
  const pairs = ([[out, outLines], [err, errLines]] as const).filter((p): p is readonly [Readable, LineSplitter] => p[0] !== null);
  for (const [stream, lines] of pairs) {
    stream.on("data", (chunk: Buffer) => lines.push(chunk));
    stream.on("error", () => undefined); // a broken pipe only loses output
  }
  return {
    async closed(ms) {
      let timer: LongTimer | undefined;
      const open = pairs.filter(([s]) => !s.closed);
      await Promise.race([
        Promise.all(open.map(([s]) => new Promise((resolve) => s.once("close", resolve)))),
        new Promise<void>((resolve) => (timer = setLongTimeout(resolve, ms))),
      ]);
      timer?.clear();
      for (const [stream, lines] of pairs) {
        stream.destroy();
        lines.end();
      }
    },
  };
}
