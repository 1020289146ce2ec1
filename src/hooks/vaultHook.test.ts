import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { makeTestCertificates, type KeyPair, type TestCertificates } from "../../test/helpers/certificates.js";
import { startVaultDouble, type VaultDouble, type VaultDoubleOptions } from "../../test/doubles/vaultServer.js";
import type { PrestartResult } from "../core/hook.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { freePort } from "../../test/helpers/health/healthServer.js";
import { waitFor } from "../../test/helpers/waitFor.js";
import { parseVaultReference } from "../mesos/vaultLabels.js";
import type { VaultSettings } from "./secretsSettings.js";
import { VaultError, vaultHook, type VaultSecretRef } from "./vaultHook.js";

const DB_PASSWORD = "db-pa55word-must-not-leak";
const API_KEY = "api-key-must-not-leak";
let certs: TestCertificates;

const task: TaskSpec = { taskId: "t1", name: "t1", command: { kind: "shell", script: "true" }, env: {}, cwd: "/", killGracePeriodMs: 1000, stopSignal: "SIGTERM" };

function ref(env: string, value: string): VaultSecretRef {
  const parsed = parseVaultReference(value);
  assert.ok(typeof parsed !== "string", parsed as string);
  return { env, label: `berth.vault.${env}`, ...parsed };
}

async function withVault(options: Partial<VaultDoubleOptions>, body: (vault: VaultDouble) => Promise<void>): Promise<void> {
  const vault = await startVaultDouble({
    key: certs.server.key,
    cert: certs.server.cert,
    clientCa: certs.ca.cert,
    secrets: { "secret/shop/db": { password: DB_PASSWORD, user: "shop", port: 5432 }, "kv/shop/api": { key: API_KEY } },
    ...options,
  });
  try {
    await body(vault);
  } finally {
    await vault.close();
  }
}

interface Run {
  result?: PrestartResult;
  error?: unknown;
  lines: string[];
}

async function prestart(vault: Pick<VaultDouble, "url">, secrets: VaultSecretRef[], client: KeyPair = certs.client, settings: Partial<VaultSettings> = {}, timeoutMs = 20_000): Promise<Run> {
  const hook = vaultHook({
    settings: { addr: vault.url, caPem: certs.ca.cert, authMount: "cert", retryForMs: 10_000, ...settings },
    certificate: { certVariable: "BERTH_CLIENT_CERT", certValue: client.certFile, keyVariable: "BERTH_CLIENT_KEY", keyValue: client.keyFile },
    secrets,
    initialBackoffMs: 20,
  });
  const lines: string[] = [];
  try {
    const result = (await hook.prestart!({ task, signal: AbortSignal.timeout(timeoutMs), output: (line) => lines.push(line) })) ?? {};
    return { result, lines };
  } catch (error) {
    return { error, lines };
  }
}

/** No secret value, token or key in the error (and its causes) or the output. */
function assertNoLeak(run: Run, vault: VaultDouble): void {
  const texts = [...run.lines];
  for (let e: unknown = run.error; e instanceof Error; e = e.cause) texts.push(e.message, e.stack ?? "");
  const secrets = [DB_PASSWORD, API_KEY, certs.client.key.split("\n")[1] ?? "", ...vault.logins.map((l) => l.token ?? "")];
  for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `leaked ${JSON.stringify(secret.slice(0, 8))}… in ${JSON.stringify(text)}`);
}

/** Every token the double issued was revoked. */
function assertRevoked(vault: VaultDouble): void {
  assert.ok(vault.logins.length > 0, "logged in");
  assert.deepEqual(vault.revoked, vault.logins.map((l) => l.token));
  assert.equal(vault.live.size, 0);
}

describe("vaultHook against the Vault double (real TLS)", () => {
  before(() => (certs = makeTestCertificates()));
  after(() => certs.remove());

  it("logs in with the client certificate, reads each secret once, puts the fields in the env and revokes the token", async () => {
    await withVault({}, async (vault) => {
      const run = await prestart(vault, [ref("DB_PASSWORD", "secret/shop/db#password"), ref("DB_PORT", "secret/shop/db#port"), ref("API_KEY", "kv/shop/api#key")]);
      assert.equal(run.error, undefined, String(run.error));
      assert.deepEqual(run.result?.env, { DB_PASSWORD, DB_PORT: "5432", API_KEY });
      assert.deepEqual(vault.logins.map((l) => l.subject), ["berth-agent-test"]);
      assert.deepEqual(vault.reads.map((r) => [r.path, r.status]), [["secret/shop/db", 200], ["kv/shop/api", 200]]);
      assert.ok(vault.reads.every((r) => r.token === vault.logins[0]?.token));
      assert.deepEqual(run.lines, [`Vault ${vault.url}/: DB_PASSWORD, DB_PORT, API_KEY from 2 secret(s)`]);
      assertRevoked(vault);
      assertNoLeak(run, vault);
    });
  });

  it("a missing secret fails naming the label and the path; the token is still revoked", async () => {
    await withVault({}, async (vault) => {
      const run = await prestart(vault, [ref("DB_PASSWORD", "secret/shop/db#password"), ref("GONE", "secret/shop/gone#x")]);
      assert.ok(run.error instanceof VaultError && run.error.code === "VAULT_SECRET_NOT_FOUND", String(run.error));
      assert.match(run.error.message, /^Vault https:\/\/127\.0\.0\.1:\d+\/: secret secret\/shop\/gone \(label berth\.vault\.GONE\) not found \(status 404/);
      assertRevoked(vault);
      assertNoLeak(run, vault);
    });
  });

  it("permission denied fails naming the label; the token is still revoked", async () => {
    await withVault({ denied: ["kv/shop/api"] }, async (vault) => {
      const run = await prestart(vault, [ref("API_KEY", "kv/shop/api#key")]);
      assert.ok(run.error instanceof VaultError && run.error.code === "VAULT_PERMISSION_DENIED", String(run.error));
      assert.match(run.error.message, /reading secret kv\/shop\/api \(label berth\.vault\.API_KEY\): permission denied \(status 403\)$/);
      assertRevoked(vault);
      assertNoLeak(run, vault);
    });
  });

  it("a missing field names the field and the fields there are, never their values", async () => {
    await withVault({}, async (vault) => {
      const run = await prestart(vault, [ref("X", "secret/shop/db#passwd")]);
      assert.ok(run.error instanceof VaultError && run.error.code === "VAULT_FIELD_MISSING", String(run.error));
      assert.match(run.error.message, /has no field "passwd" \(fields: "password", "user", "port"\)$/);
      assertRevoked(vault);
      assertNoLeak(run, vault);
    });
  });

  it("a client certificate from another CA: the login fails with Vault's error, and no token exists", async () => {
    await withVault({}, async (vault) => {
      const run = await prestart(vault, [ref("DB_PASSWORD", "secret/shop/db#password")], certs.otherCaClient);
      assert.ok(run.error instanceof VaultError && run.error.code === "VAULT_LOGIN_FAILED", String(run.error));
      assert.match(run.error.message, /certificate login \(auth\/cert, CN=berth-agent-other\) failed \(status 400\): invalid certificate or no client certificate supplied$/);
      assert.equal(vault.logins.length, 0);
      assert.equal(vault.reads.length, 0);
    });
  });

  it("503 at login is retried (logged without the token)", async () => {
    await withVault({ failNext: { status: 503, count: 2 } }, async (vault) => {
      const run = await prestart(vault, [ref("DB_PASSWORD", "secret/shop/db#password")], certs.client, { role: "shop" });
      assert.equal(run.error, undefined, String(run.error));
      assert.equal(run.lines.length, 3);
      assert.match(run.lines[2] ?? "", /^Vault https:\/\/127\.0\.0\.1:\d+\/: DB_PASSWORD from 1 secret\(s\)$/);
      assert.match(run.lines[0] ?? "", /certificate login \(auth\/cert, CN=berth-agent-test, role shop\): HTTP 503: the double was told to fail; retrying in \d+ ms \(attempt 1\)$/);
      assert.equal(vault.logins[0]?.role, "shop");
      assertRevoked(vault);
      assertNoLeak(run, vault);
    });
  });

  it("an unreachable Vault: retried within the budget, then fails naming Vault and the cause", async () => {
    const port = await freePort();
    const run = await prestart({ url: `https://127.0.0.1:${port}` }, [ref("X", "secret/a#b")], certs.client, { retryForMs: 300 });
    assert.ok(run.error instanceof VaultError && run.error.code === "VAULT_LOGIN_FAILED", String(run.error));
    assert.match(run.error.message, new RegExp(`^Vault https://127\\.0\\.0\\.1:${port}/: certificate login .* failed after \\d+ attempts: connect ECONNREFUSED`));
    assert.ok(run.lines.length >= 1 && run.lines.every((l) => /: connect ECONNREFUSED 127\.0\.0\.1:\d+; retrying in \d+ ms/.test(l)), JSON.stringify(run.lines));
  });

  it("a read that hangs past the hook's deadline: the hook ends at the deadline and the token is still revoked", async () => {
    await withVault({ hangReads: true }, async (vault) => {
      const started = performance.now();
      const run = await prestart(vault, [ref("DB_PASSWORD", "secret/shop/db#password")], certs.client, {}, 500);
      assert.ok(performance.now() - started < 3_000, "ended at the deadline");
      assert.ok(run.error instanceof VaultError && run.error.code === "VAULT_READ_FAILED", String(run.error));
      assert.match(run.error.message, /reading secret secret\/shop\/db \(label berth\.vault\.DB_PASSWORD\) failed: no answer before the deadline$/);
      await waitFor(() => vault.revoked.length === 1, { what: "the token to be revoked in the background" });
      assertRevoked(vault);
      assertNoLeak(run, vault);
    });
  });

  it("the double refuses reads without a token, revoke-self without a token, and malformed bodies", async () => {
    await withVault({}, async (vault) => {
      const ask = (method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const req = request(`${vault.url}${path}`, { method, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, headers, agent: false }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          });
          req.on("error", reject);
          req.end(body);
        });
      assert.deepEqual(await ask("GET", "/v1/secret/data/shop/db"), { status: 403, body: '{"errors":["permission denied"]}' });
      assert.deepEqual(await ask("GET", "/v1/secret/data/shop/db", undefined, { "x-vault-token": "hvs.bogus" }), { status: 403, body: '{"errors":["permission denied"]}' });
      assert.equal((await ask("POST", "/v1/auth/token/revoke-self")).status, 403);
      assert.equal((await ask("POST", "/v1/auth/cert/login", "{not json")).status, 400);
      assert.equal((await ask("POST", "/v1/auth/cert/login", "[1]")).status, 400);
      assert.equal((await ask("GET", "/v1/auth/cert/login")).status, 405);
      assert.deepEqual(await ask("GET", "/v1/nowhere"), { status: 404, body: '{"errors":[]}' });
    });
  });
});
