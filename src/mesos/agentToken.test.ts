import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AgentTokenError, HAND_OVER_SCRIPT, MAX_TOKEN_BYTES, TOKEN_FD_VARIABLE, TOKEN_VARIABLE, handOverCommand, takeAgentToken } from "./agentToken.js";

const dir = mkdtempSync(join(tmpdir(), "berth-agent-token-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A descriptor on a file holding `content` (the shape of older bash's here-documents). */
function fileFd(content: string | Buffer): number {
  const path = join(dir, `token-${Math.random()}`);
  writeFileSync(path, content);
  return openSync(path, "r");
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function invalid(env: Record<string, string | undefined>, message: RegExp): void {
  assert.throws(() => takeAgentToken(env), (error: unknown) => error instanceof AgentTokenError && error.code === "AGENT_TOKEN_INVALID" && message.test(error.message));
}

describe("takeAgentToken", () => {
  test("from the environment: the token, marked as exposed, and the variable removed", () => {
    const env: Record<string, string | undefined> = { [TOKEN_VARIABLE]: "tok", OTHER: "x" };
    assert.deepEqual(takeAgentToken(env), { token: "tok", exposedInEnvironment: true });
    assert.deepEqual(env, { OTHER: "x" });
  });

  test("no token at all (an agent without executor authentication)", () => {
    assert.deepEqual(takeAgentToken({ [TOKEN_VARIABLE]: "" }), { token: undefined, exposedInEnvironment: false });
    assert.deepEqual(takeAgentToken({}), { token: undefined, exposedInEnvironment: false });
  });

  test("from the descriptor: read to its end without the here-document's newline, then closed", () => {
    const fd = fileFd("header.claims.signature\n");
    const env: Record<string, string | undefined> = { [TOKEN_FD_VARIABLE]: String(fd) };
    assert.deepEqual(takeAgentToken(env), { token: "header.claims.signature", exposedInEnvironment: false });
    assert.deepEqual(env, {});
    assert.equal(isOpen(fd), false, "closed, so that no child inherits it");
  });

  test("the descriptor wins over the environment, which still counts as exposed", () => {
    const fd = fileFd("from-fd\n");
    assert.deepEqual(takeAgentToken({ [TOKEN_FD_VARIABLE]: String(fd), [TOKEN_VARIABLE]: "from-env" }), { token: "from-fd", exposedInEnvironment: true });
  });

  test("rejects what no launcher hands over, naming the variable; the descriptor is closed all the same", () => {
    invalid({ [TOKEN_FD_VARIABLE]: "2" }, /^BERTH_AGENT_TOKEN_FD="2": expected a descriptor number of 3 or more$/);
    invalid({ [TOKEN_FD_VARIABLE]: "three" }, /expected a descriptor number/);
    invalid({ [TOKEN_FD_VARIABLE]: "" }, /expected a descriptor number/);
    invalid({ [TOKEN_FD_VARIABLE]: "1023" }, /descriptor 1023 is not open \(start the executor through bin\/berth-executor\)/);
    const directory = openSync(dir, "r");
    invalid({ [TOKEN_FD_VARIABLE]: String(directory) }, /is neither a pipe nor a file/);
    assert.equal(isOpen(directory), false);
    const empty = fileFd("\n");
    invalid({ [TOKEN_FD_VARIABLE]: String(empty) }, /the token read from descriptor \d+ is empty/);
    const huge = fileFd(Buffer.alloc(MAX_TOKEN_BYTES + 1, "a"));
    invalid({ [TOKEN_FD_VARIABLE]: String(huge) }, new RegExp(`longer than ${MAX_TOKEN_BYTES} bytes`));
    assert.equal(isOpen(huge), false);
    assert.deepEqual(takeAgentToken({ [TOKEN_FD_VARIABLE]: String(fileFd(Buffer.alloc(MAX_TOKEN_BYTES, "a"))) }).token?.length, MAX_TOKEN_BYTES);
  });
});

// A token with everything a shell could misread: expansions, quotes, backslashes, a newline, the here-document's
// terminator on a line of its own.
const HOSTILE = "a$(touch /x)`id`${HOME}'\"\\n\\\nBERTH_TOKEN_END\n$t b";

/** What the process started by the hand-over saw: its environ, cmdline, fd variable, and the token it took. */
const PROBE = `
const { readFileSync, fstatSync } = await import("node:fs");
const { takeAgentToken } = await import(${JSON.stringify(new URL("./agentToken.js", import.meta.url).href)});
const environ = readFileSync("/proc/self/environ", "latin1");
const cmdline = readFileSync("/proc/self/cmdline", "latin1");
const fdVariable = process.env.${TOKEN_FD_VARIABLE};
const taken = takeAgentToken(process.env);
let fd3Open = true;
try { fstatSync(3); } catch { fd3Open = false; }
process.stdout.write(JSON.stringify({ environ, cmdline, fdVariable, taken, fd3Open }));
`;

interface ProbeReport {
  environ: string;
  cmdline: string;
  fdVariable: string | undefined;
  taken: { token?: string; exposedInEnvironment: boolean };
  fd3Open: boolean;
}

/** Runs `file` with `argv` as execve would (argv[0] included), then reads the probe's report. */
function runProbe(file: string, argv: string[], env: Record<string, string>): ProbeReport {
  const result = spawnSync(file, argv.slice(1), { argv0: argv[0], env, encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as ProbeReport;
}

describe("the hand-over (HAND_OVER_SCRIPT, the re-exec of Node ≥ 22.15)", () => {
  test("the exec'd process gets the token on descriptor 3, and neither its environment nor its argv holds it", () => {
    // t in the environment: exported, it would carry the token along if the script did not unset it first.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", [TOKEN_VARIABLE]: HOSTILE, t: "inherited" };
    const [file, args] = handOverCommand(process.execPath, ["--input-type=module"], ["node", "-e", PROBE]);
    assert.equal(file, "/bin/sh");
    assert.deepEqual(args.slice(0, 4), ["sh", "-c", HAND_OVER_SCRIPT, "berth-executor"]);
    const report = runProbe(file, args, env);
    assert.deepEqual(report.taken, { token: HOSTILE, exposedInEnvironment: false });
    assert.equal(report.fdVariable, "3");
    assert.equal(report.fd3Open, false);
    assert.ok(!report.environ.includes(HOSTILE) && !report.environ.includes(TOKEN_VARIABLE), report.environ);
    assert.ok(!report.environ.split("\0").some((entry) => entry.startsWith("t=")), "no t= in the environment");
    assert.ok(!report.cmdline.includes(HOSTILE));
    assert.ok(!HAND_OVER_SCRIPT.includes(HOSTILE));
  });
});

describe("handOverCommand", () => {
  test("node: the same node options and script; a single executable: only its arguments, its options being built in", () => {
    const argv = ["/usr/bin/node", "/opt/berth/main.js", "executor", "cmd"];
    assert.deepEqual(handOverCommand("/usr/bin/node", ["--max-semi-space-size=1"], argv)[1].slice(4), ["/usr/bin/node", "--max-semi-space-size=1", "/opt/berth/main.js", "executor", "cmd"]);
    // A single executable's argv: [its path, the name it was invoked by, its arguments…].
    const seaArgv = ["/sandbox/berth-executor", "./berth-executor", "cmd", "--flag"];
    assert.deepEqual(handOverCommand("/sandbox/berth-executor", ["--max-semi-space-size=1"], seaArgv, true)[1].slice(4), ["/sandbox/berth-executor", "cmd", "--flag"]);
  });
});

describe("bin/berth-executor", () => {
  const launcher = join(dirname(fileURLToPath(import.meta.url)), "../../../bin/berth-executor");
  // The launcher execs `node` from PATH: put a node first in PATH that runs the probe instead of Berth.
  const fakeBin = join(dir, "bin");
  const fakeNode = join(fakeBin, "node");
  const setUp = (): void => {
    spawnSync("mkdir", ["-p", fakeBin]);
    writeFileSync(join(dir, "probe.mjs"), PROBE);
    writeFileSync(fakeNode, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(dir, "probe.mjs"))}\n`);
    chmodSync(fakeNode, 0o755);
  };

  test("hands the token over on descriptor 3 like the re-exec", () => {
    setUp();
    const report = runProbe(launcher, [launcher, "cmd", "args"], { PATH: `${fakeBin}:${process.env.PATH ?? "/usr/bin:/bin"}`, [TOKEN_VARIABLE]: HOSTILE, t: "inherited" });
    assert.deepEqual(report.taken, { token: HOSTILE, exposedInEnvironment: false });
    assert.equal(report.fd3Open, false);
    assert.ok(!report.environ.includes(HOSTILE) && !report.environ.includes(TOKEN_VARIABLE));
    assert.ok(!report.environ.split("\0").some((entry) => entry.startsWith("t=")));
  });

  test("without a token: nothing handed over, and a stray BERTH_AGENT_TOKEN_FD is dropped", () => {
    setUp();
    const report = runProbe(launcher, [launcher], { PATH: `${fakeBin}:${process.env.PATH ?? "/usr/bin:/bin"}`, [TOKEN_VARIABLE]: "", [TOKEN_FD_VARIABLE]: "3" });
    assert.deepEqual(report.taken, { exposedInEnvironment: false });
    assert.equal(report.fdVariable, undefined);
    assert.ok(!report.environ.includes(TOKEN_VARIABLE));
  });
});
