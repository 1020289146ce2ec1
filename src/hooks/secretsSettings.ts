// Agent-wide settings of the secrets integrations (config service, Vault, certificate lifetime), from the executor's
// environment. Every integration is off unless its variable is set; every problem names its variable.
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { parseDuration } from "../time/duration.js";
import type { CertificateSource } from "./agentCertificate.js";
import { SECRETS_ENV, type SecretsVariable } from "./secretsKnobs.js";

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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The declared variables of one type that have a literal default. */
type VariableOf<T extends string, D> = { [K in SecretsVariable]: (typeof SECRETS_ENV)[K] extends { type: T; default: D } ? K : never }[SecretsVariable];

export function readSecretsSettings(env: Env, problems: string[]): SecretsSettings {
  const set = (name: SecretsVariable): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const bool = (name: VariableOf<"boolean", boolean>): boolean => {
    const value = set(name);
    if (value === undefined) return SECRETS_ENV[name].default;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    problems.push(`${name}: expected true or false, got ${JSON.stringify(value)}`);
    return false;
  };
  const duration = (name: VariableOf<"duration", string>): number => {
    const fallback = SECRETS_ENV[name].default;
    try {
      return parseDuration(set(name) ?? fallback);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return parseDuration(fallback);
    }
  };
  const caFile = (name: SecretsVariable): { caPem?: string; caFile?: string } => {
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
  const variableName = (name: "BERTH_CLIENT_CERT_VARIABLE" | "BERTH_CLIENT_KEY_VARIABLE"): string => {
    const fallback = SECRETS_ENV[name].default;
    const value = set(name) ?? fallback;
    if (!ENV_NAME.test(value)) {
      problems.push(`${name}: ${JSON.stringify(value)} is not a variable name`);
      return fallback;
    }
    return value;
  };
  const url = (name: SecretsVariable, protocols: string[], allowHttp: boolean): string | undefined => {
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

  const certVariable = variableName("BERTH_CLIENT_CERT_VARIABLE");
  const keyVariable = variableName("BERTH_CLIENT_KEY_VARIABLE");
  const certificate: CertificateSource = { certVariable, certValue: env[certVariable], keyVariable, keyValue: env[keyVariable] };

  let configService: ConfigServiceSettings | undefined;
  const allowHttp = bool("BERTH_CONFIG_SERVICE_ALLOW_HTTP");
  const configUrl = url("BERTH_CONFIG_SERVICE_URL", ["https:", "http:"], allowHttp);
  const configCa = caFile("BERTH_CONFIG_SERVICE_CA");
  const lastKnownGood = bool("BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD");
  const lastKnownGoodDir = set("BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR");
  if (lastKnownGoodDir !== undefined && !isAbsolute(lastKnownGoodDir)) problems.push(`BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR: expected an absolute path, got ${JSON.stringify(lastKnownGoodDir)}`);
  const configRetry = duration("BERTH_CONFIG_SERVICE_RETRY_FOR");
  if (configUrl !== undefined) {
    if (!configUrl.includes("{app}")) problems.push("BERTH_CONFIG_SERVICE_URL: the template has no {app} placeholder");
    configService = { urlTemplate: configUrl, ...configCa, allowHttp, lastKnownGood, ...(lastKnownGoodDir !== undefined && isAbsolute(lastKnownGoodDir) ? { lastKnownGoodDir } : {}), retryForMs: configRetry };
  }

  let vault: VaultSettings | undefined;
  const vaultAddr = url("VAULT_ADDR", ["https:"], false);
  const vaultCa = caFile("VAULT_CACERT");
  const authMount = set("BERTH_VAULT_AUTH_MOUNT") ?? SECRETS_ENV.BERTH_VAULT_AUTH_MOUNT.default;
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(authMount) || authMount.split("/").some((s) => s === "." || s === "..")) problems.push(`BERTH_VAULT_AUTH_MOUNT: ${JSON.stringify(authMount)} is not a mount path`);
  const role = set("BERTH_VAULT_CERT_ROLE");
  const namespace = set("VAULT_NAMESPACE");
  const vaultRetry = duration("BERTH_VAULT_RETRY_FOR");
  if (vaultAddr !== undefined) {
    vault = { addr: vaultAddr, ...vaultCa, authMount, ...(role ? { role } : {}), ...(namespace ? { namespace } : {}), retryForMs: vaultRetry };
  }

  const certificateSpreadMs = duration("BERTH_CERTIFICATE_SPREAD");
  return { certificate, ...(configService ? { configService } : {}), ...(vault ? { vault } : {}), certificateSpreadMs };
}
