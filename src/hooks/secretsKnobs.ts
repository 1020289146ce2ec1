// Settings of the secrets integrations (read by secretsSettings.ts): the agent-issued client certificate, the config
// service, Vault and the certificate lifetime. Each integration is off unless its variable is set.
import type { EnvKnob } from "../knob.js";

const both = { setBy: "operator", appliesTo: ["executor", "run"] } as const;

export const SECRETS_ENV = {
  BERTH_CLIENT_CERT: {
    ...both,
    setBy: "agent",
    type: "pem",
    description:
      "The agent-issued client certificate: PEM, or the absolute path of a PEM file (re-read at every task start); never passed to tasks.",
  },
  BERTH_CLIENT_KEY: { ...both, setBy: "agent", type: "pem", secret: true, description: "The certificate's unencrypted key: PEM or an absolute path; never passed to tasks." },
  BERTH_CLIENT_CERT_VARIABLE: {
    ...both,
    type: "name",
    default: "BERTH_CLIENT_CERT",
    description: "The variable the client certificate is read from instead (e.g. the predecessor's `CERTIFICATE`); that variable is never passed to tasks either.",
  },
  BERTH_CLIENT_KEY_VARIABLE: { ...both, type: "name", default: "BERTH_CLIENT_KEY", description: "The variable the key is read from instead; never passed to tasks." },
  BERTH_CONFIG_SERVICE_URL: {
    ...both,
    type: "url",
    defaultText: "none: off",
    description:
      "The config service: an `https://` URL template where `{app}` becomes the URL-encoded app name; fetched before every task starts over mutual TLS with the client certificate; the answer, a JSON object of string values with valid variable names, goes into the task's environment.",
  },
  BERTH_CONFIG_SERVICE_CA: { ...both, type: "path", defaultText: "the system's CAs", description: "PEM file of the CA(s) that verify the config service; verification is never off." },
  BERTH_CONFIG_SERVICE_ALLOW_HTTP: { ...both, type: "boolean", default: false, description: "`true` allows an `http://` URL (no TLS, no client certificate)." },
  BERTH_CONFIG_SERVICE_RETRY_FOR: {
    ...both,
    type: "duration",
    default: "30secs",
    description: "How long an unreachable or failing (5xx) config service is retried, within the prestart deadline.",
  },
  BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD: {
    ...both,
    type: "boolean",
    default: false,
    description: "`true`: keep each app's configuration (mode 0600) and use it when the service is down (the task's log says so).",
  },
  BERTH_CONFIG_SERVICE_LAST_KNOWN_GOOD_DIR: {
    ...both,
    type: "path",
    defaultText: "the task's sandbox",
    description:
      "An absolute directory for those copies, kept across tasks (created 0700). The agent serves the sandbox over `/files`: set a directory outside it unless sandbox access is authorized.",
  },
  VAULT_ADDR: {
    ...both,
    type: "url",
    defaultText: "none: off",
    description:
      "Vault (`https://`); enables `berth.vault.*`. Berth logs in with the client certificate, reads the secrets and revokes its token at once (also after a failure); the token reaches no task, hook or log.",
  },
  VAULT_CACERT: { ...both, type: "path", defaultText: "the system's CAs", description: "PEM file of the CA(s) that verify Vault." },
  VAULT_NAMESPACE: { ...both, type: "name", description: "The Vault Enterprise namespace." },
  VAULT_TOKEN: {
    ...both,
    type: "string",
    secret: true,
    description:
      "Not used by Berth, which logs in with the client certificate and revokes its token at once; removed from tasks' environments, like every credential of Berth's.",
  },
  BERTH_VAULT_AUTH_MOUNT: { ...both, type: "path", default: "cert", description: "The mount of Vault's TLS certificate auth method." },
  BERTH_VAULT_CERT_ROLE: { ...both, type: "name", defaultText: "any role Vault finds", description: "The cert role to log in as." },
  BERTH_VAULT_RETRY_FOR: { ...both, type: "duration", default: "30secs", description: "How long an unreachable or failing (5xx) Vault is retried." },
  BERTH_CERTIFICATE_SPREAD: {
    ...both,
    type: "duration",
    default: "3hrs",
    description: "For `validate-certificate`: the graceful kill comes at NotAfter minus a random time up to this, so that a fleet's instances do not restart together.",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

export type SecretsVariable = keyof typeof SECRETS_ENV;
