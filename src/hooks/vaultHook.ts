// Vault → the task's environment (prestart). Logs in with the agent's client certificate (TLS certificate auth),
// reads each KV v2 secret the task's labels name, and revokes the token once read, also after a failure:
//
//   POST /v1/auth/<mount>/login (mutual TLS) ──▶ token (kept in this call's memory only)
//   GET /v1/<mount>/data/<path> per distinct secret ──▶ data.data[field] ──▶ env
//   POST /v1/auth/token/revoke-self, always (bounded; a failure is logged without the token)
//
// Network errors and 5xx are retried within BERTH_VAULT_RETRY_FOR and the hook's deadline; 4xx fail at once.
// Messages name the label, the secret's path and field, and Vault's errors, never a value or the token.
import { BerthError } from "../berthError.js";
import type { Hook, PrestartResult } from "../core/hook.js";
import { assertCertificateCurrent, loadAgentCertificate, type AgentCertificate, type CertificateSource } from "./agentCertificate.js";
import { requestOnce, safeUrl, ServiceRequestError, withRetries, type HttpsResponse } from "./secrets/httpsClient.js";
import type { VaultSettings } from "./secretsSettings.js";
import { timeoutSignal } from "../time/longTimer.js";

export interface VaultSecretRef {
  /** The variable the value goes into. */
  readonly env: string;
  /** The label that asked for it (named in messages). */
  readonly label: string;
  readonly mount: string;
  readonly path: string;
  readonly field: string;
}

export interface VaultHookOptions {
  readonly settings: VaultSettings;
  readonly certificate: CertificateSource;
  readonly secrets: readonly VaultSecretRef[];
  readonly initialBackoffMs?: number;
  /** Bound of the token revocation (default 5 s). */
  readonly revokeTimeoutMs?: number;
}

export type VaultErrorCode =
  | "VAULT_LOGIN_FAILED"
  | "VAULT_READ_FAILED" // the request failed (unreachable, TLS, timeout, 5xx)
  | "VAULT_SECRET_NOT_FOUND" // 404
  | "VAULT_PERMISSION_DENIED" // 403
  | "VAULT_FIELD_MISSING" // the secret has no such field, or it is not a string/number/boolean
  | "VAULT_INVALID_RESPONSE";

export class VaultError extends BerthError {
  override readonly code: VaultErrorCode;
  readonly status?: number;

  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** Vault's `errors` array, for messages (Vault's own words; bounded). */
function vaultErrors(body: string): string {
  try {
    const errors = (JSON.parse(body) as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const text = errors.filter((e): e is string => typeof e === "string").join("; ");
      return text.length > 200 ? `${text.slice(0, 200)}…` : text;
    }
  } catch {
    // not JSON: say nothing of it
  }
  return "";
}

export function vaultHook(options: VaultHookOptions): Hook {
  const { settings, certificate: source, secrets } = options;
  const base = new URL(settings.addr);
  const vault = `Vault ${safeUrl(base)}`;
  return {
    name: "vault",
    async prestart({ signal, output }): Promise<PrestartResult> {
      const cert = await loadAgentCertificate(source, signal);
      assertCertificateCurrent(cert);
      const call: Call = (method, path, what, { token, body, signal: callSignal = signal } = {}) =>
        withRetries(
          async (budget) => {
            const url = new URL(path, base);
            const response = await requestOnce({
              url,
              method,
              headers: { ...(token !== undefined ? { "x-vault-token": token } : {}), ...(settings.namespace ? { "x-vault-namespace": settings.namespace } : {}) },
              ...(body !== undefined ? { body } : {}),
              ...(settings.caPem !== undefined ? { ca: settings.caPem } : {}),
              certificate: cert,
              signal: budget,
            });
            if (response.status >= 500) throw new ServiceRequestError("status", safeUrl(url), `HTTP ${response.status}${withErrors(response.body)}`, { status: response.status });
            return response;
          },
          {
            signal: callSignal,
            retryForMs: settings.retryForMs,
            ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
            onRetry: (error, attempt, delay) => output(`${vault}: ${what}: ${error.detail}; retrying in ${delay} ms (attempt ${attempt})`),
          },
        );
      const failed = (code: VaultErrorCode, what: string, error: unknown): VaultError => {
        if (!(error instanceof ServiceRequestError)) return new VaultError(code, `${vault}: ${what} failed: ${(error as Error).message}`, { cause: error });
        const attempts = error.attempts > 1 ? ` after ${error.attempts} attempts` : "";
        return new VaultError(code, `${vault}: ${what} failed${attempts}: ${error.detail}`, { cause: error, ...(error.status !== undefined ? { status: error.status } : {}) });
      };

      const token = await login(call, settings, cert, vault, failed);
      try {
        const env = await readAll(call, secrets, vault, token, failed);
        output(`${vault}: ${Object.keys(env).join(", ")} from ${new Set(secrets.map((r) => `${r.mount}/${r.path}`)).size} secret(s)`);
        return { env };
      } finally {
        await revoke(call, token, signal, options.revokeTimeoutMs ?? 5_000, vault, output);
      }
    },
  };
}

type Call = (method: "GET" | "POST", path: string, what: string, options?: { token?: string; body?: string; signal?: AbortSignal }) => Promise<HttpsResponse>;
type Failed = (code: VaultErrorCode, what: string, error: unknown) => VaultError;

const withErrors = (body: string): string => {
  const errors = vaultErrors(body);
  return errors ? `: ${errors}` : "";
};

async function login(call: Call, settings: VaultSettings, cert: AgentCertificate, vault: string, failed: Failed): Promise<string> {
  const what = `certificate login (auth/${settings.authMount}, ${cert.subject}${settings.role ? `, role ${settings.role}` : ""})`;
  let response: HttpsResponse;
  try {
    response = await call("POST", `/v1/auth/${settings.authMount}/login`, what, { body: JSON.stringify(settings.role ? { name: settings.role } : {}) });
  } catch (error) {
    throw failed("VAULT_LOGIN_FAILED", what, error);
  }
  if (response.status !== 200) {
    throw new VaultError("VAULT_LOGIN_FAILED", `${vault}: ${what} failed (status ${response.status})${withErrors(response.body)}`, { status: response.status });
  }
  let token: unknown;
  try {
    token = (JSON.parse(response.body) as { auth?: { client_token?: unknown } }).auth?.client_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") throw new VaultError("VAULT_INVALID_RESPONSE", `${vault}: ${what} answered 200 without auth.client_token`, { status: 200 });
  return token;
}

async function readAll(call: Call, secrets: readonly VaultSecretRef[], vault: string, token: string, failed: Failed): Promise<Record<string, string>> {
  // One read per distinct secret, in label order.
  const data = new Map<string, Promise<Record<string, unknown>>>();
  const env: Record<string, string> = {};
  for (const ref of secrets) {
    const key = `${ref.mount}/${ref.path}`;
    const where = `secret ${key} (label ${ref.label})`;
    if (!data.has(key)) {
      const path = `/v1/${encodeURIComponent(ref.mount)}/data/${ref.path.split("/").map(encodeURIComponent).join("/")}`;
      const read = (async () => {
        let response: HttpsResponse;
        try {
          response = await call("GET", path, `reading ${where}`, { token });
        } catch (error) {
          throw failed("VAULT_READ_FAILED", `reading ${where}`, error);
        }
        if (response.status === 404) throw new VaultError("VAULT_SECRET_NOT_FOUND", `${vault}: ${where} not found (status 404; is ${ref.mount} a KV version 2 mount?)`, { status: 404 });
        if (response.status === 403) throw new VaultError("VAULT_PERMISSION_DENIED", `${vault}: reading ${where}: permission denied (status 403${withErrors(response.body).replace(/^: permission denied$/, "")})`, { status: 403 });
        if (response.status !== 200) throw new VaultError("VAULT_READ_FAILED", `${vault}: reading ${where} failed (status ${response.status})${withErrors(response.body)}`, { status: response.status });
        let inner: unknown;
        try {
          inner = (JSON.parse(response.body) as { data?: { data?: unknown } }).data?.data;
        } catch {
          inner = undefined;
        }
        if (typeof inner !== "object" || inner === null || Array.isArray(inner)) {
          throw new VaultError("VAULT_INVALID_RESPONSE", `${vault}: reading ${where}: the answer has no data.data object (is ${ref.mount} a KV version 2 mount?)`, { status: 200 });
        }
        return inner as Record<string, unknown>;
      })();
      read.catch(() => undefined); // awaited below; a later failure must not be unhandled meanwhile
      data.set(key, read);
    }
    const fields = await data.get(key)!;
    const value = fields[ref.field];
    if (value === undefined) throw new VaultError("VAULT_FIELD_MISSING", `${vault}: ${where} has no field ${JSON.stringify(ref.field)} (fields: ${Object.keys(fields).map((f) => JSON.stringify(f)).join(", ") || "none"})`);
    if (typeof value === "string") env[ref.env] = value;
    else if (typeof value === "number" || typeof value === "boolean") env[ref.env] = String(value);
    else throw new VaultError("VAULT_FIELD_MISSING", `${vault}: field ${JSON.stringify(ref.field)} of ${where} is ${value === null ? "null" : Array.isArray(value) ? "an array" : "an object"}, not a string`);
    if (env[ref.env]!.includes("\0")) throw new VaultError("VAULT_FIELD_MISSING", `${vault}: field ${JSON.stringify(ref.field)} of ${where} contains a NUL byte`);
  }
  return env;
}

/** Revokes the token, bounded; never throws, never holds the hook past its deadline. */
async function revoke(call: Call, token: string, signal: AbortSignal, timeoutMs: number, vault: string, output: (line: string) => void): Promise<void> {
  // Its own deadline: a token must be revoked even when the read was cut short by the hook's.
  const attempt = (async () => {
    try {
      const response = await call("POST", "/v1/auth/token/revoke-self", "revoking the token", { token, signal: timeoutSignal(timeoutMs) });
      if (response.status !== 204 && response.status !== 200) output(`${vault}: could not revoke the token (status ${response.status})${withErrors(response.body)}; it expires at the end of its TTL`);
    } catch (error) {
      output(`${vault}: could not revoke the token: ${error instanceof ServiceRequestError ? error.detail : (error as Error).message}; it expires at the end of its TTL`);
    }
  })();
  if (signal.aborted) return; // the lifecycle has moved on: revoke in the background
  await attempt;
}

/** A path segment of a KV reference: no slash, `#`, `?`, white space or control character. */
const SEGMENT = /^[^/#?\s\p{Cc}]+$/u;

/** "<mount>/<path>#<field>" (a label's or a settings file's value) → its parts, or what is wrong with it. */
export function parseVaultReference(value: string): { mount: string; path: string; field: string } | string {
  const hash = value.indexOf("#");
  if (hash < 0) return `expected <mount>/<path>#<field>, got ${JSON.stringify(value)} (no #<field>)`;
  const location = value.slice(0, hash);
  const field = value.slice(hash + 1);
  if (field === "") return `expected <mount>/<path>#<field>, got ${JSON.stringify(value)} (empty field)`;
  if (/\p{Cc}/u.test(field)) return "the field contains a control character";
  const segments = location.split("/");
  if (segments.length < 2) return `expected <mount>/<path>#<field>, got ${JSON.stringify(value)} (no path after the mount)`;
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === ".." || !SEGMENT.test(segment)) {
      return `expected <mount>/<path>#<field>, got ${JSON.stringify(value)} (bad path segment ${JSON.stringify(segment)})`;
    }
  }
  return { mount: segments[0] as string, path: segments.slice(1).join("/"), field };
}
