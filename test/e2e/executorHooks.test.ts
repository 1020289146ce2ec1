// External exec hooks configured by berth.hook.* labels, through the real `berth executor` on our local Mesos
// agent simulator: environment from prestart, failures and deadlines, output in the executor's log.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import type { TaskInput } from "../../src/agent/index.js";
import { freePort } from "../../src/dev/freePort.js";
import { fixture } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/waitFor.js";
import { shellTask, statesOf, withBerth } from "../helpers/berthHarness.js";

const hookLabels = (name: string, argv: string[], phases: string, timeoutSeconds?: number): { key: string; value: string }[] => [
  { key: `berth.hook.${name}.exec`, value: JSON.stringify(argv) },
  { key: `berth.hook.${name}.phases`, value: phases },
  ...(timeoutSeconds !== undefined ? [{ key: `berth.hook.${name}.timeout-seconds`, value: String(timeoutSeconds) }] : []),
];
const withLabels = (task: TaskInput, labels: { key: string; value: string }[]): TaskInput => ({ ...task, labels: { labels } });

describe("berth executor exec hooks (berth.hook.* labels) on the local agent simulator", () => {
  test("a prestart hook adds environment (never shown) and its output reaches the executor's log", () =>
    withBerth({}, async ({ executor, markers }) => {
      const out = markers.file("out");
      executor.launch(
        withLabels(shellTask("t", `echo "$GREETING" > ${out}`), hookLabels("config", ["/bin/sh", "-c", "echo loading config; echo BERTH_ENV GREETING=s3cr3t-value"], "prestart")),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
      assert.equal(readFileSync(out, "utf8").trim(), "s3cr3t-value");
      await executor.waitForExit({ timeoutMs: 20_000 });
      const log = readFileSync(join(executor.sandbox, "stderr"), "utf8");
      assert.match(log, /loading config/);
      assert.match(log, /hook=config/);
      assert.doesNotMatch(log, /s3cr3t-value/, "hook env values never reach the log");
      assert.ok(executor.updates("t").every((u) => !(u.status.message ?? "").includes("s3cr3t")));
    }));

  test("a failing prestart hook fails the task before anything runs, naming the hook", () =>
    withBerth({}, async ({ executor, markers }) => {
      const ran = markers.file("ran");
      executor.launch(withLabels(shellTask("t", `touch ${ran}`), hookLabels("check-cert", ["/bin/sh", "-c", "echo certificate expired >&2; exit 3"], "prestart")));
      const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 20_000 });
      assert.match(failed.message ?? "", /prestart hook "check-cert" failed: .*exited with status 3.*certificate expired/);
      assert.equal(failed.reason, "REASON_COMMAND_EXECUTOR_FAILED");
      assert.equal(markers.exists("ran"), false);
      assert.deepEqual(statesOf(executor, "t"), ["TASK_STARTING", "TASK_FAILED"]);
    }));

  test("a preKill hook that hangs cannot hold the kill: the stop signal comes at its deadline", () =>
    withBerth({}, async ({ executor, markers }) => {
      executor.launch(
        withLabels(
          shellTask("t", `sh ${fixture("exits-later-on-sigterm.sh")} 0`, {
            command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
            kill_policy: { grace_period: { nanoseconds: 30e9 } },
          }),
          hookLabels("deregister", ["sleep", "600"], "preKill", 1),
        ),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      const killedAt = Date.now();
      executor.kill("t");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      const termAt = statSync(markers.file("term")).mtimeMs;
      assert.ok(termAt - killedAt >= 900, `SIGTERM only after the hook's 1 s deadline (${termAt - killedAt} ms)`);
      await executor.waitForExit({ timeoutMs: 20_000 });
      assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /preKill hook \\"?deregister\\"? failed/);
    }));

  test("invalid hook labels make the task invalid", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(
        withLabels(shellTask("t", "true"), [
          { key: "berth.hook.a.exec", value: "rm -rf /" },
          { key: "berth.hook.a.phases", value: "prestart" },
          { key: "berth.hook.b.exec", value: '["true"]' },
          { key: "berth.hook.b.phases", value: "whenever" },
        ]),
      );
      const error = await executor.waitForUpdate((s) => s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.match(error.message ?? "", /berth\.hook\.a\.exec must be a JSON array/);
      assert.match(error.message ?? "", /berth\.hook\.b\.phases .*unknown: whenever/);
    }));

  test("berth.readiness.*: the healthy hook (registration) runs only once the task is ready", () =>
    withBerth({}, async ({ executor, markers }) => {
      const port = await freePort();
      const registered = markers.file("registered");
      const ready = markers.file("ready");
      executor.launch(
        withLabels(
          shellTask("web", `exec node ${fixture("health-server.mjs")}`, {
            command: { environment: { variables: [{ name: "PORT", value: String(port) }, { name: "READY_FILE", value: ready }, { name: "START_DELAY_MS", value: "1500" }] } },
            discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
          }),
          [
            { key: "berth.readiness.protocol", value: "http" },
            { key: "berth.readiness.port-name", value: "http" },
            { key: "berth.readiness.path", value: "/health" },
            { key: "berth.readiness.interval-seconds", value: "0.1" },
            ...hookLabels("register", ["/bin/sh", "-c", `test -s ${ready} && touch ${registered}`], "healthy"),
          ],
        ),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await waitFor(() => existsSync(registered), { timeoutMs: 20_000, what: "the healthy hook" });
      // The hook itself checked that the server had announced it was listening: it ran after readiness.
      executor.kill("web");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      const log = readFileSync(join(executor.sandbox, "stderr"), "utf8");
      assert.doesNotMatch(log, /healthy hook "register" failed/);
    }));

  test("http and sleep hooks: a POST at the readiness gate and at the kill, a sleep before the stop signal", () =>
    withBerth({}, async ({ executor, markers }) => {
      const calls: { method: string | undefined; url: string | undefined; at: number }[] = [];
      const registry = createServer((req, res) => {
        calls.push({ method: req.method, url: req.url, at: Date.now() });
        res.end();
      });
      await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
      const port = (registry.address() as AddressInfo).port;
      try {
        executor.launch(
          withLabels(
            shellTask("t", `sh ${fixture("exits-later-on-sigterm.sh")} 0`, {
              command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
            }),
            [
              { key: "berth.hook.registry.http", value: `http://127.0.0.1:${port}/{phase}/{taskId}` },
              { key: "berth.hook.registry.method", value: "POST" },
              { key: "berth.hook.registry.phases", value: "healthy,preKill" },
              { key: "berth.hook.linger.sleep-seconds", value: "1" },
              { key: "berth.hook.linger.phases", value: "preKill" },
            ],
          ),
        );
        await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
        await markers.pids("ready");
        await waitFor(() => calls.length === 1, { what: "the registration at the readiness gate" });
        executor.kill("t");
        await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
        assert.deepEqual(calls.map((c) => `${c.method} ${c.url}`), ["POST /healthy/t", "POST /preKill/t"]);
        const signalAfterDeregistration = statSync(markers.file("term")).mtimeMs - (calls[1]?.at ?? 0);
        assert.ok(signalAfterDeregistration >= 950, `SIGTERM ${signalAfterDeregistration} ms after the preKill request: the 1 s sleep came between`);
        const log = readFileSync(join(executor.sandbox, "stderr"), "utf8");
        assert.match(log, new RegExp(`POST http://127.0.0.1:${port}/preKill/t answered 200`));
        assert.match(log, /sleeping 1 s \(preKill\)/);
      } finally {
        registry.closeAllConnections();
        registry.close();
      }
    }));

  test("order at start: readiness → warm-up → registration (a healthy http hook), all through the real executor", () =>
    withBerth({}, async ({ executor }) => {
      // The task's port is this recorder: it sees the warm-up and the registration in the order they happen.
      const seen: string[] = [];
      const recorder = createServer((req, res) => {
        seen.push(req.url ?? "");
        res.end();
      });
      await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
      const port = (recorder.address() as AddressInfo).port;
      try {
        executor.launch({
          ...shellTask("t", "exec sleep 60"),
          discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: port, name: "http" }] } },
          labels: {
            labels: [
              { key: "berth.hook.register.http", value: "http://127.0.0.1:{port:http}/register" },
              { key: "berth.hook.register.phases", value: "healthy" },
              { key: "berth.warmup.paths", value: "/a,/b" },
              { key: "berth.warmup.requests", value: "2" },
            ],
          },
        });
        await waitFor(() => seen.includes("/register"), { what: "the registration" });
        assert.deepEqual(seen, ["/a", "/a", "/b", "/b", "/register"]);
        executor.kill("t");
        await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
        assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /warm-up: 4 request\(s\) to \/a, \/b, 0 failed/);
      } finally {
        recorder.closeAllConnections();
        recorder.close();
      }
    }));

  test("BERTH_CONFIG: the agent's hooks run for every task, before the task's own; a bad file stops the executor (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-settings-e2e-"));
    try {
      const settings = join(dir, "berth.json");
      writeFileSync(settings, JSON.stringify({ hooks: [{ name: "agent-env", phases: ["prestart"], exec: ["/bin/sh", "-c", "echo BERTH_ENV FROM_AGENT=yes; echo BERTH_ENV ORDER=agent"] }] }));
      await withBerth({ launch: { env: { BERTH_CONFIG: settings } } }, async ({ executor, markers }) => {
        const out = markers.file("env.out");
        executor.launch(
          withLabels(shellTask("t", `env > ${out}.tmp && mv ${out}.tmp ${out}`), hookLabels("task-env", ["/bin/sh", "-c", "echo BERTH_ENV ORDER=task"], "prestart")),
        );
        await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 20_000 });
        const env = readFileSync(out, "utf8");
        assert.match(env, /^FROM_AGENT=yes$/m);
        assert.match(env, /^ORDER=task$/m, "the task's own hook runs after the agent's (its variable wins)");
      });
      writeFileSync(settings, JSON.stringify({ hooks: [{ name: "x", phases: ["whenever"], exec: ["true"] }] }));
      await withBerth({ launch: { env: { BERTH_CONFIG: settings } } }, async ({ executor }) => {
        const exit = await executor.waitForExit({ timeoutMs: 20_000 });
        assert.equal(exit.code, 2);
        assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /BERTH_CONFIG \(.*berth\.json\): hooks\.0\.phases\.0: /);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("berth.drain-seconds: the stop signal waits for the drain after the preKill hooks", () =>
    withBerth({}, async ({ executor, markers }) => {
      const deregistered = markers.file("deregistered");
      executor.launch(
        withLabels(
          shellTask("t", `sh ${fixture("exits-later-on-sigterm.sh")} 0`, {
            command: { environment: { variables: Object.entries(markers.env()).map(([name, value]) => ({ name, value })) } },
          }),
          [{ key: "berth.drain-seconds", value: "1" }, ...hookLabels("deregister", ["touch", deregistered], "preKill")],
        ),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_RUNNING", { timeoutMs: 20_000 });
      await markers.pids("ready");
      executor.kill("t");
      await executor.waitForUpdate((s) => s.state === "TASK_KILLED", { timeoutMs: 20_000 });
      const drained = statSync(markers.file("term")).mtimeMs - statSync(deregistered).mtimeMs;
      assert.ok(drained >= 950, `SIGTERM came ${drained} ms after the preKill hook: the 1 s drain was kept`);
    }));
});
