import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { after, before, beforeEach, describe, it } from "node:test";
import { makeTestCertificates, type KeyPair, type TestCertificates } from "../../test/helpers/certificates.js";
import type { Hook, PrestartResult } from "../core/hook.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { AgentCertificateError, type CertificateSource } from "./agentCertificate.js";
import { ConfigServiceError, configServiceHook, lastKnownGoodFile, type ConfigServiceHookOptions } from "./configServiceHook.js";
import type { ConfigServiceSettings } from "./secretsSettings.js";

const SECRET = "s3cr3t-value-must-not-leak";
let certs: TestCertificates;
let sandbox: string;

type Handler = (req: { url: string; peer: string }) => { status: number; body: string } | "hang";

interface ConfigServer {
  url: string;
  requests: { url: string; peer: string }[];
  close(): Promise<void>;
}

/** A real HTTPS server that requires a client certificate signed by the test CA. */
async function startConfigServer(handler: Handler, serverPair: KeyPair = certs.server): Promise<ConfigServer> {
  const requests: { url: string; peer: string }[] = [];
  const server: Server = createServer({ key: serverPair.key, cert: serverPair.cert, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? "");
    const entry = { url: req.url ?? "", peer };
    requests.push(entry);
    const answer = handler(entry);
    if (answer === "hang") return; // never answers
    res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/config/{app}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function source(pair: KeyPair = certs.client, asFiles = false): CertificateSource {
  return {
    certVariable: "BERTH_CLIENT_CERT",
    certValue: asFiles ? pair.certFile : pair.cert,
    keyVariable: "BERTH_CLIENT_KEY",
    keyValue: asFiles ? pair.keyFile : pair.key,
  };
}

function task(env: Record<string, string> = { MARATHON_APP_ID: "/shop/cart" }): TaskSpec {
  return { taskId: "t1", name: "t1", command: { kind: "shell", script: "true" }, env, cwd: sandbox, killGracePeriodMs: 1000, stopSignal: "SIGTERM" };
}

interface Run {
  result?: PrestartResult;
  error?: unknown;
  lines: string[];
}

async function prestart(hook: Hook, { timeoutMs = 20_000, env }: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
  const lines: string[] = [];
  try {
    const result = (await hook.prestart!({ task: task(env), signal: AbortSignal.timeout(timeoutMs), output: (line) => lines.push(line) })) ?? {};
    return { result, lines };
  } catch (error) {
    return { error, lines };
  }
}

function hookFor(server: ConfigServer, options: Omit<Partial<ConfigServiceHookOptions>, "settings"> & { settings?: Partial<ConfigServiceSettings> } = {}): Hook {
  const settings: ConfigServiceSettings = { urlTemplate: server.url, caPem: certs.ca.cert, caFile: certs.ca.certFile, allowHttp: false, lastKnownGood: false, retryForMs: 10_000, ...options.settings };
  return configServiceHook({ certificate: source(), initialBackoffMs: 20, ...options, settings });
}

/** Nothing secret in the error (message, causes, stack) or any output line. */
function assertNoLeak(run: Run, ...extra: string[]): void {
  const texts = [...run.lines];
  for (let e: unknown = run.error; e instanceof Error; e = e.cause) texts.push(e.message, e.stack ?? "");
  const key = certs.client.key.split("\n")[1] ?? "";
  for (const text of texts) {
    for (const secret of [SECRET, key, ...extra]) assert.ok(!text.includes(secret), `leaked ${JSON.stringify(secret.slice(0, 12))} in ${JSON.stringify(text)}`);
  }
}

const ok = (env: Record<string, unknown> = { DB_PASSWORD: SECRET, FEATURE: "on" }): ReturnType<Handler> => ({ status: 200, body: JSON.stringify(env) });

describe("configServiceHook (mutual TLS against a real HTTPS server)", () => {
  before(() => (certs = makeTestCertificates()));
  after(() => certs.remove());
  beforeEach(() => {
    if (sandbox) rmSync(sandbox, { recursive: true, force: true });
    sandbox = mkdtempSync(join(tmpdir(), "berth-sandbox-"));
  });

  it("puts the app's configuration into the env, asking with the client certificate for the URL-encoded MARATHON_APP_ID", async () => {
    const server = await startConfigServer(() => ok());
    try {
      const run = await prestart(hookFor(server));
      assert.equal(run.error, undefined);
      assert.deepEqual(run.result?.env, { DB_PASSWORD: SECRET, FEATURE: "on" });
      assert.deepEqual(server.requests, [{ url: "/config/%2Fshop%2Fcart", peer: "berth-agent-test" }]);
      assert.deepEqual(run.lines, [`config service ${server.url.replace("{app}", "%2Fshop%2Fcart")}: 2 variables`]);
      assertNoLeak(run);
    } finally {
      await server.close();
    }
  });

  it("reads the certificate and key from files, and the label's app name wins over MARATHON_APP_ID", async () => {
    const server = await startConfigServer(() => ok());
    try {
      const run = await prestart(hookFor(server, { certificate: source(certs.client, true), app: "cart v2" }));
      assert.equal(run.error, undefined);
      assert.equal(server.requests[0]?.url, "/config/cart%20v2");
    } finally {
      await server.close();
    }
  });

  it("http:// only when allowed explicitly: then plain HTTP, without the client certificate", async () => {
    assert.throws(() => configServiceHook({ settings: { urlTemplate: "http://127.0.0.1:1/{app}", allowHttp: false, lastKnownGood: false, retryForMs: 100 }, certificate: source() }), /http:\/\/ URLs are refused/);
    const server = createHttpServer((req, res) => res.writeHead(200).end(JSON.stringify({ FEATURE: req.url ?? "" })));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const hook = configServiceHook({
        settings: { urlTemplate: `http://127.0.0.1:${port}/{app}`, allowHttp: true, lastKnownGood: false, retryForMs: 1000 },
        certificate: { certVariable: "BERTH_CLIENT_CERT", certValue: undefined, keyVariable: "BERTH_CLIENT_KEY", keyValue: undefined },
      });
      const run = await prestart(hook);
      assert.deepEqual(run.result?.env, { FEATURE: "/%2Fshop%2Fcart" });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("fails without an app name", async () => {
    const server = await startConfigServer(() => ok());
    try {
      const run = await prestart(hookFor(server), { env: {} });
      assert.ok(run.error instanceof ConfigServiceError && run.error.code === "CONFIG_SERVICE_NO_APP");
      assert.match(run.error.message, /berth\.config\.app/);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it("a client certificate from another CA: the server refuses the handshake, and the message says so", async () => {
    const server = await startConfigServer(() => ok());
    try {
      const run = await prestart(hookFor(server, { certificate: source(certs.otherCaClient), settings: { retryForMs: 2_000 } }));
      assert.ok(run.error instanceof ConfigServiceError && run.error.code === "CONFIG_SERVICE_FAILED", String(run.error));
      assert.match(run.error.message, /^config service https:\/\/127\.0\.0\.1:\d+\/config\/%2Fshop%2Fcart failed/);
      assert.match(run.error.message, /failed: TLS failed \(the server closed the connection right after the handshake: it probably does not accept the client certificate CN=berth-agent-other from BERTH_CLIENT_CERT\): ECONNRESET \(not retried\)$/);
      assert.equal(run.lines.length, 0, "not retried");
      assert.equal(server.requests.length, 0, "no request got through");
      assertNoLeak(run, certs.otherCaClient.key.split("\n")[1] ?? "");
    } finally {
      await server.close();
    }
  });

  it("an expired client certificate fails at once, naming the variable and NotAfter", async () => {
    const server = await startConfigServer(() => ok());
    try {
      const run = await prestart(hookFor(server, { certificate: source(certs.expiredClient) }));
      assert.ok(run.error instanceof AgentCertificateError && run.error.code === "AGENT_CERT_EXPIRED", String(run.error));
      assert.match(run.error.message, /BERTH_CLIENT_CERT .*expired: NotAfter 2020-01-02T00:00:00\.000Z/);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it("a key that does not match the certificate fails at once, naming the key variable and not the key", async () => {
    const server = await startConfigServer(() => ok());
    try {
      const run = await prestart(hookFor(server, { certificate: source(certs.mismatchedClient, true) }));
      assert.ok(run.error instanceof AgentCertificateError && run.error.code === "AGENT_KEY_MISMATCH", String(run.error));
      assert.match(run.error.message, /BERTH_CLIENT_KEY \(file .*mismatched-client\.key\) does not belong to the certificate/);
      assertNoLeak(run, certs.mismatchedClient.key.split("\n")[1] ?? "");
    } finally {
      await server.close();
    }
  });

  it("a server whose certificate the CA did not sign: verification fails, not retried, with a clear message", async () => {
    const server = await startConfigServer(() => ok(), certs.rogueServer);
    try {
      const run = await prestart(hookFor(server));
      assert.ok(run.error instanceof ConfigServiceError, String(run.error));
      assert.match(run.error.message, /TLS failed \(the server's certificate is not signed by the configured CA\): UNABLE_TO_VERIFY_LEAF_SIGNATURE.*\(not retried\)$/);
      assert.equal(run.lines.length, 0, "no retry");
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it("503 then 200: retried, and the retry is in the task's log", async () => {
    let calls = 0;
    const server = await startConfigServer(() => (++calls === 1 ? { status: 503, body: "{}" } : ok()));
    try {
      const run = await prestart(hookFor(server));
      assert.equal(run.error, undefined, String(run.error));
      assert.equal(run.result?.env?.DB_PASSWORD, SECRET);
      assert.equal(server.requests.length, 2);
      assert.match(run.lines[0] ?? "", /^config service https:\/\/.*: HTTP 503; retrying in \d+ ms \(attempt 1\)$/);
      assertNoLeak(run);
    } finally {
      await server.close();
    }
  });

  it("404: fails at once, the message names the service and the status", async () => {
    const server = await startConfigServer(() => ({ status: 404, body: JSON.stringify({ error: SECRET }) }));
    try {
      const run = await prestart(hookFor(server));
      assert.ok(run.error instanceof ConfigServiceError && run.error.status === 404);
      assert.match(run.error.message, /^config service https:\/\/127\.0\.0\.1:\d+\/config\/%2Fshop%2Fcart failed \(status 404\): HTTP 404 \(not retried\)$/);
      assert.equal(server.requests.length, 1);
      assertNoLeak(run);
    } finally {
      await server.close();
    }
  });

  it("a service that hangs: the hook ends at its deadline, naming the service", async () => {
    const server = await startConfigServer(() => "hang");
    try {
      const started = performance.now();
      const run = await prestart(hookFor(server), { timeoutMs: 500 });
      const took = performance.now() - started;
      assert.ok(run.error instanceof ConfigServiceError, String(run.error));
      assert.match(run.error.message, /config service https:\/\/127\.0\.0\.1:\d+\/config\/%2Fshop%2Fcart failed: no answer before the deadline/);
      assert.ok(took < 3_000, `ended ${Math.round(took)} ms after start`);
    } finally {
      await server.close();
    }
  });

  for (const [what, body, pattern] of [
    ["invalid JSON", `{"DB_PASSWORD": "${SECRET}"`, /the answer is not JSON \(SyntaxError\)/],
    ["a non-string value", JSON.stringify({ DB_PASSWORD: SECRET, PORT: 8080 }), /the value of "PORT" is a number, not a string/],
    ["an invalid name", JSON.stringify({ DB_PASSWORD: SECRET, "1-bad name": "x" }), /"1-bad name" is not a valid environment variable name/],
    ["a reserved name", JSON.stringify({ BERTH_CLIENT_KEY: SECRET }), /"BERTH_CLIENT_KEY" is reserved/],
    ["an array", JSON.stringify([SECRET]), /the answer is an array, not a JSON object of strings/],
  ] as const) {
    it(`${what}: fails naming the problem, never the value`, async () => {
      const server = await startConfigServer(() => ({ status: 200, body }));
      try {
        const run = await prestart(hookFor(server));
        assert.ok(run.error instanceof ConfigServiceError && run.error.code === "CONFIG_SERVICE_INVALID_RESPONSE", String(run.error));
        assert.match(run.error.message, pattern);
        assert.equal(server.requests.length, 1, "not retried");
        assertNoLeak(run);
      } finally {
        await server.close();
      }
    });
  }

  it("last-known-good: kept 0600 in the sandbox when enabled, used only when the service is down, and the log says so", async () => {
    let mode: "ok" | "down" | "404" = "ok";
    const server = await startConfigServer(() => (mode === "ok" ? ok() : mode === "down" ? { status: 503, body: "" } : { status: 404, body: "" }));
    const file = lastKnownGoodFile(sandbox, "/shop/cart");
    try {
      // Disabled: nothing kept, a down service fails the task.
      const plain = await prestart(hookFor(server));
      assert.equal(plain.error, undefined);
      assert.throws(() => statSync(file), /ENOENT/);

      const enabled = { settings: { lastKnownGood: true, retryForMs: 300 } };
      const first = await prestart(hookFor(server, enabled));
      assert.equal(first.error, undefined);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, "utf8"), /"app":"\/shop\/cart"/);

      mode = "down";
      const down = await prestart(hookFor(server, enabled));
      assert.equal(down.error, undefined, String(down.error));
      assert.deepEqual(down.result?.env, { DB_PASSWORD: SECRET, FEATURE: "on" });
      assert.match(down.lines.at(-1) ?? "", /failed after \d+ attempts \(status 503\): (HTTP 503|no answer within BERTH_CONFIG_SERVICE_RETRY_FOR \(300ms\); before that: HTTP 503); using the last-known-good configuration fetched at \S+ \(2 variables\)$/);
      assertNoLeak(down);

      const downDisabled = await prestart(hookFor(server, { settings: { retryForMs: 300 } }));
      assert.ok(downDisabled.error instanceof ConfigServiceError, "not used when disabled");

      mode = "404";
      const notFound = await prestart(hookFor(server, enabled));
      assert.ok(notFound.error instanceof ConfigServiceError && notFound.error.status === 404, "not used when the service answers 4xx");

      const otherApp = await prestart(hookFor(server, { ...enabled, app: "other" }));
      assert.ok(otherApp.error instanceof ConfigServiceError, "another app's copy is never used");

      // A directory shared by the agent's tasks (BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR), created 0700: a new task
      // (a new sandbox) still finds the copy.
      const shared = join(sandbox, "shared", "lkg");
      mode = "ok";
      const inShared = { settings: { lastKnownGood: true, lastKnownGoodDir: shared, retryForMs: 300 } };
      assert.equal((await prestart(hookFor(server, inShared))).error, undefined);
      assert.equal(statSync(shared).mode & 0o777, 0o700);
      assert.equal(statSync(lastKnownGoodFile(shared, "/shop/cart")).mode & 0o777, 0o600);
      mode = "down";
      const fromShared = await prestart(hookFor(server, { ...inShared, sandboxDir: join(sandbox, "another-sandbox") }));
      assert.equal(fromShared.result?.env?.DB_PASSWORD, SECRET);
    } finally {
      await server.close();
    }
  });
});
