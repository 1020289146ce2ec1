// `--help` and `--version` of every command, from the real CLI process: exit 0, the text on stdout, nothing on
// stderr, and nothing of the command itself run (no executor started, no task).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BERTH_MAIN, BERTH_EXECUTOR } from "../helpers/berthHarness.js";
import { repoRoot } from "../helpers/fixtures.js";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with only PATH in its environment (no agent's variables), within a generous deadline. */
function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
const berth = (args: readonly string[], env?: Record<string, string>): Promise<Result> => run(process.execPath, [BERTH_MAIN, ...args], env);

const VERSION = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

describe("berth --help and --version (spawned CLI)", () => {
  for (const args of [["--version"], ["-V"], ["executor", "--version"], ["executor", "-V"]]) {
    it(`berth ${args.join(" ")} prints package.json's version`, async () => {
      assert.deepEqual(await berth(args), { code: 0, stdout: `${VERSION}\n`, stderr: "" });
    });
  }

  it("berth --help lists the commands and the options", async () => {
    const result = await berth(["--help"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    for (const word of ["executor", "run", "dev", "--version", "--help"]) assert.ok(result.stdout.includes(word), `${word} in:\n${result.stdout}`);
  });

  for (const args of [["executor", "--help"], ["executor", "-h"], ["help", "executor"]]) {
    it(`berth ${args.join(" ")} lists the executor's variables instead of complaining that they are missing`, async () => {
      const result = await berth(args);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, /^Usage: berth executor\n/);
      for (const name of ["MESOS_FRAMEWORK_ID", "BERTH_KILL_GRACE_PERIOD  (duration, default 3secs", "BERTH_HAPROXY_SOCKET", "CONSUL_HTTP_ADDR", "VAULT_ADDR", "BERTH_LOG_LEVEL"]) {
        assert.ok(result.stdout.includes(name), `${name} in:\n${result.stdout}`);
      }
    });
  }

  it("bin/berth-executor --help is the executor's help too", async () => {
    const result = await run(BERTH_EXECUTOR, ["--help"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: berth executor\n/);
  });

  it("under an agent, --help after `executor` is a task's word, ignored: the executor runs (here: exit 2, variables missing)", async () => {
    const result = await berth(["executor", "--help"], { MESOS_EXECUTOR_ID: "ex" });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^berth executor: invalid executor environment:\n {2}- MESOS_FRAMEWORK_ID is not set/);
  });

  for (const [command, words] of [
    ["run", ["Usage: berth run [--config FILE] [--name NAME] -- CMD [ARGS...]", "--config <file>", "--name <name>", "killGracePeriodSeconds  (seconds, default 3)", "BERTH_HAPROXY_SOCKET", "BERTH_LOG_LEVEL"]],
    ["dev", ["Usage: berth dev [options] <app.json>", "--stop-after", "--executor-env", "--haproxy"]],
  ] as const) {
    for (const args of [[command, "--help"], [command, "-h"], ["help", command]]) {
      it(`berth ${args.join(" ")} describes berth ${command} and runs nothing`, async () => {
        const result = await berth(args);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "");
        for (const word of words) assert.ok(result.stdout.includes(word), `${word} in:\n${result.stdout}`);
      });
    }
  }
});
