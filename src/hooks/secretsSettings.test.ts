import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readSecretsSettings } from "./secretsSettings.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
let dir: string;
let caFile: string;

function read(env: Record<string, string>): { settings: ReturnType<typeof readSecretsSettings>; problems: string[] } {
  const problems: string[] = [];
  return { settings: readSecretsSettings(env, problems), problems };
}

describe("readSecretsSettings", () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-settings-"));
    caFile = join(dir, "ca.pem");
    writeFileSync(caFile, CA);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("everything off by default; default variable names and spread", () => {
    const { settings, problems } = read({ BERTH_CLIENT_CERT: "/c.pem", BERTH_CLIENT_KEY: "/k.pem" });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, { certificate: { certVariable: "BERTH_CLIENT_CERT", certValue: "/c.pem", keyVariable: "BERTH_CLIENT_KEY", keyValue: "/k.pem" }, certificateSpreadMs: 3 * 3_600_000 });
  });

  it("reads the config service and Vault settings, with custom certificate variables", () => {
    const { settings, problems } = read({
      BERTH_CLIENT_CERT_VARIABLE: "AGENT_TLS_CERT",
      BERTH_CLIENT_KEY_VARIABLE: "AGENT_TLS_KEY",
      AGENT_TLS_CERT: "pem-c",
      AGENT_TLS_KEY: "pem-k",
      BERTH_CONFIG_SERVICE_URL: "https://config.example:8443/v1/apps/{app}/env",
      BERTH_CONFIG_SERVICE_CA: caFile,
      BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD: "true",
      BERTH_CONFIG_SERVICE_RETRY_FOR: "10secs",
      VAULT_ADDR: "https://vault.example:8200",
      VAULT_CACERT: caFile,
      VAULT_NAMESPACE: "team",
      BERTH_VAULT_CERT_ROLE: "berth",
      BERTH_CERTIFICATE_SPREAD: "30mins",
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.certificate, { certVariable: "AGENT_TLS_CERT", certValue: "pem-c", keyVariable: "AGENT_TLS_KEY", keyValue: "pem-k" });
    assert.deepEqual(settings.configService, { urlTemplate: "https://config.example:8443/v1/apps/{app}/env", caPem: CA, caFile, allowHttp: false, lastKnownGood: true, retryForMs: 10_000 });
    assert.deepEqual(settings.vault, { addr: "https://vault.example:8200", caPem: CA, caFile, authMount: "cert", role: "berth", namespace: "team", retryForMs: 30_000 });
    assert.equal(settings.certificateSpreadMs, 30 * 60_000);
  });

  it("refuses an http:// config service unless allowed, and an http:// Vault always", () => {
    assert.match(read({ BERTH_CONFIG_SERVICE_URL: "http://c/{app}" }).problems.join(), /BERTH_CONFIG_SERVICE_URL: an http:\/\/ URL .*set BERTH_CONFIG_SERVICE_ALLOW_HTTP=true/);
    const allowed = read({ BERTH_CONFIG_SERVICE_URL: "http://c/{app}", BERTH_CONFIG_SERVICE_ALLOW_HTTP: "true" });
    assert.deepEqual(allowed.problems, []);
    assert.equal(allowed.settings.configService?.allowHttp, true);
    assert.match(read({ VAULT_ADDR: "http://127.0.0.1:8200" }).problems.join(), /VAULT_ADDR: expected an https:\/\/ URL/);
  });

  it("names every bad variable", () => {
    const { problems } = read({
      BERTH_CLIENT_CERT_VARIABLE: "not a name",
      BERTH_CONFIG_SERVICE_URL: "https://c/env",
      BERTH_CONFIG_SERVICE_CA: join(dir, "missing.pem"),
      BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD: "yes",
      BERTH_CONFIG_SERVICE_RETRY_FOR: "10",
      VAULT_ADDR: "not a url",
      BERTH_VAULT_AUTH_MOUNT: "../x",
      BERTH_CERTIFICATE_SPREAD: "3h",
    });
    assert.deepEqual(problems.map((p) => p.split(":")[0]), [
      "BERTH_CLIENT_CERT_VARIABLE",
      "BERTH_CONFIG_SERVICE_CA",
      "BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD",
      "BERTH_CONFIG_SERVICE_RETRY_FOR",
      "BERTH_CONFIG_SERVICE_URL",
      "VAULT_ADDR",
      "BERTH_VAULT_AUTH_MOUNT",
      "BERTH_CERTIFICATE_SPREAD",
    ]);
    assert.match(problems.join("\n"), /BERTH_CONFIG_SERVICE_URL: the template has no \{app\} placeholder/);
  });
});
