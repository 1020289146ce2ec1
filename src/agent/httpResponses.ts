// The agent's plain responses, shaped like libprocess's (process/http.hpp): bodies are text/plain; charset=utf-8.
import type { ServerResponse } from "node:http";

export const TEXT_PLAIN = "text/plain; charset=utf-8";

/** A decided response, kept for the call record before it is written. */
export interface PlainResponse {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export const badRequest = (body: string): PlainResponse => ({ status: 400, body });
export const forbidden = (body: string): PlainResponse => ({ status: 403, body });
export const serviceUnavailable = (body: string): PlainResponse => ({ status: 503, body });
export const accepted = (): PlainResponse => ({ status: 202, body: "" });
export const notFound = (): PlainResponse => ({ status: 404, body: "" });
export const notImplemented = (): PlainResponse => ({ status: 501, body: "501 Not Implemented." });
export const notAcceptable = (body: string): PlainResponse => ({ status: 406, body });
export const unsupportedMediaType = (body: string): PlainResponse => ({ status: 415, body });

export function methodNotAllowed(allowed: readonly string[], method: string): PlainResponse {
  return {
    status: 405,
    body: `405 Method Not Allowed. Expecting one of { '${allowed.join("', '")}' }, but received '${method}'.`,
    headers: { Allow: allowed.join(", ") },
  };
}

export function unauthorized(challenge: string): PlainResponse {
  return { status: 401, body: "401 Unauthorized.", headers: { "WWW-Authenticate": challenge } };
}

export function writePlain(res: ServerResponse, response: PlainResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { ...response.headers, "Content-Length": Buffer.byteLength(response.body) };
  // An empty 202 carries no body and so no content type, like libprocess's Accepted().
  if (response.body !== "") headers["Content-Type"] = TEXT_PLAIN;
  res.writeHead(response.status, headers);
  res.end(response.body);
}
