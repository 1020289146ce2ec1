// What a real executor process gets: environment, sandbox as cwd, its own process group and session, output files,
// and a Marathon-style `chmod ... && exec ...` command line.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseProcStat } from "../../src/agent/procTable.js";
import { task, withAgent } from "./agentHarness.js";
import { waitFor } from "./waitFor.js";

const readWhenComplete = (path: string): Promise<string> =>
  waitFor(() => existsSync(path) && readFileSync(path, "utf8").endsWith("END\n") && readFileSync(path, "utf8"), { what: path });

function envOf(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

describe("executor process", () => {
  test("environment, cwd, process group and session of a checkpointing executor", () =>
    withAgent({ shutdownGracePeriodMs: 7000, recoveryTimeoutMs: 90_000, reregistrationTimeoutMs: 3000 }, async (agent) => {
      const ex = agent.launchExecutor({
        command: { shell: 'env > env.txt; echo END >> env.txt; pwd > pwd.txt; echo END >> pwd.txt; exec sleep 60' },
        executorInfo: { command: { value: "ignored-by-the-agent", environment: { variables: [{ name: "PORT0", value: "31000" }, { name: "TOKEN", type: "SECRET" }] } } },
        tasks: [task("t1")],
      });
      const env = envOf(await readWhenComplete(join(ex.sandbox, "env.txt")));
      const expected: Record<string, string> = {
        MESOS_FRAMEWORK_ID: ex.frameworkId,
        MESOS_EXECUTOR_ID: ex.executorId,
        MESOS_DIRECTORY: ex.sandbox,
        MESOS_SANDBOX: ex.sandbox,
        MESOS_SLAVE_ID: agent.agentId,
        MESOS_SLAVE_PID: `slave(1)@${agent.endpoint}`,
        MESOS_AGENT_ENDPOINT: agent.endpoint,
        MESOS_CHECKPOINT: "1",
        MESOS_HTTP_COMMAND_EXECUTOR: "0",
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "7secs",
        MESOS_RECOVERY_TIMEOUT: "90secs",
        MESOS_SUBSCRIPTION_BACKOFF_MAX: "3secs",
        LIBPROCESS_PORT: "0",
        LIBPROCESS_IP: "127.0.0.1",
        PORT0: "31000",
      };
      for (const [name, value] of Object.entries(expected)) assert.equal(env[name], value, name);
      assert.equal(env["TOKEN"], undefined, "SECRET variables are not passed");
      assert.equal(env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"], undefined);
      assert.equal(env["HOME"], undefined, "the agent's own environment is not inherited");
      assert.equal((await readWhenComplete(join(ex.sandbox, "pwd.txt"))).split("\n")[0], ex.sandbox);
      const stat = parseProcStat(readFileSync(`/proc/${ex.pid}/stat`, "utf8"));
      assert.deepEqual([stat?.pgid, stat?.sid], [ex.pid, ex.pid], "own process group and session");
      assert.ok(ex.sandbox.includes(`/slaves/${agent.agentId}/frameworks/${ex.frameworkId}/executors/${ex.executorId}/runs/${ex.containerId}`));
    }));

  test("no recovery variables without checkpointing; test overrides replace and remove variables", () =>
    withAgent({ checkpoint: false, executorEnvironmentVariables: { PATH: "/usr/bin:/bin", KEEP: "me" } }, async (agent) => {
      const ex = agent.launchExecutor({
        command: { argv: ["sh", "-c", "env > env.txt; echo END >> env.txt; exec sleep 60"] },
        env: { MESOS_AGENT_ENDPOINT: "127.0.0.1:1", MESOS_FRAMEWORK_ID: undefined },
        tasks: [task("t1")],
      });
      const env = envOf(await readWhenComplete(join(ex.sandbox, "env.txt")));
      assert.equal(env["MESOS_CHECKPOINT"], "0");
      assert.equal(env["MESOS_RECOVERY_TIMEOUT"], undefined);
      assert.equal(env["MESOS_SUBSCRIPTION_BACKOFF_MAX"], undefined);
      assert.equal(env["MESOS_AGENT_ENDPOINT"], "127.0.0.1:1");
      assert.equal(env["MESOS_FRAMEWORK_ID"], undefined);
      assert.deepEqual([env["PATH"], env["KEEP"]], ["/usr/bin:/bin", "me"]);
      assert.deepEqual(ex.executorInfo.command, { value: "sh", shell: false, arguments: ["sh", "-c", "env > env.txt; echo END >> env.txt; exec sleep 60"] });
    }));

  test("a Marathon-style command line starts the executor with the command words in its argv", () =>
    withAgent({}, async (agent) => {
      const dir = mkdtempSync(join(tmpdir(), "berth-agent-exe-"));
      try {
        const path = join(dir, "my executor");
        // Not executable yet: the chmod of the command line makes it so.
        writeFileSync(path, '#!/bin/sh\nprintf "%s|" "$0" "$@" > args.txt\necho >> args.txt\necho END >> args.txt\nexec sleep 60\n', { mode: 0o644 });
        const line = `chmod ug+rx '${path}' && exec '${path}' ./server --port 8080`;
        const ex = agent.launchExecutor({ executorInfo: { command: { value: line } }, tasks: [task("t1")] });
        assert.equal((await readWhenComplete(join(ex.sandbox, "args.txt"))).split("\n")[0], `${path}|./server|--port|8080|`);
        assert.equal(ex.executorInfo.command?.value, line);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  test("stdout and stderr go to the sandbox files and, when asked, to a listener too", () =>
    withAgent({}, async (agent) => {
      const seen: string[] = [];
      const ex = agent.launchExecutor({
        command: { shell: "echo to-out; echo to-err >&2; exec sleep 60" },
        onOutput: (stream, chunk) => seen.push(`${stream}:${chunk.toString().trim()}`),
        tasks: [task("t1")],
      });
      await waitFor(() => seen.length === 2, { what: "both output lines" });
      assert.deepEqual(seen.sort(), ["stderr:to-err", "stdout:to-out"]);
      await waitFor(() => readFileSync(join(ex.sandbox, "stdout"), "utf8") === "to-out\n", { what: "stdout file" });
      // The file is written by its own stream: seeing the listener's chunk does not mean the file has it yet.
      await waitFor(() => readFileSync(join(ex.sandbox, "stderr"), "utf8") === "to-err\n", { what: "stderr file" });
    }));

  test("a command that cannot start terminates the executor and fails its tasks", () =>
    withAgent({}, async (agent) => {
      const ex = agent.launchExecutor({ command: { argv: ["/nonexistent/berth-executor"] }, tasks: [task("t1")] });
      const exit = await ex.waitForExit();
      assert.equal(exit.error?.message.includes("ENOENT"), true);
      assert.equal(ex.updates("t1")[0]?.status.state, "TASK_FAILED");
    }));
});
