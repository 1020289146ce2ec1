// `berth run` end to end: the real `node dist/src/cli/main.js run …` process, real tasks, hooks and servers. Every
// process a test starts carries a tag in its environment (Berth passes its environment on to the task and hooks), so
// that anything left behind is found afterwards, whatever it did to its process group.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, test } from "node:test";
import { BERTH_MAIN, taggedProcesses } from "../helpers/berthHarness.js";
import { MarkerDir, fixture } from "../helpers/fixtures.js";
import { waitFor, withTimeout } from "../helpers/waitFor.js";
import { freePort } from "../../src/dev/freePort.js";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { once } from "node:events";
import { ConsulServerDouble } from "../doubles/consulServer.js";
import { startVaultDouble } from "../doubles/vaultServer.js";
import { makeTestCertificates } from "../helpers/certificates.js";
import { startHaproxy } from "../helpers/haproxy.js";
import { startJsonLinesReceiver } from "../doubles/jsonLinesReceiver.js";

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface BerthProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Berth's logfmt lines (`berth: …` on stderr), parsed. */
  logs(): Record<string, string>[];
  /** The exit, within a generous deadline. */
  exit(ms?: number): Promise<Exit>;
  signal(signal: NodeJS.Signals): void;
}

interface RunContext {
  markers: MarkerDir;
  /** Starts `berth run ARGS…` with the test's tag and marker files in its environment. */
  berth(args: readonly string[], env?: Record<string, string>): BerthProcess;
  /** Writes a config file and returns its path. */
  config(json: unknown): string;
  /** The live processes that carry this test's tag (Berth, its task, its hooks). */
  tagged(): string[];
}

const LOG_FIELD = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;

function parseLogfmt(stderr: string): Record<string, string>[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("berth: "))
    .map((line) => Object.fromEntries([...line.slice(7).matchAll(LOG_FIELD)].map(([, key, value]) => [key, value!.startsWith('"') ? (JSON.parse(value!) as string) : value])));
}

async function withRun(body: (run: RunContext) => Promise<void>): Promise<void> {
  const markers = new MarkerDir();
  const tag = randomUUID();
  const started: { pid: number; running: () => boolean; gone: Promise<void> }[] = [];
  const berth = (args: readonly string[], env: Record<string, string> = {}): BerthProcess => {
    const child = spawn(process.execPath, [BERTH_MAIN, "run", ...args], {
      cwd: markers.path,
      env: { ...markers.env(), E2E_RUN_TAG: tag, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let running = true;
    child.on("exit", () => (running = false));
    // "close": the exit status and all of the output (a task that outlived a SIGKILLed berth holds the pipes).
    const exited = new Promise<Exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const gone = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    started.push({ pid: child.pid!, running: () => running, gone });
    return {
      pid: child.pid!,
      stdout: () => stdout,
      stderr: () => stderr,
      logs: () => parseLogfmt(stderr),
      exit: (ms = 60_000) => withTimeout(exited, ms, `berth run ${args.join(" ")} to exit; stderr so far:\n${stderr}`),
      signal: (signal) => process.kill(child.pid!, signal),
    };
  };
  const config = (json: unknown): string => {
    const path = markers.file(`config-${randomUUID().slice(0, 8)}.json`);
    writeFileSync(path, JSON.stringify(json));
    return path;
  };
  try {
    await body({ markers, berth, config, tagged: () => taggedProcesses(tag) });
  } finally {
    for (const b of started) if (b.running()) process.kill(b.pid, "SIGKILL");
    await Promise.all(started.map((b) => b.gone));
    // A SIGKILLed hook may still be on its way out when Berth exits: give the kernel a moment, no more.
    const left = await waitFor(() => taggedProcesses(tag).length === 0, { timeoutMs: 3_000 }).then(
      () => [],
      () => taggedProcesses(tag),
    );
    for (const line of left) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {
        // already gone
      }
    }
    markers.remove();
    assert.deepEqual(left, [], "processes left behind");
  }
}

/** The outcome line Berth prints last (its `msg` is the outcome message). */
function outcomeOf(b: BerthProcess): Record<string, string> {
  const line = b.logs().findLast((l) => l.exit_code !== undefined);
  assert.ok(line, `no outcome line in:\n${b.stderr()}`);
  return line;
}


const sh = (script: string): string[] => ["/bin/sh", "-c", script];
const waitLog = (b: BerthProcess, what: string, match: (line: Record<string, string>) => boolean, timeoutMs = 30_000): Promise<Record<string, string>> =>
  waitFor(() => b.logs().find(match), { timeoutMs, what: `${what} in berth's stderr:\n${b.stderr()}` });

describe("berth run", () => {
  test("exit codes: 0, the task's own code, 128+n for a death by signal; output is the task's own", async () => {
    await withRun(async ({ berth }) => {
      assert.deepEqual(await berth(["--", "sh", fixture("exits-with-code.sh"), "0"]).exit(), { code: 0, signal: null });
      const three = berth(["--", ...sh('echo "to stdout"; echo "to stderr" >&2; exit 3')]);
      assert.deepEqual(await three.exit(), { code: 3, signal: null });
      assert.equal(three.stdout(), "to stdout\n");
      assert.match(three.stderr(), /^to stderr$/m);
      assert.equal(outcomeOf(three).msg, "Command exited with status 3");
      assert.equal(outcomeOf(three).level, "error");
      assert.equal(three.logs().filter((l) => l.state !== undefined).length, 1, `one line with the outcome:\n${three.stderr()}`);
      const usr1 = berth(["--", ...sh("kill -USR1 $$")]);
      assert.equal((await usr1.exit()).code, 138);
      assert.equal(outcomeOf(usr1).msg, "Command terminated with signal SIGUSR1 (10)");
    });
  });

  test("BERTH_METRICS_PUSH: a last Graphite push as berth exits carries the outcome (a real TCP listener)", async () => {
    await withRun(async ({ berth }) => {
      let received: (text: string) => void = () => undefined;
      const pushed = new Promise<string>((resolve) => (received = resolve));
      const carbon = createNetServer((connection) => {
        let text = "";
        connection.on("data", (chunk: Buffer) => (text += chunk.toString()));
        connection.on("end", () => received(text));
      });
      carbon.listen(0, "127.0.0.1");
      await once(carbon, "listening");
      try {
        const port = (carbon.address() as AddressInfo).port;
        const b = berth(["--", ...sh("exit 3")], { BERTH_METRICS_PUSH: `graphite://127.0.0.1:${port}`, BERTH_METRICS_PREFIX: "ci.berth" });
        assert.equal((await b.exit()).code, 3);
        assert.match(await withTimeout(pushed, 20_000, "the push"), /^ci\.berth\.berth_status_updates_total\.reason\.exit_status\.state\.failed 1 \d+$/m);
      } finally {
        carbon.close();
      }
    });
  });

  test("BERTH_LOG_SINKS: every line of the task enriched to a json_lines receiver (double) before berth exits, and still on berth's stdout", async () => {
    const logstash = await startJsonLinesReceiver();
    try {
      await withRun(async ({ berth }) => {
        const b = berth(["--name", "shipper", "--", ...sh(`for i in 1 2 3; do echo "{\\"msg\\":\\"line $i\\"}"; done; echo plain >&2`)], { BERTH_LOG_SINKS: `tcp://127.0.0.1:${logstash.port}` });
        assert.equal((await b.exit()).code, 0);
        const events = logstash.events.filter((e) => e.app === "shipper");
        assert.deepEqual(events.map((e) => [e.message, e.stream]), [["line 1", "stdout"], ["line 2", "stdout"], ["line 3", "stdout"], ["plain", "stderr"]]);
        assert.match(String(events[0]?.["task-id"]), /^shipper\./);
        assert.equal(b.stdout(), '{"msg":"line 1"}\n{"msg":"line 2"}\n{"msg":"line 3"}\n');
        assert.match(b.stderr(), /^plain$/m);
      });
    } finally {
      await logstash.stop();
    }
  });

  test("the task gets Berth's environment without BERTH_*, plus the config's env, in Berth's working directory", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const b = berth(["--config", config({ env: { GREETING: "hello there" } }), "--", ...sh('echo "$GREETING|${BERTH_LOG_LEVEL-unset}|$(pwd)"')], { BERTH_LOG_LEVEL: "warn" });
      assert.equal((await b.exit()).code, 0);
      assert.equal(b.stdout(), `hello there|unset|${markers.path}\n`);
      assert.equal(b.logs().filter((l) => l.level === "info").length, 0, "BERTH_LOG_LEVEL=warn hides info lines");
    });
  });

  test("a command that cannot be executed: 127 (not found) and 126 (not executable), with the errno", async () => {
    await withRun(async ({ berth, markers }) => {
      const missing = berth(["--", "berth-no-such-command", "arg"]);
      assert.equal((await missing.exit()).code, 127);
      assert.match(outcomeOf(missing).msg!, /Failed to execute command: .*ENOENT/);
      writeFileSync(markers.file("not-executable"), "#!/bin/sh\n", { mode: 0o644 });
      const denied = berth(["--", markers.file("not-executable")]);
      assert.equal((await denied.exit()).code, 126);
      assert.match(outcomeOf(denied).msg!, /EACCES/);
    });
  });

  test("SIGTERM to berth: the task gets SIGTERM, berth exits with the task's code without waiting out the grace", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const b = berth(["--config", config({ killGracePeriodSeconds: 120 }), "--", "sh", fixture("exits-later-on-sigterm.sh"), "0", "7"]);
      await markers.pids("ready");
      const start = performance.now();
      b.signal("SIGTERM");
      assert.deepEqual(await b.exit(), { code: 7, signal: null });
      assert.ok(performance.now() - start < 60_000, "far less than the 120 s grace");
      assert.ok(markers.exists("term"), "the task saw SIGTERM");
      assert.equal(outcomeOf(b).reason, "killed");
      // Asked for, so not an error; and each event once (the process's own end is not a second outcome line).
      assert.equal(outcomeOf(b).level, "info", b.stderr());
      const messages = b.logs().map((l) => l.msg);
      assert.equal(messages.filter((m) => m === "task started").length, 1, b.stderr());
      assert.equal(messages.filter((m) => m === "sending the stop signal").length, 1, b.stderr());
      assert.equal(b.logs().filter((l) => l.state !== undefined).length, 1, `one line with the outcome:\n${b.stderr()}`);
    });
  });

  test("a task that ignores SIGTERM is SIGKILLed after the grace period: exit 137", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const b = berth(["--config", config({ killGracePeriodSeconds: 1 }), "--", "sh", fixture("ignores-sigterm.sh")]);
      await markers.pids("ready");
      b.signal("SIGTERM");
      assert.equal((await b.exit()).code, 137);
      assert.match(outcomeOf(b).msg!, /SIGKILL/);
    });
  });

  test("a second signal during the drain kills the task at once", async () => {
    await withRun(async ({ berth, config, markers, tagged }) => {
      const b = berth(["--config", config({ killGracePeriodSeconds: 300, drainSeconds: 300 }), "--", "sh", fixture("ignores-sigterm.sh")]);
      await markers.pids("ready");
      assert.ok(tagged().length >= 2, "the tag reaches berth and its task, so the leftover check sees them");
      b.signal("SIGTERM");
      await waitLog(b, "the drain", (l) => l.msg === "draining before the stop signal");
      b.signal("SIGTERM");
      assert.equal((await b.exit(60_000)).code, 137);
    });
  });

  // The second signal gives the kill path a zero budget, which cuts a running preKill call short.
  test("a second signal during a hanging preKill hook kills the task at once", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const hooks = [{ name: "slow-deregister", phases: ["preKill"], exec: ["sleep", "600"], timeoutSeconds: 60 }];
      const b = berth(["--config", config({ killGracePeriodSeconds: 300, hooks }), "--", "sh", fixture("ignores-sigterm.sh")]);
      await markers.pids("ready");
      b.signal("SIGTERM");
      await waitLog(b, "the kill path", (l) => l.msg === "killing the task");
      b.signal("SIGINT");
      assert.equal((await b.exit(20_000)).code, 137);
      assert.ok(b.logs().some((l) => l.msg?.startsWith('preKill hook "slow-deregister" failed')), b.stderr());
    });
  });

  test("a second SIGINT kills the task at once", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const b = berth(["--config", config({ killGracePeriodSeconds: 300 }), "--", "sh", fixture("ignores-sigterm.sh")]);
      await markers.pids("ready");
      b.signal("SIGINT");
      await waitLog(b, "the kill path", (l) => l.msg === "killing the task");
      const start = performance.now();
      b.signal("SIGINT");
      assert.equal((await b.exit()).code, 137);
      assert.ok(performance.now() - start < 60_000, "far less than the 300 s grace");
    });
  });

  test("a prestart hook's output goes to stderr, its BERTH_ENV lines into the task's environment (never shown)", async () => {
    await withRun(async ({ berth, config }) => {
      const hooks = [{ name: "secrets", phases: ["prestart"], exec: sh("echo 'fetching secrets'; echo 'BERTH_ENV DB_PASSWORD=hunter2'") }];
      const b = berth(["--config", config({ hooks }), "--", ...sh('echo "password is $DB_PASSWORD"')]);
      assert.equal((await b.exit()).code, 0);
      assert.equal(b.stdout(), "password is hunter2\n");
      assert.ok(b.logs().some((l) => l.msg === "fetching secrets" && l.hook === "secrets" && l.phase === "prestart"), b.stderr());
      assert.doesNotMatch(b.stderr(), /hunter2|BERTH_ENV/);
    });
  });

  test("a failing prestart hook: the task never runs, exit 1, the message names the hook", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const hooks = [{ name: "check-cert", phases: ["prestart"], exec: sh("echo 'certificate expired' >&2; exit 4") }];
      const b = berth(["--config", config({ hooks }), "--", "touch", markers.file("ran")]);
      assert.equal((await b.exit()).code, 1);
      assert.equal(markers.exists("ran"), false, "the task never ran");
      assert.equal(outcomeOf(b).msg, 'prestart hook "check-cert" failed: /bin/sh exited with status 4: certificate expired');
    });
  });

  test("a hook that hangs is stopped at its deadline: exit 1, the message says it timed out, nothing left", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const hooks = [{ name: "slow-vault", phases: ["prestart"], exec: ["sleep", "600"], timeoutSeconds: 0.5 }];
      const b = berth(["--config", config({ hooks }), "--", "touch", markers.file("ran")]);
      assert.equal((await b.exit()).code, 1);
      assert.equal(markers.exists("ran"), false);
      // The lifecycle abandons the call at its deadline with its own wording; the hook's own error says "timed out".
      assert.match(outcomeOf(b).msg!, /^prestart hook "slow-vault" failed: (no answer within 500 ms|.*timed out after 500 ms)/);
    });
  });

  test("SIGTERM while a prestart hook runs: the hook is killed, the task never runs, exit 143", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const hooks = [{ name: "slow-vault", phases: ["prestart"], exec: sh(`echo $$ > "${markers.file("hook")}"; exec sleep 600`), timeoutSeconds: 300 }];
      const b = berth(["--config", config({ hooks }), "--", "touch", markers.file("ran")]);
      await markers.pids("hook");
      b.signal("SIGTERM");
      assert.equal((await b.exit()).code, 143);
      assert.equal(markers.exists("ran"), false);
      assert.equal(outcomeOf(b).msg, "Task killed before it was started");
    });
  });

  test("preKill hooks run before the task gets SIGTERM, and their output is shown", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const check = `echo deregistering; if [ -e "$TERM_FILE" ]; then echo late; else echo early; fi > "${markers.file("prekill")}"`;
      const hooks = [{ name: "deregister", phases: ["preKill"], exec: sh(check) }];
      const b = berth(["--config", config({ hooks, killGracePeriodSeconds: 60 }), "--", "sh", fixture("exits-later-on-sigterm.sh")]);
      await markers.pids("ready");
      b.signal("SIGTERM");
      assert.equal((await b.exit()).code, 0);
      assert.equal(readFileSync(markers.file("prekill"), "utf8"), "early\n");
      assert.ok(markers.exists("term"), "the task got SIGTERM after the hook");
      assert.ok(b.logs().some((l) => l.msg === "deregistering" && l.hook === "deregister" && l.phase === "preKill"), b.stderr());
    });
  });

  test("a failing health check kills the task: exit 1 with the check's message", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const port = await freePort();
      const healthCheck = { protocol: "http", port, path: "/health", delaySeconds: 0, intervalSeconds: 0.2, timeoutSeconds: 5, consecutiveFailures: 2, gracePeriodSeconds: 60 };
      const env = { PORT: String(port), FAIL_FILE: markers.file("fail") };
      const b = berth(["--config", config({ healthCheck, env }), "--", process.execPath, fixture("health-server.mjs")]);
      await waitLog(b, "a passing health check", (l) => l.msg === "health check passed");
      writeFileSync(markers.file("fail"), "");
      assert.equal((await b.exit()).code, 1);
      const outcome = outcomeOf(b);
      assert.equal(outcome.reason, "health_check_failed");
      assert.match(outcome.msg!, new RegExp(`health check failed: .*127\\.0\\.0\\.1:${port}/health.*503`));
    });
  });

  test("a readiness check gates the healthy hooks: they run only once the server answers", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const port = await freePort();
      const readinessCheck = { protocol: "http", port, path: "/health", intervalSeconds: 0.1, timeoutSeconds: 2 };
      // The server writes READY_FILE once it listens; the hook records whether it was there when the hook ran.
      const hooks = [{ name: "register", phases: ["healthy"], exec: sh(`if [ -e "$READY_FILE" ]; then echo ready; else echo early; fi > "${markers.file("registered")}"`) }];
      const env = { PORT: String(port), START_DELAY_MS: "1500" };
      const b = berth(["--config", config({ readinessCheck, hooks, env }), "--", process.execPath, fixture("health-server.mjs")]);
      const registered = await markers.text("registered", { timeoutMs: 30_000, what: "the healthy hook" });
      assert.equal(registered, "ready\n");
      const logs = b.logs();
      assert.ok(logs.findIndex((l) => l.msg === "task is ready") >= 0);
      b.signal("SIGTERM");
      assert.equal((await b.exit()).code, 0);
    });
  });

  test("the maximum completion time kills the task: exit 1", async () => {
    await withRun(async ({ berth, config }) => {
      const b = berth(["--config", config({ maxCompletionSeconds: 0.5 }), "--", "sleep", "600"]);
      assert.equal((await b.exit()).code, 1);
      assert.equal(outcomeOf(b).reason, "max_completion_time");
      assert.match(outcomeOf(b).msg!, /maximum completion time/);
    });
  });

  test("an invalid config: exit 2, every problem listed, nothing run", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const path = config({ healtCheck: {}, stopSignal: "SIGKILL", healthCheck: { protocol: "tcp" }, hooks: [{ name: "x", phases: ["later"], exec: ["true"] }] });
      const b = berth(["--config", path, "--", "touch", markers.file("ran")]);
      assert.equal((await b.exit()).code, 2);
      const stderr = b.stderr();
      assert.match(stderr, new RegExp(`^berth run: ${path.replaceAll(".", "\\.")} is not valid:$`, "m"));
      for (const problem of ["healtCheck: unknown key", "stopSignal: ", 'healthCheck.port: is required for protocol "tcp"', "hooks.0.phases.0: "]) {
        assert.ok(stderr.includes(`  - ${problem}`), `${problem} in:\n${stderr}`);
      }
      assert.equal(markers.exists("ran"), false);
      const missing = berth(["--config", markers.file("nope.json"), "--", "true"]);
      assert.equal((await missing.exit()).code, 2);
      assert.match(missing.stderr(), /cannot read the config file: ENOENT/);
      assert.equal((await berth([]).exit()).code, 2, "no command is a usage error");
    });
  });

  test("runs without a TTY and without stdin, as under systemd or in a container", async () => {
    await withRun(async ({ berth }) => {
      const b = berth(["--name", "probe", "--", ...sh('[ -t 0 ] && echo tty || echo "no tty: $BERTH_TASK_NAME"; cat; echo done')]);
      assert.equal((await b.exit()).code, 0);
      assert.equal(b.stdout(), "no tty: \ndone\n");
      assert.ok(b.logs().some((l) => (l.task ?? "").startsWith("probe.")), "--name names the task");
    });
  });

  test("nothing is waited for after the task: berth exits as soon as the group is gone", async () => {
    await withRun(async ({ berth, markers }) => {
      const b = berth(["--", "sh", fixture("spawns-grandchild.sh"), "exit", "5"], { CHILD_DELAY: "0" });
      assert.equal((await b.exit()).code, 5);
      assert.ok(existsSync(markers.file("term")), "what the task left behind got the stop signal");
    });
  });

  test("haproxy and consul in the config: registered once ready, drained and deregistered before the stop signal (real HAProxy, Consul double)", async () => {
    const haproxy = await startHaproxy([{ name: "web" }]);
    const consul = await ConsulServerDouble.start();
    try {
      await withRun(async ({ berth, config }) => {
        const port = await freePort();
        const file = config({
          readinessCheck: { protocol: "http", port, path: "/health" },
          haproxy: { backends: ["web"], port },
          consul: { services: [{ name: "web", port, tags: ["run"] }] },
          killGracePeriodSeconds: 10,
        });
        const b = berth(["--config", file, "--name", "web", "--", process.execPath, fixture("health-server.mjs")], {
          PORT: String(port),
          BERTH_HAPROXY_SOCKET: haproxy.socketPath,
          CONSUL_HTTP_ADDR: consul.address,
          CONSUL_HTTP_TOKEN: "run-token",
        });
        const registered = await consul.waitForRequest((r) => r.path === "/v1/agent/service/register", 30_000);
        assert.match(registered.body, /"Tags":\["run","marathon"\]/);
        await waitFor(() => b.logs().some((l) => /^registered web\/web\./.test(l.msg ?? "")), { what: "the HAProxy registration" });
        b.signal("SIGTERM");
        assert.equal((await b.exit()).code, 0, b.stderr());
        const messages = b.logs().map((l) => l.msg ?? "");
        const at = (pattern: RegExp): number => {
          const index = messages.findIndex((m) => pattern.test(m));
          assert.ok(index >= 0, `${pattern} in:\n${messages.join("\n")}`);
          return index;
        };
        assert.ok(at(/^deregistered web\./) < at(/^drained web\/web\./), "Consul first, then the HAProxy drain");
        assert.ok(at(/^removed web\/web\./) < at(/^sending the stop signal$/), "then the stop signal");
        assert.doesNotMatch(b.stderr(), /run-token/, "the token is in no log line");
      });
    } finally {
      await haproxy.stop();
      await consul.close();
    }
  });

  test("haproxy in the config without BERTH_HAPROXY_SOCKET: exit 2 naming it, nothing run", async () => {
    await withRun(async ({ berth, config, markers }) => {
      const b = berth(["--config", config({ haproxy: { backends: ["web"], port: 8080 } }), "--", "touch", markers.file("ran")]);
      assert.equal((await b.exit()).code, 2);
      assert.match(b.stderr(), /haproxy: BERTH_HAPROXY_SOCKET is not set/);
      assert.equal(markers.exists("ran"), false);
    });
  });

  test("config service (real mutual TLS) and Vault (double) into the task's environment; an expired certificate refused", async () => {
    const certs = makeTestCertificates();
    const service = createHttpsServer({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) =>
      req.url === "/config/%2Fshop%2Fcart" ? res.writeHead(200).end(JSON.stringify({ DB_PASSWORD: "from-config" })) : res.writeHead(404).end(),
    );
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    const vault = await startVaultDouble({ key: certs.server.key, cert: certs.server.cert, clientCa: certs.ca.cert, secrets: { "secret/shop/api": { key: "from-vault" } } });
    try {
      await withRun(async ({ berth, config, markers }) => {
        const env = {
          MARATHON_APP_ID: "/shop/cart",
          BERTH_CLIENT_CERT: certs.client.certFile,
          BERTH_CLIENT_KEY: certs.client.keyFile,
          BERTH_CONFIG_SERVICE_URL: `https://127.0.0.1:${(service.address() as AddressInfo).port}/config/{app}`,
          BERTH_CONFIG_SERVICE_CA: certs.ca.certFile,
          VAULT_ADDR: vault.url,
          VAULT_CACERT: certs.ca.certFile,
        };
        const out = markers.file("env.out");
        const file = config({ vault: { API_KEY: "secret/shop/api#key" } });
        const b = berth(["--config", file, "--", ...sh(`env > ${out}`)], env);
        assert.equal((await b.exit()).code, 0, b.stderr());
        const taskEnv = readFileSync(out, "utf8");
        assert.match(taskEnv, /^DB_PASSWORD=from-config$/m);
        assert.match(taskEnv, /^API_KEY=from-vault$/m);
        assert.doesNotMatch(b.stderr(), /from-config|from-vault/, "no value in Berth's log");
        assert.deepEqual(vault.revoked, vault.logins.map((l) => l.token));
        const expired = berth(["--config", config({ validateCertificate: true }), "--", "touch", markers.file("ran")], {
          BERTH_CLIENT_CERT: certs.expiredClient.certFile,
          BERTH_CLIENT_KEY: certs.expiredClient.keyFile,
        });
        assert.equal((await expired.exit()).code, 1);
        assert.match(expired.stderr(), /certificate-lifetime.*BERTH_CLIENT_CERT.*2020-01-02/);
        assert.equal(markers.exists("ran"), false);
      });
    } finally {
      service.closeAllConnections();
      service.close();
      await vault.close();
      certs.remove();
    }
  });
});
