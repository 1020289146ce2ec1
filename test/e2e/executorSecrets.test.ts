// Configuration and secrets into the task's environment, end to end: the real `berth executor` on our local agent
// simulator, a real mutual-TLS config service (node:https requiring client certificates) and a Vault double (Vault
// cannot be installed here: test/doubles/vaultServer.ts implements the documented endpoints), all with certificates
// made by openssl for the test. The agent hands the executor a client certificate; nothing secret reaches the
// task's environment beyond the values asked for, nor any log line or status.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startVaultDouble, type VaultDouble } from "../doubles/vaultServer.js";
import { makeTestCertificates, type TestCertificates } from "../helpers/certificates.js";
import { shellTask, withBerth } from "../helpers/berthHarness.js";

const CONFIG_SECRET = "config-value-must-not-leak";
const VAULT_SECRET = "vault-value-must-not-leak";

let certs: TestCertificates;
let config: Server;
let configUrl: string;
let vault: VaultDouble;
const configRequests: string[] = [];

before(async () => {
  certs = makeTestCertificates();
  config = createServer({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    configRequests.push(req.url ?? "");
    if (req.url === "/config/%2Fshop%2Fcart") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ DB_PASSWORD: CONFIG_SECRET, FEATURE_X: "on" }));
    else res.writeHead(404).end("no such app");
  });
  await new Promise<void>((resolve) => config.listen(0, "127.0.0.1", resolve));
  configUrl = `https://127.0.0.1:${(config.address() as AddressInfo).port}/config/{app}`;
  vault = await startVaultDouble({ key: certs.server.key, cert: certs.server.cert, clientCa: certs.ca.cert, secrets: { "secret/shop/api": { key: VAULT_SECRET } } });
});
after(async () => {
  config.closeAllConnections();
  config.close();
  await vault.close();
  certs.remove();
});

const agentEnv = (): Record<string, string> => ({
  BERTH_CLIENT_CERT: certs.client.certFile,
  BERTH_CLIENT_KEY: certs.client.keyFile,
  BERTH_CONFIG_SERVICE_URL: configUrl,
  BERTH_CONFIG_SERVICE_CA: certs.ca.certFile,
  VAULT_ADDR: vault.url,
  VAULT_CACERT: certs.ca.certFile,
});

describe("config service (real mutual TLS) and Vault (double) into the task's environment, through the real executor", () => {
  test("the app's config and a Vault secret reach the task; the key, the token and the values reach no log or status", () =>
    withBerth({ launch: { env: agentEnv() } }, async ({ executor, markers }) => {
      const out = markers.file("env.out");
      executor.launch(
        shellTask("cart.1", `env > ${out}.tmp && mv ${out}.tmp ${out}`, {
          command: { environment: { variables: [{ name: "MARATHON_APP_ID", value: "/shop/cart" }] } },
          labels: { labels: [{ key: "berth.vault.API_KEY", value: "secret/shop/api#key" }] },
        }),
      );
      const finished = await executor.waitForUpdate((s) => s.state === "TASK_FINISHED" || s.state === "TASK_FAILED", { timeoutMs: 30_000 });
      assert.equal(finished.state, "TASK_FINISHED", finished.message);
      const env = readFileSync(out, "utf8");
      assert.match(env, new RegExp(`^DB_PASSWORD=${CONFIG_SECRET}$`, "m"));
      assert.match(env, /^FEATURE_X=on$/m);
      assert.match(env, new RegExp(`^API_KEY=${VAULT_SECRET}$`, "m"));
      assert.doesNotMatch(env, /BERTH_CLIENT_KEY|BERTH_CLIENT_CERT|PRIVATE KEY/, "the client certificate's variables are the executor's");
      assert.deepEqual(configRequests.slice(-1), ["/config/%2Fshop%2Fcart"]);
      assert.equal(vault.logins.length, 1);
      assert.deepEqual(vault.revoked, vault.logins.map((l) => l.token), "the Vault token was revoked once read");
      for (const token of vault.revoked) assert.ok(!env.includes(token), "no Vault token in the task's environment");
      await executor.waitForExit({ timeoutMs: 20_000 });
      const log = readFileSync(join(executor.sandbox, "stderr"), "utf8");
      for (const secret of [CONFIG_SECRET, VAULT_SECRET, ...vault.revoked, certs.client.key.split("\n")[1] ?? "no-key-line"]) {
        assert.ok(!log.includes(secret), "no secret in the executor's log");
        assert.ok(executor.updates("cart.1").every((u) => !(u.status.message ?? "").includes(secret)), "no secret in a status");
      }
    }));

  test("an app the config service does not know: TASK_FAILED naming the service and the status, nothing runs", () =>
    withBerth({ launch: { env: agentEnv() } }, async ({ executor, markers }) => {
      executor.launch(
        shellTask("ghost.1", `touch ${markers.file("ran")}`, { command: { environment: { variables: [{ name: "MARATHON_APP_ID", value: "/ghost" }] } } }),
      );
      const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 30_000 });
      assert.match(failed.message ?? "", /prestart hook "config-service" failed: .*127\.0\.0\.1.*404/);
      assert.equal(markers.exists("ran"), false);
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));

  test("validate-certificate with an expired agent certificate: TASK_FAILED naming the variable and NotAfter, nothing runs", () =>
    withBerth({ launch: { env: { BERTH_CLIENT_CERT: certs.expiredClient.certFile, BERTH_CLIENT_KEY: certs.expiredClient.keyFile } } }, async ({ executor, markers }) => {
      executor.launch(shellTask("old.1", `touch ${markers.file("ran")}`, { labels: { labels: [{ key: "validate-certificate", value: "true" }] } }));
      const failed = await executor.waitForUpdate((s) => s.state === "TASK_FAILED", { timeoutMs: 30_000 });
      assert.match(failed.message ?? "", /prestart hook "certificate-lifetime" failed: .*BERTH_CLIENT_CERT.*2020-01-02/);
      assert.equal(markers.exists("ran"), false);
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));

  test("berth.vault.* on an agent without VAULT_ADDR: TASK_ERROR naming the label", () =>
    withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("v.1", "true", { labels: { labels: [{ key: "berth.vault.API_KEY", value: "secret/shop/api#key" }] } }));
      const error = await executor.waitForUpdate((s) => s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.match(error.message ?? "", /berth\.vault\.API_KEY/);
      await executor.waitForExit({ timeoutMs: 20_000 });
    }));
});
