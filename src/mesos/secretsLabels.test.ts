import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConfigServiceSettings, VaultSettings } from "../hooks/secretsSettings.js";
import { readCertificateLabels, readConfigServiceLabels } from "./secretsLabels.js";
import type { TaskInfo } from "./types.js";
import { readVaultLabels } from "./vaultLabels.js";

const taskWith = (labels: Record<string, string>): TaskInfo => ({
  name: "t",
  task_id: { value: "t" },
  agent_id: { value: "a" },
  labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) },
});
const vault: VaultSettings = { addr: "https://v:8200", authMount: "cert", retryForMs: 1000 };
const configService: ConfigServiceSettings = { urlTemplate: "https://c/{app}", allowHttp: false, lastKnownGood: false, retryForMs: 1000 };

describe("readVaultLabels", () => {
  it("maps berth.vault.<ENV> = <mount>/<path>#<field>", () => {
    const problems: string[] = [];
    const refs = readVaultLabels(taskWith({ "berth.vault.DB_PASSWORD": "secret/shop/db#password", "berth.vault.TOKEN": "kv/a#api#key", other: "x" }), { vault }, problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(refs, [
      { env: "DB_PASSWORD", label: "berth.vault.DB_PASSWORD", mount: "secret", path: "shop/db", field: "password" },
      { env: "TOKEN", label: "berth.vault.TOKEN", mount: "kv", path: "a", field: "api#key" },
    ]);
  });

  it("nothing when no label asks", () => {
    const problems: string[] = [];
    assert.equal(readVaultLabels(taskWith({ "berth.drain-seconds": "1" }), { vault: undefined }, problems), undefined);
    assert.deepEqual(problems, []);
  });

  it("a problem per bad label, naming it", () => {
    const problems: string[] = [];
    readVaultLabels(
      taskWith({
        "berth.vault.1BAD": "secret/a#b",
        "berth.vault.BERTH_X": "secret/a#b",
        "berth.vault.NOFIELD": "secret/a",
        "berth.vault.EMPTYFIELD": "secret/a#",
        "berth.vault.NOPATH": "secret#b",
        "berth.vault.DOTS": "secret/../sys#b",
        "berth.vault.EMPTYSEG": "secret//a#b",
        "berth.vault.SPACE": "secret/a b#c",
      }),
      { vault },
      problems,
    );
    assert.deepEqual(problems.map((p) => p.split(":")[0]), [
      "label berth.vault.1BAD",
      "label berth.vault.BERTH_X",
      "label berth.vault.NOFIELD",
      "label berth.vault.EMPTYFIELD",
      "label berth.vault.NOPATH",
      "label berth.vault.DOTS",
      "label berth.vault.EMPTYSEG",
      "label berth.vault.SPACE",
    ]);
  });

  it("a label without Vault configured is a problem", () => {
    const problems: string[] = [];
    assert.equal(readVaultLabels(taskWith({ "berth.vault.X": "secret/a#b" }), { vault: undefined }, problems), undefined);
    assert.deepEqual(problems, ["label berth.vault.X: Vault is not configured on this agent (VAULT_ADDR is not set)"]);
  });
});

describe("readConfigServiceLabels / readCertificateLabels", () => {
  it("berth.config.app names the app; nothing when no service is configured", () => {
    const problems: string[] = [];
    assert.deepEqual(readConfigServiceLabels(taskWith({ "berth.config.app": "cart" }), { configService }, problems), { app: "cart" });
    assert.deepEqual(readConfigServiceLabels(taskWith({}), { configService }, problems), {});
    assert.equal(readConfigServiceLabels(taskWith({}), { configService: undefined }, problems), undefined);
    assert.equal(problems.length, 0);
    readConfigServiceLabels(taskWith({ "berth.config.app": "cart" }), { configService: undefined }, problems);
    readConfigServiceLabels(taskWith({ "berth.config.app": " " }), { configService }, problems);
    assert.deepEqual(problems.map((p) => p.split(":")[0]), ["label berth.config.app", "label berth.config.app"]);
  });

  it("validate-certificate=true (the predecessor's label)", () => {
    const problems: string[] = [];
    assert.deepEqual(readCertificateLabels(taskWith({ "validate-certificate": "true" }), problems), { validate: true });
    assert.equal(readCertificateLabels(taskWith({ "validate-certificate": "false" }), problems), undefined);
    assert.equal(readCertificateLabels(taskWith({}), problems), undefined);
    assert.equal(problems.length, 0);
    readCertificateLabels(taskWith({ "validate-certificate": "yes please" }), problems);
    assert.deepEqual(problems, ['label validate-certificate: expected true or false, got "yes please"']);
  });
});
