// The three secrets hooks in a real TaskLifecycle with a real task: the config service's and Vault's values reach the
// task's environment, nothing secret reaches the hooks' output or the lifecycle's log, and validate-certificate's
// kill request ends the task gracefully.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { makeTestCertificates, type TestCertificates } from "../../test/helpers/certificates.js";
import { startVaultDouble } from "../../test/doubles/vaultServer.js";
import { markerTaskSpec } from "../../test/helpers/fixtures.js";
import { checkEachTest, LeftoverGuard } from "../../test/helpers/leftovers.js";
import type { MarkerDir } from "../../test/helpers/fixtures.js";
import { waitFor, withTimeout } from "../../test/helpers/waitFor.js";
import { TaskLifecycle } from "../core/taskLifecycle.js";
import type { Logger } from "../logger.js";
import { parseVaultReference } from "../mesos/vaultLabels.js";
import type { CertificateSource } from "./agentCertificate.js";
import { certificateLifetimeHook } from "./certificateLifetimeHook.js";
import { configServiceHook } from "./configServiceHook.js";
import { vaultHook } from "./vaultHook.js";

/** Every message and field of the lifecycle's log, as text. */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    log: (level, message, fields) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
    child: () => logger,
  };
  return logger;
}

const CONFIG_SECRET = "config-secret-must-not-leak";
const VAULT_SECRET = "vault-secret-must-not-leak";
const guard = new LeftoverGuard();
let markers: MarkerDir;
checkEachTest(guard, (fresh) => (markers = fresh));
let certs: TestCertificates;

describe("secrets hooks in a real task lifecycle", () => {
  before(() => (certs = makeTestCertificates()));
  after(() => certs.remove());

  it("config + Vault values reach the task's env, nothing secret is logged, and validate-certificate's kill is graceful", async () => {
    const config = createServer({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }, (_req, res) =>
      res.writeHead(200).end(JSON.stringify({ DB_PASSWORD: CONFIG_SECRET, FEATURE: "on" })),
    );
    await new Promise<void>((resolve) => config.listen(0, "127.0.0.1", resolve));
    const vault = await startVaultDouble({ key: certs.server.key, cert: certs.server.cert, clientCa: certs.ca.cert, secrets: { "secret/shop/api": { key: VAULT_SECRET } } });
    try {
      const certificate: CertificateSource = { certVariable: "BERTH_CLIENT_CERT", certValue: certs.client.certFile, keyVariable: "BERTH_CLIENT_KEY", keyValue: certs.client.keyFile };
      const envFile = markers.file("env.out");
      const task = markerTaskSpec(markers, { kind: "shell", script: `env > env.tmp && mv env.tmp env.out; while :; do sleep 0.05; done` }, {
        env: markers.env({ MARATHON_APP_ID: "/shop/cart" }),
        killGracePeriodMs: 5_000,
      });
      // The certificate "expires" 100 ms after the task starts (a shifted clock, no spread); the kill request waits
      // for the task to have written its environment.
      const notAfter = Date.parse(new X509Certificate(certs.client.cert).validTo);
      const offset = notAfter - 100 - Date.now();
      const killReasons: string[] = [];
      const outputs: string[] = [];
      const logs: string[] = [];
      const lifecycle: TaskLifecycle = new TaskLifecycle(task, {
        runner: { stdout: "ignore", stderr: "ignore" },
        hooks: [
          certificateLifetimeHook({
            certificate,
            spreadMs: 0,
            now: () => Date.now() + offset,
            requestKill: (reason) => {
              killReasons.push(reason);
              void waitFor(() => existsSync(envFile), { what: "the task's env" }).then(() => lifecycle.kill({ cause: "requested" }, reason));
            },
          }),
          configServiceHook({ settings: { urlTemplate: `https://127.0.0.1:${(config.address() as AddressInfo).port}/{app}`, caPem: certs.ca.cert, allowHttp: false, lastKnownGood: false, retryForMs: 5_000 }, certificate }),
          vaultHook({ settings: { addr: vault.url, caPem: certs.ca.cert, authMount: "cert", retryForMs: 5_000 }, certificate, secrets: [{ env: "API_KEY", label: "berth.vault.API_KEY", ...(parseVaultReference("secret/shop/api#key") as { mount: string; path: string; field: string }) }] }),
        ],
        events: { onRunning: (pid) => guard.watchGroup(pid), onHookOutput: (hook, phase, line) => outputs.push(`${hook}.${phase}: ${line}`) },
        logger: recordingLogger(logs),
      });
      lifecycle.start();
      const outcome = await withTimeout(lifecycle.outcome, 30_000, "the outcome");
      assert.equal(outcome.state, "killed", outcome.message);
      assert.equal(killReasons.length, 1);

      const env = readFileSync(envFile, "utf8");
      assert.match(env, new RegExp(`^DB_PASSWORD=${CONFIG_SECRET}$`, "m"));
      assert.match(env, /^FEATURE=on$/m);
      assert.match(env, new RegExp(`^API_KEY=${VAULT_SECRET}$`, "m"));
      const keyLine = certs.client.key.split("\n")[1] ?? "";
      const token = vault.logins[0]?.token ?? "";
      assert.ok(token !== "" && vault.revoked.includes(token), "the Vault token was revoked");
      for (const secret of [keyLine, token]) assert.ok(!env.includes(secret), "neither the key nor the token is in the task's env");
      assert.ok(!/BERTH_CLIENT_KEY|VAULT_TOKEN/.test(env));
      for (const line of [...outputs, ...logs, outcome.message]) {
        for (const secret of [CONFIG_SECRET, VAULT_SECRET, keyLine, token]) assert.ok(!line.includes(secret), `leaked into ${JSON.stringify(line)}`);
      }
      assert.ok(outputs.some((l) => /^certificate-lifetime\.poststart: graceful kill scheduled at/.test(l)), JSON.stringify(outputs));
      assert.ok(outputs.some((l) => /^config-service\.prestart: config service https:\/\/127\.0\.0\.1:\d+\/%2Fshop%2Fcart: 2 variables$/.test(l)), JSON.stringify(outputs));
    } finally {
      config.closeAllConnections();
      await new Promise((resolve) => config.close(resolve));
      await vault.close();
    }
  });
});
