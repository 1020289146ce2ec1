// The agent's executor token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN), taken so that no task can read it.
//
// The Mesos agent puts the token in the executor's environment. The environment a process image starts with stays
// readable in /proc/<pid>/environ by every process of the same user for as long as that image runs: deleting the
// variable from process.env changes nothing there. So bin/berth-executor (the first image of the executor process, a
// sh script) unsets it and execs node with the token on a pipe (a here-document on fd 3) and BERTH_AGENT_TOKEN_FD=3.
// The new image's environment and argv never held the token; the executor reads and closes the pipe before it spawns
// anything, so no task inherits the descriptor either.
import { closeSync, fstatSync, readSync } from "node:fs";
import { BerthError } from "../berthError.js";
import type { ExecutorVariable } from "./executorKnobs.js";

// Both declared in executorKnobs.ts.
export const TOKEN_VARIABLE = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN" satisfies ExecutorVariable;
/** Names the descriptor the launcher hands the token over on. Not secret: a number. */
export const TOKEN_FD_VARIABLE = "BERTH_AGENT_TOKEN_FD" satisfies ExecutorVariable;
/** A Mesos executor token is a JWT of a few hundred bytes; the bound keeps a wrong descriptor from filling memory. */
export const MAX_TOKEN_BYTES = 16 * 1024;

export class AgentTokenError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AGENT_TOKEN_INVALID", message, options);
  }
}

export interface AgentToken {
  /** The bearer token, or undefined when the agent does not authenticate executors. */
  token: string | undefined;
  /**
   * The token was in this process's initial environment (it was not started through bin/berth-executor): processes of
   * the same user can read it in /proc/<pid>/environ for the whole life of the process.
   */
  exposedInEnvironment: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * Takes the token: from the descriptor named by BERTH_AGENT_TOKEN_FD (read to its end, then closed), else from
 * MESOS_EXECUTOR_AUTHENTICATION_TOKEN. Removes both variables from `env`. Synchronous on purpose: it must be done
 * before the executor spawns anything, since a child inherits every descriptor not marked close-on-exec.
 */
export function takeAgentToken(env: Env): AgentToken {
  const fromEnvironment = env[TOKEN_VARIABLE] || undefined;
  const fdText = env[TOKEN_FD_VARIABLE];
  delete env[TOKEN_VARIABLE];
  delete env[TOKEN_FD_VARIABLE];
  const token = fdText === undefined ? fromEnvironment : readTokenFd(fdText);
  return { token, exposedInEnvironment: fromEnvironment !== undefined };
}

function readTokenFd(fdText: string): string {
  const name = `${TOKEN_FD_VARIABLE}=${JSON.stringify(fdText)}`;
  // 0–2 are stdio; a launcher never hands the token over on them.
  if (!/^\d{1,4}$/.test(fdText) || Number(fdText) < 3) throw new AgentTokenError(`${name}: expected a descriptor number of 3 or more`);
  const fd = Number(fdText);
  try {
    let stats;
    try {
      stats = fstatSync(fd);
    } catch (error) {
      throw new AgentTokenError(`${name}: descriptor ${fd} is not open (start the executor through bin/berth-executor)`, { cause: error });
    }
    // A pipe (a here-document in dash and bash ≥ 5.1) or a file (older bash's here-documents). Anything else, a
    // socket or a terminal, would not end and is not what a launcher hands over.
    if (!stats.isFIFO() && !stats.isFile()) throw new AgentTokenError(`${name}: descriptor ${fd} is neither a pipe nor a file`);
    const text = readBounded(fd, name);
    // The here-document ends the token with a newline; a JWT has none of its own.
    const token = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (token === "") throw new AgentTokenError(`${name}: the token read from descriptor ${fd} is empty`);
    return token;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // not open: already reported
    }
  }
}

function readBounded(fd: number, name: string): string {
  const buffer = Buffer.alloc(MAX_TOKEN_BYTES + 1);
  let length = 0;
  for (;;) {
    let n;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      throw new AgentTokenError(`${name}: cannot read the token: ${(error as Error).message}`, { cause: error });
    }
    if (n === 0) return buffer.toString("utf8", 0, length);
    length += n;
    if (length > MAX_TOKEN_BYTES) throw new AgentTokenError(`${name}: the token is longer than ${MAX_TOKEN_BYTES} bytes`);
  }
}

/**
 * The hand-over of bin/berth-executor as a `sh -c` script: run with the token in the environment and the command to
 * exec as "$@", it execs the command without the token in its environment and with the token on descriptor 3.
 * Neither the token nor any other secret is in this text or the arguments, which /proc/<pid>/cmdline shows to anyone.
 * `unset t` first: a variable named t inherited from the environment would be exported, and take the token along.
 */
export const HAND_OVER_SCRIPT = [
  "unset t",
  `t=$${TOKEN_VARIABLE}`,
  `unset ${TOKEN_VARIABLE}`,
  `export ${TOKEN_FD_VARIABLE}=3`,
  'exec "$@" 3<<BERTH_TOKEN_END',
  "$t",
  "BERTH_TOKEN_END",
  "",
].join("\n");

/**
 * `execve` file and argv (argv[0] included, as process.execve takes it) that restart this very process through the
 * hand-over: same node, node options, script and arguments.
 */
export function handOverCommand(
  execPath: string,
  execArgv: readonly string[],
  argv: readonly string[],
  singleExecutable = false,
): [file: string, args: string[]] {
  // A single executable (Node's SEA) has its node options built in and takes none on its command line; its argv[1]
  // is the name it was invoked by, which the new image gets as its own argv[1] anyway.
  const rest = singleExecutable ? argv.slice(2) : [...execArgv, ...argv.slice(1)];
  return ["/bin/sh", ["sh", "-c", HAND_OVER_SCRIPT, "berth-executor", execPath, ...rest]];
}

/** Running as a single executable? node:sea exists from Node 20.12; getBuiltinModule (22.3) avoids a static import. */
function isSingleExecutable(): boolean {
  const node = process as { getBuiltinModule?: (id: string) => unknown };
  const sea = node.getBuiltinModule?.("node:sea") as { isSea?: () => boolean } | undefined;
  return sea?.isSea?.() === true;
}

type Execve = (file: string, args: string[], env: Record<string, string | undefined>) => never;

/**
 * Node ≥ 22.15 has process.execve: when the token is in this image's environment (started without the launcher),
 * replace the image with one started through the hand-over, under the same pid the agent watches. Call it first
 * thing: before anything is spawned or any state exists. Returns on Node versions without execve and when there is
 * nothing to hide (undefined), or with the error when the exec failed (the caller carries on, exposed).
 */
export function reexecWithoutTokenInEnvironment(env: Env = process.env): Error | undefined {
  const node = process as { execve?: Execve };
  if (typeof node.execve !== "function" || !env[TOKEN_VARIABLE] || env[TOKEN_FD_VARIABLE] !== undefined) return undefined;
  const [file, args] = handOverCommand(process.execPath, process.execArgv, process.argv, isSingleExecutable());
  try {
    node.execve(file, args, env);
  } catch (error) {
    return error as Error;
  }
  return undefined;
}
