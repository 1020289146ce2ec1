import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { get as httpsGet } from "node:https";
import { after, before, describe, it } from "node:test";
import { MarkerDir } from "../../../test/helpers/fixtures.js";
import { checkEachTest, LeftoverGuard } from "../../../test/helpers/leftovers.js";
import { withTimeout } from "../../../test/helpers/waitFor.js";
import type { Probe } from "./checkSpec.js";
import { MAX_REDIRECTS } from "./probeHttp.js";
import { runProbe } from "./runProbe.js";
import { freePort, startHealthServer, type HealthServer } from "../../../test/helpers/health/healthServer.js";

const guard = new LeftoverGuard();
let markers: MarkerDir;
checkEachTest(guard, (fresh) => (markers = fresh));

/** Every probe in these tests must settle well within this, whatever it does. */
const settled = <T>(p: Promise<T>): Promise<T> => withTimeout(p, 15_000, "the probe to settle");

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

/** Another HTTP service on this host (a real socket), which records every request it gets. */
async function otherService(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end("other service\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { port, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("runProbe HTTP", () => {
  // One server for the suite: its own markers, so that the per-test guard does not see it.
  const serverGuard = new LeftoverGuard();
  const serverMarkers = new MarkerDir();
  let server: HealthServer;
  before(async () => {
    server = await startHealthServer({ markers: serverMarkers, guard: serverGuard });
  });
  after(async () => {
    await server.stop();
    serverGuard.assertNone();
    serverMarkers.remove();
  });
  const http = (path: string): Probe => ({ kind: "http", scheme: "http", port: server.port, path });

  it("passes on 200", async () => {
    const result = await settled(runProbe(http("/health")));
    assert.deepEqual(result, {
      ok: true,
      message: `HTTP GET http://127.0.0.1:${server.port}/health returned 200`,
      detail: { kind: "http", statusCode: 200 },
    });
  });

  it("fails on 503, and passes again when the endpoint recovers", async () => {
    server.setHealthy(false);
    try {
      const result = await settled(runProbe(http("/health")));
      assert.deepEqual(result, {
        ok: false,
        message: `HTTP GET http://127.0.0.1:${server.port}/health returned 503`,
        detail: { kind: "http", statusCode: 503 },
      });
    } finally {
      server.setHealthy(true);
    }
    assert.equal((await settled(runProbe(http("/health")))).ok, true);
  });

  it("passes on 200 <= status < 400 only (the `statuses` field is ignored, as Mesos does)", async () => {
    const verdicts: Record<number, boolean> = {};
    for (const status of [200, 204, 301, 304, 399, 400, 404, 500]) {
      verdicts[status] = (await settled(runProbe(http(`/status/${status}`)))).ok;
    }
    // 301 has no Location here: like curl -L, a 3xx without one is the final answer.
    assert.deepEqual(verdicts, { 200: true, 204: true, 301: true, 304: true, 399: true, 400: false, 404: false, 500: false });
  });

  it("follows redirects like curl -L and reports the final status", async () => {
    const result = await settled(runProbe(http("/redirect?to=/redirect%3Fto%3D/health")));
    assert.equal(result.ok, true);
    assert.deepEqual(result.detail, { kind: "http", statusCode: 200 });
    assert.match(result.message, /returned 200 \(redirected to http:\/\/127\.0\.0\.1:\d+\/health\)$/);

    server.setHealthy(false);
    try {
      assert.deepEqual((await settled(runProbe(http("/redirect?to=/health")))).detail, { kind: "http", statusCode: 503 });
    } finally {
      server.setHealthy(true);
    }
  });

  it("does not follow a redirect to another origin: the 3xx is the result (a pass, as 200-399) and nothing else is asked", async () => {
    const other = await otherService();
    try {
      const elsewhere = `http://127.0.0.1:${other.port}/health`;
      const path = `/redirect?to=${encodeURIComponent(elsewhere)}`;
      const result = await settled(runProbe(http(path)));
      assert.deepEqual(result, {
        ok: true,
        message: `HTTP GET http://127.0.0.1:${server.port}${path} returned 302 (redirect to ${elsewhere} not followed: another origin)`,
        detail: { kind: "http", statusCode: 302 },
      });
      // Nor after a redirect within the task's own origin first.
      const twice = await settled(runProbe(http(`/redirect?to=${encodeURIComponent(path)}`)));
      assert.deepEqual(twice.detail, { kind: "http", statusCode: 302 });
      assert.deepEqual(other.requests, [], "the other service must receive no request");
    } finally {
      await other.close();
    }
  });

  it("does not follow a redirect to the same port under another name or scheme", async () => {
    for (const target of [`http://localhost:${server.port}/health`, `https://127.0.0.1:${server.port}/health`]) {
      const result = await settled(runProbe(http(`/redirect?to=${encodeURIComponent(target)}`)));
      assert.deepEqual(result.detail, { kind: "http", statusCode: 302 }, target);
      assert.match(result.message, /not followed: another origin\)$/);
    }
  });

  it("a 30-day timeout does not cut a probe short (setTimeout would fire at once)", async () => {
    const result = await settled(runProbe(http("/slow?ms=200"), { timeoutMs: THIRTY_DAYS_MS }));
    assert.deepEqual(result.detail, { kind: "http", statusCode: 200 });
  });

  it("gives up after its limit of redirects, with no status code", async () => {
    const result = await settled(runProbe(http("/redirect-loop")));
    assert.deepEqual(result, {
      ok: false,
      message: `HTTP GET http://127.0.0.1:${server.port}/redirect-loop failed: maximum (${MAX_REDIRECTS}) redirects followed`,
      detail: { kind: "http" },
    });
  });

  it("fails with no status code when the connection is refused", async () => {
    const port = await freePort();
    const result = await settled(runProbe({ kind: "http", scheme: "http", port, path: "/health" }));
    assert.deepEqual(result, {
      ok: false,
      message: `HTTP GET http://127.0.0.1:${port}/health failed: connection refused`,
      detail: { kind: "http" },
    });
  });

  it("fails a response slower than the timeout", async () => {
    const start = performance.now();
    const result = await settled(runProbe(http("/slow?ms=10000"), { timeoutMs: 300 }));
    assert.deepEqual(result, {
      ok: false,
      message: `HTTP GET http://127.0.0.1:${server.port}/slow?ms=10000 timed out after 300 ms`,
      detail: { kind: "http" },
    });
    assert.ok(performance.now() - start < 5000);
    assert.equal((await settled(runProbe(http("/slow?ms=10"), { timeoutMs: 5000 }))).ok, true);
  });

  it("rejects with the signal's reason when cancelled", async () => {
    const controller = new AbortController();
    const run = runProbe(http("/hang"), { signal: controller.signal });
    const reason = new Error("stopped");
    controller.abort(reason);
    await assert.rejects(settled(run), (error) => error === reason);
    await assert.rejects(runProbe(http("/health"), { signal: controller.signal }), (error) => error === reason);
  });
});

describe("runProbe HTTPS", () => {
  let server: HealthServer;
  const serverGuard = new LeftoverGuard();
  const serverMarkers = new MarkerDir();
  before(async () => {
    // A self-signed certificate, as a task's own listener often has.
    const certFile = serverMarkers.file("cert.pem");
    const keyFile = serverMarkers.file("key.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=berth-test",
    ], { stdio: "ignore" });
    server = await startHealthServer({ markers: serverMarkers, guard: serverGuard, https: { certFile, keyFile } });
  });
  after(async () => {
    await server.stop();
    serverGuard.assertNone();
    serverMarkers.remove();
  });

  it("does not verify the certificate (as curl -k in Mesos)", async () => {
    // The certificate is really untrusted: a verifying client refuses it.
    const verifyError = await new Promise<unknown>((resolve) => {
      httpsGet(server.url("/health"), (res) => resolve(res.statusCode)).on("error", resolve);
    });
    assert.ok(verifyError instanceof Error, `a verifying client should fail, got ${String(verifyError)}`);

    const result = await settled(runProbe({ kind: "http", scheme: "https", port: server.port, path: "/health" }));
    assert.deepEqual(result, {
      ok: true,
      message: `HTTP GET https://127.0.0.1:${server.port}/health returned 200`,
      detail: { kind: "http", statusCode: 200 },
    });
    server.setHealthy(false);
    assert.deepEqual((await settled(runProbe({ kind: "http", scheme: "https", port: server.port, path: "/health" }))).detail, {
      kind: "http",
      statusCode: 503,
    });
    server.setHealthy(true);
  });
});

describe("runProbe TCP", () => {
  it("passes when the port accepts connections", async () => {
    const server = await startHealthServer({ markers, guard });
    try {
      const result = await settled(runProbe({ kind: "tcp", port: server.port }));
      assert.deepEqual(result, {
        ok: true,
        message: `TCP connect to 127.0.0.1:${server.port} succeeded`,
        detail: { kind: "tcp", succeeded: true },
      });
    } finally {
      await server.stop();
    }
  });

  it("fails with succeeded=false when the port is closed", async () => {
    const port = await freePort();
    const result = await settled(runProbe({ kind: "tcp", port }));
    assert.deepEqual(result, {
      ok: false,
      message: `TCP connect to 127.0.0.1:${port} failed: connection refused`,
      detail: { kind: "tcp", succeeded: false },
    });
  });
});

describe("runProbe COMMAND", () => {
  const command = (script: string): Probe => ({ kind: "command", command: { kind: "shell", script }, env: markers.env(), cwd: markers.path });

  it("passes on exit 0", async () => {
    assert.deepEqual(await settled(runProbe(command("true"))), {
      ok: true,
      message: "command exited with status 0",
      detail: { kind: "command", exitCode: 0 },
    });
  });

  it("fails on a non-zero exit, keeping the end of the output out of the message", async () => {
    assert.deepEqual(await settled(runProbe(command("echo starting; echo 'db down' >&2; exit 1"))), {
      ok: false,
      message: "command exited with status 1",
      detail: { kind: "command", exitCode: 1 },
      output: "starting\ndb down",
    });
  });

  it("runs an argv command with exactly the given environment and working directory", async () => {
    const probe: Probe = {
      kind: "command",
      command: { kind: "argv", file: "/bin/sh", args: ["-c", 'test "$CHECK_VAR" = yes && test "$(pwd)" = "$1"', "sh", markers.path] },
      env: { ...markers.env(), CHECK_VAR: "yes" },
      cwd: markers.path,
    };
    assert.equal((await settled(runProbe(probe))).ok, true);
  });

  it("fails with no exit code on a death by signal", async () => {
    assert.deepEqual(await settled(runProbe(command("kill -KILL $$"))), {
      ok: false,
      message: "command terminated by signal SIGKILL",
      detail: { kind: "command" },
    });
  });

  it("fails with no exit code when nothing could be run", async () => {
    const probe: Probe = { kind: "command", command: { kind: "argv", file: "/berth/no/such/check", args: [] }, env: markers.env(), cwd: markers.path };
    assert.deepEqual(await settled(runProbe(probe)), {
      ok: false,
      message: "command could not be run: spawn /berth/no/such/check ENOENT",
      detail: { kind: "command" },
    });
  });

  it("a 30-day timeout does not cut a command short", async () => {
    assert.deepEqual((await settled(runProbe(command("sleep 0.2"), { timeoutMs: THIRTY_DAYS_MS }))).detail, { kind: "command", exitCode: 0 });
  });

  it("on timeout SIGKILLs the command's whole process group, which is gone when the result arrives", async () => {
    // The leader and a background child both ignore SIGTERM: only SIGKILL of the group ends them.
    const script = "trap '' TERM; echo $$ > pgid; sleep 60 & echo $! > child; wait";
    const result = await settled(runProbe(command(script), { timeoutMs: 1000 }));
    assert.deepEqual(result, { ok: false, message: "command timed out after 1000 ms", detail: { kind: "command" } });
    const pgid = Number(readFileSync(markers.file("pgid"), "utf8"));
    const child = Number(readFileSync(markers.file("child"), "utf8"));
    guard.watchGroup(pgid);
    guard.watchPid(child);
    assert.deepEqual(guard.find(), [], "the check's processes must be gone before the result is reported");
  });

  it("kills what the command left behind in its group after a normal exit", async () => {
    const result = await settled(runProbe(command("sleep 60 & echo $! > child; echo $$ > pgid; exit 0")));
    assert.equal(result.ok, true);
    guard.watchGroup(Number(readFileSync(markers.file("pgid"), "utf8")));
    guard.watchPid(Number(readFileSync(markers.file("child"), "utf8")));
    assert.deepEqual(guard.find(), []);
  });

  it("when cancelled, kills the group and rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const run = runProbe(command("echo $$ > pgid; exec sleep 60"), { signal: controller.signal });
    // Cancel once the command is running (its marker exists).
    const [pgid] = await markers.pids("pgid", { what: "the command to start" });
    controller.abort();
    await assert.rejects(settled(run), { name: "AbortError" });
    guard.watchGroup(pgid as number);
    assert.deepEqual(guard.find(), []);
  });
});
