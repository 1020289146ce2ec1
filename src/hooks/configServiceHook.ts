// Config service → the task's environment (prestart). GET the app's configuration from a URL template over mutual
// TLS with the agent's client certificate, the server verified against the configured CA (or the system CAs):
//
//   {app} ← label berth.config.app, else MARATHON_APP_ID (URL-encoded)
//   network error / 5xx / no answer ──▶ retry with backoff within BERTH_CONFIG_SERVICE_RETRY_FOR and the deadline
//   4xx, TLS failure, bad JSON, non-string value, bad name ──▶ fail at once, naming the service, status and cause
//   still down at the end ──▶ the last-known-good copy in the sandbox, if enabled and present (the log says so)
//
// Values are never written anywhere but the returned env and the 0600 copy; messages name variables, never values.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BerthError } from "../berthError.js";
import type { Hook, HookContext, PrestartResult } from "../core/hook.js";
import { assertCertificateCurrent, loadAgentCertificate, type AgentCertificate, type CertificateSource } from "./agentCertificate.js";
import { requestOnce, safeUrl, ServiceRequestError, withRetries } from "./secrets/httpsClient.js";
import type { ConfigServiceSettings } from "./secretsSettings.js";
import { formatDuration } from "../time/duration.js";

export interface ConfigServiceHookOptions {
  readonly settings: ConfigServiceSettings;
  readonly certificate: CertificateSource;
  /** The app name from the berth.config.app label; else the task's MARATHON_APP_ID. */
  readonly app?: string;
  /** Where the last-known-good copy lives: settings.lastKnownGoodDir, else the task's working directory (its sandbox). */
  readonly sandboxDir?: string;
  /** First retry backoff (ms), for tests. */
  readonly initialBackoffMs?: number;
}

export type ConfigServiceErrorCode =
  | "CONFIG_SERVICE_INVALID" // options that cannot work (an http:// URL not allowed explicitly)
  | "CONFIG_SERVICE_NO_APP" // no app name
  | "CONFIG_SERVICE_FAILED" // the request failed (unreachable, status, TLS, timeout)
  | "CONFIG_SERVICE_INVALID_RESPONSE"; // not a JSON object of valid names to strings

export class ConfigServiceError extends BerthError {
  override readonly code: ConfigServiceErrorCode;
  readonly status?: number;

  constructor(code: ConfigServiceErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** The last-known-good copy of an app's configuration in `dir` (one file per app: the directory may be shared). */
export function lastKnownGoodFile(dir: string, app: string): string {
  return join(dir, `.berth-config-${createHash("sha256").update(app).digest("hex").slice(0, 16)}.json`);
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names a config service may not set: Berth's and the agent's own. */
const RESERVED = /^(BERTH_|MESOS_)/;

/** The request URL for an app (the template's {app}, URL-encoded). */
export function configServiceUrl(template: string, app: string): URL {
  return new URL(template.replaceAll("{app}", encodeURIComponent(app)));
}

/** Checks an answer: a JSON object whose names are variable names and whose values are strings. Never quotes a value. */
export function parseConfigAnswer(body: string, reserved: readonly string[] = []): { env: Record<string, string>; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { env: {}, problems: [`the answer is not JSON (${(error as Error).name})`] };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { env: {}, problems: [`the answer is ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`}, not a JSON object of strings`] };
  }
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
    if (!ENV_NAME.test(name)) problems.push(`${shown} is not a valid environment variable name`);
    else if (RESERVED.test(name) || reserved.includes(name)) problems.push(`${shown} is reserved for Berth and the agent`);
    else if (typeof value !== "string") problems.push(`the value of ${shown} is ${value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`}, not a string`);
    else if (value.includes("\0")) problems.push(`the value of ${shown} contains a NUL byte`);
    else env[name] = value;
  }
  return { env, problems };
}

/** Throws ConfigServiceError for options that cannot work. */
export function configServiceHook(options: ConfigServiceHookOptions): Hook {
  const { settings, certificate: source } = options;
  const protocol = new URL(settings.urlTemplate.replaceAll("{app}", "app")).protocol;
  if (protocol !== "https:" && !(protocol === "http:" && settings.allowHttp)) {
    throw new ConfigServiceError("CONFIG_SERVICE_INVALID", `config service: ${protocol}// URLs are refused (https://, or http:// with BERTH_CONFIG_SERVICE_ALLOW_HTTP=true)`);
  }
  return {
    name: "config-service",
    async prestart(context: HookContext): Promise<PrestartResult> {
      const { task, signal, output } = context;
      const app = options.app ?? task.env.MARATHON_APP_ID;
      if (app === undefined || app === "") {
        throw new ConfigServiceError("CONFIG_SERVICE_NO_APP", "config service: the task has no app name (MARATHON_APP_ID is not set): set the label berth.config.app");
      }
      const url = configServiceUrl(settings.urlTemplate, app);
      const service = `config service ${safeUrl(url)}`;
      let cert: AgentCertificate | undefined;
      if (url.protocol === "https:") {
        // The certificate's own problems are the operator's to fix: no request, no last-known-good.
        cert = await loadAgentCertificate(source, signal);
        assertCertificateCurrent(cert);
      }
      const lkgFile = lastKnownGoodFile(settings.lastKnownGoodDir ?? options.sandboxDir ?? task.cwd, app);
      let previous: ServiceRequestError | undefined;
      let answer;
      try {
        answer = await withRetries(
          async (budget) => {
            const response = await requestOnce({ url, method: "GET", headers: { accept: "application/json" }, ...(settings.caPem !== undefined ? { ca: settings.caPem } : {}), ...(cert ? { certificate: cert } : {}), signal: budget });
            if (response.status !== 200) throw new ServiceRequestError("status", safeUrl(url), `HTTP ${response.status}`, { status: response.status });
            return response;
          },
          {
            signal,
            retryForMs: settings.retryForMs,
            ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
            onRetry: (error, attempt, delay) => {
              previous = error;
              output(`${service}: ${error.detail}; retrying in ${delay} ms (attempt ${attempt})`);
            },
          },
        );
      } catch (error) {
        if (!(error instanceof ServiceRequestError)) throw error;
        const down = error.kind === "unreachable" || error.kind === "timeout" || (error.kind === "status" && (error.status ?? 0) >= 500);
        // A timeout of the retry budget (not of the hook's deadline) says which setting ended it.
        const detail = error.kind === "timeout" && !signal.aborted ? `no answer within BERTH_CONFIG_SERVICE_RETRY_FOR (${formatDuration(settings.retryForMs)})` : error.detail;
        const earlier = error.kind === "timeout" && previous ? `; before that: ${previous.detail}` : "";
        const attempts = error.attempts > 1 ? ` after ${error.attempts} attempts` : "";
        const statusCode = error.status ?? (error.kind === "timeout" ? previous?.status : undefined);
        const status = statusCode !== undefined ? ` (status ${statusCode})` : "";
        const message = `${service} failed${attempts}${status}: ${detail}${earlier}${error.retryable || error.kind === "timeout" ? "" : " (not retried)"}`;
        if (down && settings.lastKnownGood && !signal.aborted) {
          const copy = await readLastKnownGood(lkgFile, app);
          if (copy) {
            output(`${message}; using the last-known-good configuration fetched at ${copy.fetchedAt} (${Object.keys(copy.env).length} variables)`);
            return { env: copy.env };
          }
          output(`${message}; no last-known-good configuration for ${JSON.stringify(app)} in the sandbox`);
        }
        throw new ConfigServiceError("CONFIG_SERVICE_FAILED", message, { cause: error, ...(error.status !== undefined ? { status: error.status } : {}) });
      }
      const { env, problems } = parseConfigAnswer(answer.body, [source.certVariable, source.keyVariable]);
      if (problems.length > 0) throw new ConfigServiceError("CONFIG_SERVICE_INVALID_RESPONSE", `${service} answered 200 with an unusable configuration: ${problems.join("; ")}`, { status: 200 });
      output(`${service}: ${Object.keys(env).length} variables`);
      if (settings.lastKnownGood) {
        try {
          await writeLastKnownGood(lkgFile, app, env);
        } catch (error) {
          output(`could not keep the last-known-good configuration in the sandbox: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
      }
      return { env };
    },
  };
}

interface LastKnownGood {
  app: string;
  fetchedAt: string;
  env: Record<string, string>;
}

async function writeLastKnownGood(file: string, app: string, env: Record<string, string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString("hex")}`;
  const copy: LastKnownGood = { app, fetchedAt: new Date().toISOString(), env };
  try {
    // Created 0600 from the start (the mode applies at creation, before any byte is written).
    await writeFile(temporary, JSON.stringify(copy), { mode: 0o600, flag: "wx" });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function readLastKnownGood(file: string, app: string): Promise<LastKnownGood | undefined> {
  try {
    const copy = JSON.parse(await readFile(file, "utf8")) as LastKnownGood;
    if (copy.app !== app || typeof copy.env !== "object" || copy.env === null) return undefined;
    const { env, problems } = parseConfigAnswer(JSON.stringify(copy.env));
    return problems.length > 0 ? undefined : { ...copy, env };
  } catch {
    return undefined;
  }
}
