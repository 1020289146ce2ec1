// HTTP transport to the agent's executor API: one long-lived SUBSCRIBE stream, every other call on a separate
// keep-alive connection (docs/executor-http-api.md requires two connections).
import http from "node:http";
import { BerthError } from "../berthError.js";
import { CONTENT_TYPE, decodeEvent, encodeCall, type Encoding } from "./codec.js";
import { RecordIODecoder } from "./recordio.js";
import type { Call, Event } from "./types.js";

export class AgentCallError extends BerthError {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, options?: { cause?: unknown }) {
    super(status === undefined ? "AGENT_UNREACHABLE" : `AGENT_HTTP_${status}`, message, options);
    this.status = status;
  }
  /** 5xx, 404 and network errors may clear up; anything else is a bug on one side. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 404;
  }
}

export interface AgentConnectionOptions {
  apiUrl: URL;
  encoding: Encoding;
  authToken?: string | undefined;
  /** Deadline for one non-streaming call. */
  callTimeoutMs?: number;
}

export interface SubscriptionHandlers {
  onEvent(event: Event): void;
  /** Called once when the stream ends for any reason (EOF, reset, garbage). */
  onClose(reason: string): void;
}

export interface Subscription {
  close(): void;
}

export class AgentConnection {
  readonly #options: Required<Omit<AgentConnectionOptions, "authToken">> & { authToken: string | undefined };
  readonly #callAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor({ apiUrl, encoding, authToken, callTimeoutMs = 10_000 }: AgentConnectionOptions) {
    this.#options = { apiUrl, encoding, authToken, callTimeoutMs };
  }

  #headers(body: Buffer): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = {
      "Content-Type": CONTENT_TYPE[this.#options.encoding],
      Accept: CONTENT_TYPE[this.#options.encoding],
      "Content-Length": body.length,
    };
    if (this.#options.authToken) headers.Authorization = `Bearer ${this.#options.authToken}`;
    return headers;
  }

  /** Opens the SUBSCRIBE stream; resolves once the agent answered 200, rejects with AgentCallError otherwise. */
  subscribe(call: Call, handlers: SubscriptionHandlers, signal?: AbortSignal): Promise<Subscription> {
    const body = encodeCall(call, this.#options.encoding);
    return new Promise((resolve, reject) => {
      let settled = false;
      let closed = false;
      const close = (reason: string): void => {
        if (closed) return;
        closed = true;
        request.destroy();
        if (settled) handlers.onClose(reason);
      };
      const request = http.request(this.#options.apiUrl, {
        method: "POST",
        headers: this.#headers(body),
        agent: false, // a dedicated connection that nothing else reuses
        signal,
      });
      request.setTimeout(this.#options.callTimeoutMs, () => {
        if (!settled) request.destroy(new Error(`no answer to SUBSCRIBE within ${this.#options.callTimeoutMs} ms`));
      });
      request.on("error", (error) => {
        if (!settled) {
          settled = true;
          closed = true;
          reject(new AgentCallError(`SUBSCRIBE to ${this.#options.apiUrl.href} failed: ${error.message}`, undefined, { cause: error }));
        } else close(`stream error: ${error.message}`);
      });
      request.on("response", (response) => {
        if (response.statusCode !== 200) {
          readBody(response).then((text) => {
            settled = true;
            closed = true;
            reject(new AgentCallError(`SUBSCRIBE answered ${response.statusCode}: ${text.trim() || "(empty body)"}`, response.statusCode));
          });
          return;
        }
        const accepted = response.headers["content-type"];
        if (accepted !== CONTENT_TYPE[this.#options.encoding]) {
          settled = true;
          closed = true;
          request.destroy();
          reject(new AgentCallError(`SUBSCRIBE stream has Content-Type ${accepted ?? "(none)"}, asked for ${CONTENT_TYPE[this.#options.encoding]}`, 200));
          return;
        }
        // Once streaming, the connection may idle for 30 minutes between heartbeats.
        request.setTimeout(0);
        response.socket.setKeepAlive(true, 10_000);
        settled = true;
        resolve({ close: () => close("closed by executor") });
        const decoder = new RecordIODecoder();
        response.on("data", (chunk: Buffer) => {
          if (closed) return;
          let records: Buffer[] = [];
          let failure: unknown;
          try {
            records = decoder.decode(chunk);
          } catch (error) {
            failure = error; // the records before the garbage still count
            records = decoder.takeDecoded();
          }
          // Hand out every good event before acting on a bad one: a KILL must not be lost to the garbage after it.
          for (const record of records) {
            if (closed) return;
            let event: Event;
            try {
              event = decodeEvent(record, this.#options.encoding);
            } catch (error) {
              close(`undecodable event stream: ${(error as Error).message}`);
              return;
            }
            handlers.onEvent(event);
          }
          if (failure !== undefined) close(`undecodable event stream: ${(failure as Error).message}`);
        });
        response.on("end", () => close(decoder.idle ? "stream ended by agent" : "stream ended inside a record"));
        response.on("error", (error) => close(`stream error: ${error.message}`));
        response.on("close", () => close("stream closed"));
      });
      request.end(body);
    });
  }

  /** Sends a non-SUBSCRIBE call; resolves on 202 (or 200), rejects with AgentCallError. */
  send(call: Call, signal?: AbortSignal): Promise<void> {
    const body = encodeCall(call, this.#options.encoding);
    const what = call.type ?? "call";
    const timeout = AbortSignal.timeout(this.#options.callTimeoutMs);
    return new Promise((resolve, reject) => {
      const request = http.request(this.#options.apiUrl, {
        method: "POST",
        headers: this.#headers(body),
        agent: this.#callAgent,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      request.on("error", (error) => {
        const message = timeout.aborted ? `no answer within ${this.#options.callTimeoutMs} ms` : error.message;
        reject(new AgentCallError(`${what} to ${this.#options.apiUrl.href} failed: ${message}`, undefined, { cause: error }));
      });
      request.on("response", (response) => {
        readBody(response).then(
          (text) => {
            if (response.statusCode === 202 || response.statusCode === 200) resolve();
            else reject(new AgentCallError(`${what} answered ${response.statusCode}: ${text.trim() || "(empty body)"}`, response.statusCode));
          },
          (error: unknown) => reject(new AgentCallError(`${what}: reading the answer failed`, response.statusCode, { cause: error })),
        );
      });
      request.end(body);
    });
  }

  close(): void {
    this.#callAgent.destroy();
  }
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8").slice(0, 2000)));
    response.on("error", () => resolve(Buffer.concat(chunks).toString("utf8").slice(0, 2000)));
  });
}
