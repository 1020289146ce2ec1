// Serves GET /metrics in Prometheus' text format; nothing else (no other path, no other method, no request body).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { BerthError } from "../berthError.js";

export class MetricsServerError extends BerthError {
  constructor(message: string, cause: unknown) {
    super("METRICS_LISTEN_FAILED", message, { cause });
  }
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  listen: { host: string; port: number },
  text: () => Promise<string>,
  signal: AbortSignal,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics") return void response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
    if (request.method !== "GET" && request.method !== "HEAD") return void response.writeHead(405, { allow: "GET, HEAD" }).end();
    text().then(
      (body) => response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(request.method === "HEAD" ? undefined : body),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(error)}\n`),
    );
  });
  // A scraper that stalls must not pin sockets: Prometheus' own timeout is 10 s by default.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 30_000;
  server.listen(listen.port, listen.host);
  try {
    await once(server, "listening", { signal });
  } catch (error) {
    server.close();
    throw new MetricsServerError(`cannot serve metrics on ${listen.host}:${listen.port}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = once(server, "close");
    server.close();
    server.closeAllConnections();
    await closed;
  };
  signal.addEventListener("abort", () => void close(), { once: true });
  return { port: (server.address() as AddressInfo).port, close };
}
