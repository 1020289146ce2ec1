// A small HTTPS client for the secrets integrations: one request with a bounded body, mutual TLS with the agent's
// certificate, the server verified against a given CA (or the system's; verification is never turned off), and a
// retry loop for unreachable or failing (5xx) services within a budget and the caller's signal.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BerthError } from "../../berthError.js";
import { sleep, timeoutSignal } from "../../time/longTimer.js";
import type { AgentCertificate } from "../agentCertificate.js";

export interface HttpsRequest {
  readonly url: URL;
  readonly method: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** PEM of the CA(s) that verify the server; undefined: the system CAs. */
  readonly ca?: string;
  readonly certificate?: AgentCertificate;
  /** Longest body read (default 1 MiB). */
  readonly maxBytes?: number;
  readonly signal: AbortSignal;
}

export interface HttpsResponse {
  readonly status: number;
  readonly body: string;
}

export type ServiceErrorKind =
  | "unreachable" // connection refused/reset, DNS, …: retried
  | "timeout" // no answer within the budget or the deadline
  | "tls" // the server's certificate did not verify, or the server refused ours: not retried
  | "status" // an HTTP status other than expected (5xx retried, others not)
  | "response"; // an answer that cannot be used (too large, bad JSON, …): not retried

/** A request that failed; the message names the service (URL without credentials or query), and never a secret. */
export class ServiceRequestError extends BerthError {
  readonly kind: ServiceErrorKind;
  readonly status?: number;
  /** The service (safeUrl) and what went wrong, apart. */
  readonly service: string;
  readonly detail: string;
  /** How many requests were made. */
  attempts = 1;

  constructor(kind: ServiceErrorKind, service: string, detail: string, options?: { cause?: unknown; status?: number }) {
    super(`SERVICE_${kind.toUpperCase()}`, `${service}: ${detail}`, options);
    this.kind = kind;
    this.service = service;
    this.detail = detail;
    if (options?.status !== undefined) this.status = options.status;
  }

  get retryable(): boolean {
    return this.kind === "unreachable" || (this.kind === "status" && (this.status ?? 0) >= 500);
  }
}

/** The URL for messages: no user, password, query or fragment (any of them may carry a credential). */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? "?…" : ""}`;
}

// OpenSSL's verification results and TLS alerts: the same answer comes back however often we ask.
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

function classify(error: unknown, url: URL, signal: AbortSignal): ServiceRequestError {
  if (error instanceof ServiceRequestError) return error;
  const where = safeUrl(url);
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === "TimeoutError";
    return new ServiceRequestError("timeout", where, `${timedOut ? "no answer before the deadline" : "cancelled"}`, { cause: reason });
  }
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const text = (error as Error).message ?? String(error);
  if (TLS_CODES.test(code) || /alert|certificate/i.test(text)) {
    let hint = "";
    if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(code)) hint = " (the server's certificate is not signed by the configured CA)";
    else if (code === "ERR_TLS_CERT_ALTNAME_INVALID") hint = " (the server's certificate is not for this host)";
    else if (/alert/i.test(text)) hint = " (the server refused the TLS handshake: does it trust the client certificate's CA?)";
    return new ServiceRequestError("tls", where, `TLS failed${hint}: ${code || text}${code && text && !text.includes(code) ? ` ${text}` : ""}`, { cause: error });
  }
  return new ServiceRequestError("unreachable", where, code && !text.includes(code) ? `${code} ${text}` : text, { cause: error });
}

/** One request; rejects with a ServiceRequestError. Any status resolves (the caller decides). */
export function requestOnce(options: HttpsRequest): Promise<HttpsResponse> {
  const { url, method, headers = {}, body, ca, certificate, maxBytes = 1024 * 1024, signal } = options;
  return new Promise<HttpsResponse>((resolve, reject) => {
    if (signal.aborted) return reject(classify(signal.reason, url, signal));
    let secured = false;
    let responded = false;
    const fail = (error: unknown): void => {
      const code = (error as NodeJS.ErrnoException).code;
      // TLS 1.3: a server verifies the client's certificate after the client considers the handshake done, and
      // Node's servers (among others) then just close the connection: say what that most likely means.
      if (secured && !responded && certificate && !signal.aborted && (code === "ECONNRESET" || code === "EPIPE")) {
        reject(new ServiceRequestError("tls", safeUrl(url), `TLS failed (the server closed the connection right after the handshake: it probably does not accept the client certificate ${certificate.subject} from ${certificate.certVariable}): ${code}`, { cause: error }));
        return;
      }
      reject(classify(error, url, signal));
    };
    const onResponse = (res: IncomingMessage): void => {
      responded = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new ServiceRequestError("response", safeUrl(url), `the answer is larger than ${maxBytes} bytes`, { status: res.statusCode ?? 0 }));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", fail);
    };
    const allHeaders = { ...headers, ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) };
    const req =
      url.protocol === "http:"
        ? httpRequest(url, { method, headers: allHeaders, signal, agent: false }, onResponse)
        : httpsRequest(url, {
            method,
            headers: allHeaders,
            signal,
            agent: false,
            rejectUnauthorized: true,
            ...(ca !== undefined ? { ca } : {}),
            ...(certificate ? { cert: certificate.certPem, key: certificate.keyPem } : {}),
          }, onResponse);
    req.on("socket", (socket) => socket.once("secureConnect", () => (secured = true)));
    req.on("error", fail);
    req.end(body);
  });
}

export interface RetryOptions {
  readonly signal: AbortSignal;
  /** Retry budget (ms), within `signal`. */
  readonly retryForMs: number;
  /** Called before each retry with the error that caused it. */
  readonly onRetry?: (error: ServiceRequestError, attempt: number, delayMs: number) => void;
  /** First backoff (ms; doubled each time up to 5 s, with jitter). */
  readonly initialBackoffMs?: number;
}

/**
 * Calls `attempt` until it resolves, a non-retryable ServiceRequestError, or the budget/signal ends (then the last
 * error, its `attempts` set). `attempt` gets a signal that aborts at the end of the budget.
 */
export async function withRetries<T>(attempt: (signal: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal, retryForMs, onRetry, initialBackoffMs = 100 } = options;
  const budget = AbortSignal.any([signal, timeoutSignal(retryForMs)]);
  let backoff = initialBackoffMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt(budget);
    } catch (error) {
      if (!(error instanceof ServiceRequestError)) throw error;
      error.attempts = attempts;
      if (!error.retryable || budget.aborted) throw error;
      const delay = Math.round(backoff * (0.5 + Math.random() / 2));
      backoff = Math.min(backoff * 2, 5_000);
      onRetry?.(error, attempts, delay);
      try {
        await sleep(delay, budget);
      } catch {
        throw error; // the budget ended while waiting: the last failure is the story
      }
    }
  }
}
