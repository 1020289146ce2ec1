// Agent-wide settings of the secrets integrations (config service, Vault, certificate lifetime), from the executor's
// environment. Every integration is off unless its variable is set; every problem names its variable.
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { parseDuration } from "../time/duration.js";
import { DEFAULT_CERT_VARIABLE, DEFAULT_KEY_VARIABLE, type CertificateSource } from "./agentCertificate.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigServiceSettings {
  /** URL template with `{app}`. */
  readonly urlTemplate: string;
  /** PEM of the CA(s) that verify the service; undefined: the system CAs. */
  readonly caPem?: string;
  /** The file the CA came from (for messages). */
  readonly caFile?: string;
  /** An http:// URL was allowed explicitly. */
  readonly allowHttp: boolean;
  /** Keep and use a last-known-good copy. */
  readonly lastKnownGood: boolean;
  /** Where (an absolute directory shared by the agent's tasks); undefined: each task's sandbox. */
  readonly lastKnownGoodDir?: string;
  /** How long to retry an unreachable service (within the hook's deadline). */
  readonly retryForMs: number;
}

export interface VaultSettings {
  readonly addr: string;
  readonly caPem?: string;
  readonly caFile?: string;
  /** Mount of the cert auth method (default "cert"). */
  readonly authMount: string;
  /** Cert role to log in as (optional: Vault then tries every role). */
  readonly role?: string;
  readonly namespace?: string;
  readonly retryForMs: number;
}

export interface SecretsSettings {
  readonly certificate: CertificateSource;
  readonly configService?: ConfigServiceSettings;
  readonly vault?: VaultSettings;
  /** Random spread before NotAfter for the certificate-lifetime kill. */
  readonly certificateSpreadMs: number;
}

/** Every variable read here, with its default and meaning (README rows). */
export const SECRETS_VARIABLES = {
  BERTH_CLIENT_CERT_VARIABLE: [DEFAULT_CERT_VARIABLE, "name of the variable holding the agent-issued client certificate"],
  BERTH_CLIENT_KEY_VARIABLE: [DEFAULT_KEY_VARIABLE, "name of the variable holding its key"],
  BERTH_CLIENT_CERT: ["—", "client certificate: PEM, or the absolute path of a PEM file (read at every task start)"],
  BERTH_CLIENT_KEY: ["—", "its unencrypted private key: PEM or an absolute path"],
  BERTH_CONFIG_SERVICE_URL: ["— (off)", "config service URL template; {app} becomes the URL-encoded app name"],
  BERTH_CONFIG_SERVICE_CA: ["system CAs", "PEM file of the CA(s) that verify the config service"],
  BERTH_CONFIG_SERVICE_ALLOW_HTTP: ["false", "true allows an http:// URL (no TLS, no client certificate)"],
  BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD: ["false", "true keeps a copy of each app's configuration (mode 0600) used when the service is down"],
  BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR: ["the task's sandbox", "absolute directory for those copies, kept across tasks (created 0700)"],
  BERTH_CONFIG_SERVICE_RETRY_FOR: ["30secs", "how long to retry an unreachable or failing (5xx) service"],
  VAULT_ADDR: ["— (off)", "Vault's address; enables berth.vault.* labels"],
  VAULT_CACERT: ["system CAs", "PEM file of the CA(s) that verify Vault"],
  VAULT_NAMESPACE: ["—", "Vault Enterprise namespace"],
  BERTH_VAULT_AUTH_MOUNT: ["cert", "mount of Vault's TLS certificate auth method"],
  BERTH_VAULT_CERT_ROLE: ["—", "cert role to log in as"],
  BERTH_VAULT_RETRY_FOR: ["30secs", "how long to retry an unreachable or failing (5xx) Vault"],
  BERTH_CERTIFICATE_SPREAD: ["3hrs", "validate-certificate: the graceful kill comes at NotAfter minus a random time up to this"],
} as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readSecretsSettings(env: Env, problems: string[]): SecretsSettings {
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const bool = (name: string): boolean => {
    const value = set(name);
    if (value === undefined) return false;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    problems.push(`${name}: expected true or false, got ${JSON.stringify(value)}`);
    return false;
  };
  const duration = (name: string, fallback: string): number => {
    try {
      return parseDuration(set(name) ?? fallback);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return parseDuration(fallback);
    }
  };
  const caFile = (name: string): { caPem?: string; caFile?: string } => {
    const file = set(name);
    if (file === undefined) return {};
    try {
      const caPem = readFileSync(file, "utf8");
      if (!caPem.includes("-----BEGIN CERTIFICATE-----")) problems.push(`${name}: ${file} holds no PEM certificate`);
      return { caPem, caFile: file };
    } catch (error) {
      problems.push(`${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return {};
    }
  };
  const variableName = (name: string, fallback: string): string => {
    const value = set(name) ?? fallback;
    if (!ENV_NAME.test(value)) {
      problems.push(`${name}: ${JSON.stringify(value)} is not a variable name`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: string[], allowHttp: boolean): string | undefined => {
    const text = set(name);
    if (text === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(text.replaceAll("{app}", "app"));
    } catch {
      problems.push(`${name}: not a URL`);
      return undefined;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name}: expected an https:// URL, got ${parsed.protocol}//`);
      return undefined;
    }
    if (parsed.protocol === "http:" && !allowHttp) {
      problems.push(`${name}: an http:// URL sends the configuration unencrypted and without the client certificate; use https://, or set BERTH_CONFIG_SERVICE_ALLOW_HTTP=true to allow it`);
      return undefined;
    }
    return text;
  };

  const certVariable = variableName("BERTH_CLIENT_CERT_VARIABLE", DEFAULT_CERT_VARIABLE);
  const keyVariable = variableName("BERTH_CLIENT_KEY_VARIABLE", DEFAULT_KEY_VARIABLE);
  const certificate: CertificateSource = { certVariable, certValue: env[certVariable], keyVariable, keyValue: env[keyVariable] };

  let configService: ConfigServiceSettings | undefined;
  const allowHttp = bool("BERTH_CONFIG_SERVICE_ALLOW_HTTP");
  const configUrl = url("BERTH_CONFIG_SERVICE_URL", ["https:", "http:"], allowHttp);
  const configCa = caFile("BERTH_CONFIG_SERVICE_CA");
  const lastKnownGood = bool("BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD");
  const lastKnownGoodDir = set("BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR");
  if (lastKnownGoodDir !== undefined && !isAbsolute(lastKnownGoodDir)) problems.push(`BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR: expected an absolute path, got ${JSON.stringify(lastKnownGoodDir)}`);
  const configRetry = duration("BERTH_CONFIG_SERVICE_RETRY_FOR", "30secs");
  if (configUrl !== undefined) {
    if (!configUrl.includes("{app}")) problems.push("BERTH_CONFIG_SERVICE_URL: the template has no {app} placeholder");
    configService = { urlTemplate: configUrl, ...configCa, allowHttp, lastKnownGood, ...(lastKnownGoodDir !== undefined && isAbsolute(lastKnownGoodDir) ? { lastKnownGoodDir } : {}), retryForMs: configRetry };
  }

  let vault: VaultSettings | undefined;
  const vaultAddr = url("VAULT_ADDR", ["https:"], false);
  const vaultCa = caFile("VAULT_CACERT");
  const authMount = set("BERTH_VAULT_AUTH_MOUNT") ?? "cert";
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(authMount) || authMount.split("/").some((s) => s === "." || s === "..")) problems.push(`BERTH_VAULT_AUTH_MOUNT: ${JSON.stringify(authMount)} is not a mount path`);
  const role = set("BERTH_VAULT_CERT_ROLE");
  const namespace = set("VAULT_NAMESPACE");
  const vaultRetry = duration("BERTH_VAULT_RETRY_FOR", "30secs");
  if (vaultAddr !== undefined) {
    vault = { addr: vaultAddr, ...vaultCa, authMount, ...(role ? { role } : {}), ...(namespace ? { namespace } : {}), retryForMs: vaultRetry };
  }

  const certificateSpreadMs = duration("BERTH_CERTIFICATE_SPREAD", "3hrs");
  return { certificate, ...(configService ? { configService } : {}), ...(vault ? { vault } : {}), certificateSpreadMs };
}
