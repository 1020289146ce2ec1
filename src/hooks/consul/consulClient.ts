// A minimal client of the Consul agent's HTTP API: the three endpoints the Consul hook uses
// (PUT /v1/agent/service/register, PUT /v1/agent/service/deregister/:id, GET /v1/health/service/:name).
// Addressing follows Consul's own tools: CONSUL_HTTP_ADDR is "host:port" (http, or https with CONSUL_HTTP_SSL),
// "http://host:port", "https://host:port" or "unix:///path/to/socket"; the ACL token goes in X-Consul-Token.
// Every call takes an AbortSignal and has its own bound; errors name the endpoint, Consul's address and the status,
// and never contain the token.
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { BerthError } from "../../berthError.js";
import { timeoutSignal } from "../../time/longTimer.js";

export type ConsulCheckStatus = "passing" | "warning" | "critical";
export const CONSUL_CHECK_STATUSES: readonly ConsulCheckStatus[] = ["passing", "warning", "critical"];

/** A check in a service registration (Consul's JSON names; durations as Go duration strings, e.g. "10s"). */
export interface ConsulAgentCheck {
  CheckID?: string;
  Name?: string;
  HTTP?: string;
  TCP?: string;
  TLSSkipVerify?: boolean;
  Interval?: string;
  Timeout?: string;
  DeregisterCriticalServiceAfter?: string;
  Status?: ConsulCheckStatus;
}

/** The body of PUT /v1/agent/service/register (the fields Berth sends). */
export interface ConsulServiceDefinition {
  ID: string;
  Name: string;
  Tags?: string[];
  Address?: string;
  Port?: number;
  Meta?: Record<string, string>;
  EnableTagOverride?: boolean;
  Check?: ConsulAgentCheck;
  Checks?: ConsulAgentCheck[];
}

/** One entry of GET /v1/health/service/:name (the fields Berth reads). */
export interface ConsulHealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Tags: string[] | null; Address: string; Port: number };
  Checks: { CheckID: string; Name: string; Status: string; ServiceID: string; ServiceName: string }[];
}

export interface ConsulClientOptions {
  /** CONSUL_HTTP_ADDR (default 127.0.0.1:8500). */
  address?: string;
  /** CONSUL_HTTP_TOKEN; sent as X-Consul-Token, never shown. */
  token?: string;
  /** PEM of the CA(s) that verify an https Consul (CONSUL_CACERT); default: the system CAs. */
  ca?: string;
  /** CONSUL_HTTP_SSL: https for an address without a scheme. */
  ssl?: boolean;
  /** Bound of one request besides the caller's signal (default 10 s; blocking queries get their wait on top). */
  requestTimeoutMs?: number;
}

export type ConsulErrorCode =
  | "CONSUL_ADDRESS_INVALID"
  | "CONSUL_UNREACHABLE"
  | "CONSUL_TIMEOUT"
  | "CONSUL_ABORTED"
  | "CONSUL_STATUS"
  | "CONSUL_BAD_RESPONSE";

/** A failed call to Consul: `endpoint` is "METHOD /path" (the path without its query), `status` the HTTP status if any. */
export class ConsulError extends BerthError {
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  constructor(code: ConsulErrorCode, message: string, details: { endpoint?: string; status?: number; cause?: unknown } = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.endpoint = details.endpoint;
    this.status = details.status;
  }
}

export const DEFAULT_CONSUL_ADDRESS = "127.0.0.1:8500";
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Health answers list every instance of a service: generous, but bounded. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_ERROR_TEXT = 512;

export interface ConsulEndpointAddress {
  /** Base URL for http/https; for unix sockets "http://localhost". */
  readonly base: URL;
  readonly socketPath?: string;
  /** For messages: scheme://host:port or unix://path (never credentials). */
  readonly display: string;
}

/** Parses CONSUL_HTTP_ADDR the way Consul's tools do; throws ConsulError(CONSUL_ADDRESS_INVALID). */
export function parseConsulAddress(text: string, ssl = false): ConsulEndpointAddress {
  const invalid = (why: string): ConsulError => new ConsulError("CONSUL_ADDRESS_INVALID", `invalid Consul address: ${why}`);
  const trimmed = text.trim();
  if (trimmed === "") throw invalid("empty");
  if (trimmed.startsWith("unix://")) {
    const socketPath = trimmed.slice("unix://".length);
    if (!socketPath.startsWith("/")) throw invalid(`unix:// needs an absolute socket path, got ${JSON.stringify(trimmed)}`);
    return { base: new URL("http://localhost"), socketPath, display: `unix://${socketPath}` };
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `${ssl ? "https" : "http"}://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The text may hold credentials (user:pass@host): never echo it.
    throw invalid("expected host:port, http://host:port, https://host:port or unix:///path");
  }
  if (url.username !== "" || url.password !== "") throw invalid("credentials in the address are not supported (use CONSUL_HTTP_TOKEN)");
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(`unsupported scheme ${JSON.stringify(url.protocol.slice(0, -1))}`);
  if (url.hostname === "") throw invalid(`no host in ${JSON.stringify(trimmed)}`);
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    throw invalid(`expected no path or query, got ${JSON.stringify(trimmed)}`);
  }
  return { base: url, display: `${url.protocol}//${url.host}` };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export class ConsulClient {
  readonly address: ConsulEndpointAddress;
  readonly #token: string | undefined;
  readonly #ca: string | undefined;
  readonly #requestTimeoutMs: number;

  constructor(options: ConsulClientOptions = {}) {
    this.address = parseConsulAddress(options.address ?? DEFAULT_CONSUL_ADDRESS, options.ssl ?? false);
    this.#token = options.token === "" ? undefined : options.token;
    this.#ca = options.ca;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Where Consul is, for messages ("http://127.0.0.1:8500"). */
  get display(): string {
    return this.address.display;
  }

  /** PUT /v1/agent/service/register. */
  async register(service: ConsulServiceDefinition, signal: AbortSignal): Promise<void> {
    const endpoint = "PUT /v1/agent/service/register";
    const answer = await this.#call("PUT", "/v1/agent/service/register", endpoint, JSON.stringify(service), signal, this.#requestTimeoutMs);
    if (answer.status !== 200) throw this.#statusError(endpoint, answer);
  }

  /**
   * PUT /v1/agent/service/deregister/:id. "unknown" when the agent does not know the ID (404 from current agents,
   * a 500 "Unknown service" from old ones): deregistration is idempotent.
   */
  async deregister(serviceId: string, signal: AbortSignal): Promise<"deregistered" | "unknown"> {
    const endpoint = "PUT /v1/agent/service/deregister/:id";
    const answer = await this.#call("PUT", `/v1/agent/service/deregister/${encodeURIComponent(serviceId)}`, endpoint, undefined, signal, this.#requestTimeoutMs);
    if (answer.status === 200) return "deregistered";
    if (answer.status === 404 || (answer.status === 500 && /unknown service/i.test(answer.text))) return "unknown";
    throw this.#statusError(endpoint, answer);
  }

  /**
   * GET /v1/health/service/:name, with `?passing` when asked; a blocking query when `index` (> 0) is given: Consul
   * answers once its index moves past it or after `waitMs`.
   */
  async healthService(
    name: string,
    query: { passing?: boolean; index?: number; waitMs?: number },
    signal: AbortSignal,
  ): Promise<{ entries: ConsulHealthEntry[]; index: number }> {
    const endpoint = "GET /v1/health/service/:name";
    const params: string[] = [];
    if (query.passing) params.push("passing");
    let timeoutMs = this.#requestTimeoutMs;
    if (query.index !== undefined && query.index > 0) {
      params.push(`index=${query.index}`);
      const waitMs = Math.max(1, Math.ceil(query.waitMs ?? 10_000));
      params.push(`wait=${waitMs}ms`);
      // Consul adds up to wait/16 of jitter to a blocking query.
      timeoutMs += waitMs + waitMs / 16;
    }
    const path = `/v1/health/service/${encodeURIComponent(name)}${params.length > 0 ? `?${params.join("&")}` : ""}`;
    const answer = await this.#call("GET", path, endpoint, undefined, signal, timeoutMs);
    if (answer.status !== 200) throw this.#statusError(endpoint, answer);
    let entries: unknown;
    try {
      entries = JSON.parse(answer.text);
    } catch (error) {
      throw new ConsulError("CONSUL_BAD_RESPONSE", `Consul at ${this.display}: ${endpoint} answered 200 with a body that is not JSON (${this.#clip(answer.text)})`, { endpoint, status: 200, cause: error });
    }
    if (!Array.isArray(entries) || !entries.every(isHealthEntry)) {
      throw new ConsulError("CONSUL_BAD_RESPONSE", `Consul at ${this.display}: ${endpoint} answered 200 with JSON that is not a list of {Node, Service, Checks} entries`, { endpoint, status: 200 });
    }
    const indexText = answer.headers["x-consul-index"];
    const index = typeof indexText === "string" && /^\d+$/.test(indexText) ? Number(indexText) : 0;
    return { entries, index };
  }

  #statusError(endpoint: string, answer: Answer): ConsulError {
    const reason = answer.text.trim() === "" ? "" : `: ${this.#clip(answer.text.trim())}`;
    return new ConsulError("CONSUL_STATUS", `Consul at ${this.display}: ${endpoint} answered ${answer.status}${reason}`, { endpoint, status: answer.status });
  }

  /** Text for a message: cut, on one line, and without the token should Consul ever echo it. */
  #clip(text: string): string {
    let clipped = text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
    clipped = clipped.replace(/\s*\n\s*/g, " ");
    return this.#redact(clipped);
  }

  #redact(text: string): string {
    return this.#token ? text.split(this.#token).join("<token>") : text;
  }

  #call(method: "GET" | "PUT", path: string, endpoint: string, body: string | undefined, signal: AbortSignal, timeoutMs: number): Promise<Answer> {
    const where = `Consul at ${this.display}: ${endpoint}`;
    if (signal.aborted) return Promise.reject(this.#abortError(endpoint, signal.reason));
    const timeout = timeoutSignal(timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const headers: Record<string, string | number> = { accept: "application/json" };
    if (this.#token) headers["x-consul-token"] = this.#token;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(body);
    } else if (method === "PUT") {
      headers["content-length"] = 0;
    }
    const base = this.address.base;
    const options: RequestOptions = {
      method,
      path,
      headers,
      ...(this.address.socketPath !== undefined
        ? { socketPath: this.address.socketPath }
        : { hostname: base.hostname.replace(/^\[|\]$/g, ""), ...(base.port !== "" ? { port: Number(base.port) } : {}) }),
      ...(base.protocol === "https:" && this.#ca !== undefined ? { ca: this.#ca } : {}),
    };
    const send = base.protocol === "https:" && this.address.socketPath === undefined ? httpsRequest : httpRequest;
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const fail = (error: ConsulError): void => {
        if (settled) return;
        settled = true;
        combined.removeEventListener("abort", onAbort);
        req.destroy();
        reject(error);
      };
      const onAbort = (): void => {
        if (signal.aborted) fail(this.#abortError(endpoint, signal.reason));
        else fail(new ConsulError("CONSUL_TIMEOUT", `${where}: no answer within ${Math.round(timeoutMs)} ms`, { endpoint }));
      };
      const req = send(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            fail(new ConsulError("CONSUL_BAD_RESPONSE", `${where}: answer larger than ${MAX_BODY_BYTES} bytes`, { endpoint, status: res.statusCode ?? 0 }));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          combined.removeEventListener("abort", onAbort);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", (error) => fail(new ConsulError("CONSUL_UNREACHABLE", `${where}: the answer was cut off (${this.#redact(error.message)})`, { endpoint, cause: error })));
      });
      req.on("error", (error) => fail(new ConsulError("CONSUL_UNREACHABLE", `${where}: ${this.#redact(error.message)}`, { endpoint, cause: error })));
      combined.addEventListener("abort", onAbort, { once: true });
      req.end(body);
    });
  }

  #abortError(endpoint: string, reason: unknown): ConsulError {
    const why = reason instanceof Error ? reason.message : reason === undefined ? "aborted" : String(reason);
    return new ConsulError("CONSUL_ABORTED", `Consul at ${this.display}: ${endpoint}: given up (${this.#redact(why)})`, { endpoint, cause: reason });
  }
}

function isHealthEntry(value: unknown): value is ConsulHealthEntry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as { Service?: unknown; Checks?: unknown };
  const service = entry.Service as { ID?: unknown; Service?: unknown } | null | undefined;
  return typeof service === "object" && service !== null && typeof service.ID === "string" && typeof service.Service === "string" && Array.isArray(entry.Checks);
}
