// HTTP transport to the agent's executor API: one long-lived SUBSCRIBE stream, every other call on a separate
// keep-alive connection (docs/executor-http-api.md requires two connections). Every read from the agent is bounded:
// an error body by MAX_ERROR_BODY_BYTES and the call timeout, a record of the stream by MAX_RECORD_BYTES, and the
// stream's silence by the agent's heartbeat interval (streamSilenceLimitMs).
import http from "node:http";
import { BerthError } from "../berthError.js";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";
import { CONTENT_TYPE, decodeEvent, encodeCall, type Encoding } from "./codec.js";
import { formatDuration } from "../time/duration.js";
import { RecordIODecoder } from "./recordio.js";
import type { Call, Event } from "./types.js";

/**
 * Longest error body read from the agent. Its answers other than 200/202 carry one line of text ("Framework cannot
 * be found", "Failed to validate Executor::Call: ..."), and the body only goes into a log line; past the bound the
 * response is destroyed (with its connection) rather than read to the end, so an endless body costs nothing.
 */
export const MAX_ERROR_BODY_BYTES = 4 * 1024;

/** Least margin over the agent's heartbeat interval before a silent stream counts as dead. */
const MIN_SILENCE_MARGIN_MS = 5_000;

/**
 * How long the event stream may carry no bytes at all before it is presumed dead: the agent's heartbeat interval
 * plus half of it, and at least 5 s more (the agent's timer, its event loop and the network may each run late; a
 * HEARTBEAT event every 30 minutes gives 45). 0 means the agent sends no heartbeats: no limit.
 */
export function streamSilenceLimitMs(agentHeartbeatIntervalMs: number): number {
  if (agentHeartbeatIntervalMs <= 0) return Infinity;
  return agentHeartbeatIntervalMs + Math.max(agentHeartbeatIntervalMs / 2, MIN_SILENCE_MARGIN_MS);
}

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
  /** Deadline for one non-streaming call, and for SUBSCRIBE until its stream is open or its refusal read. */
  callTimeoutMs?: number;
  /**
   * Interval of the agent's HEARTBEAT events (Mesos: 30 minutes). A stream silent beyond streamSilenceLimitMs of it
   * is closed as dead. 0 (default): never.
   */
  agentHeartbeatIntervalMs?: number;
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

  constructor({ apiUrl, encoding, authToken, callTimeoutMs = 10_000, agentHeartbeatIntervalMs = 0 }: AgentConnectionOptions) {
    this.#options = { apiUrl, encoding, authToken, callTimeoutMs, agentHeartbeatIntervalMs };
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
    const { apiUrl, callTimeoutMs, encoding } = this.#options;
    return new Promise((resolve, reject) => {
      let settled = false;
      let closed = false;
      let silenceTimer: LongTimer | undefined;
      const settle = (): void => {
        settled = true;
        answerDeadline.clear();
      };
      const close = (reason: string): void => {
        if (closed) return;
        closed = true;
        silenceTimer?.clear();
        request.destroy();
        if (settled) handlers.onClose(reason);
      };
      const request = http.request(apiUrl, {
        method: "POST",
        headers: this.#headers(body),
        agent: false, // a dedicated connection that nothing else reuses
        signal,
      });
      // Until the stream is open (or its refusal read), the whole answer must come within the call timeout.
      const answerDeadline = setLongTimeout(() => {
        if (!settled) request.destroy(new Error(`no complete answer to SUBSCRIBE within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      let answered = false;
      request.on("error", (error) => {
        if (answered && !settled) return; // the refusal being read: its reader settles
        if (!settled) {
          settle();
          closed = true;
          reject(new AgentCallError(`SUBSCRIBE to ${apiUrl.href} failed: ${error.message}`, undefined, { cause: error }));
        } else close(`stream error: ${error.message}`);
      });
      request.on("response", (response) => {
        answered = true;
        if (response.statusCode !== 200) {
          answerDeadline.clear(); // the refusal's body has a deadline of its own
          void readErrorBody(response, callTimeoutMs).then((text) => {
            settle();
            closed = true;
            request.destroy();
            reject(new AgentCallError(`SUBSCRIBE answered ${response.statusCode}: ${text}`, response.statusCode));
          });
          return;
        }
        const accepted = response.headers["content-type"];
        if (accepted !== CONTENT_TYPE[encoding]) {
          settle();
          closed = true;
          request.destroy();
          reject(new AgentCallError(`SUBSCRIBE stream has Content-Type ${accepted ?? "(none)"}, asked for ${CONTENT_TYPE[encoding]}`, 200));
          return;
        }
        response.socket.setKeepAlive(true, 10_000);
        settle();
        resolve({ close: () => close("closed by executor") });
        silenceTimer = this.#watchSilence(response, close);
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
              event = decodeEvent(record, encoding);
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

  /**
   * Closes the stream once no byte has arrived for streamSilenceLimitMs: an agent that hangs with the socket open
   * would otherwise never be noticed (TCP keepalive only proves that the peer's kernel is up).
   */
  #watchSilence(response: http.IncomingMessage, close: (reason: string) => void): LongTimer | undefined {
    const intervalMs = this.#options.agentHeartbeatIntervalMs;
    const limitMs = streamSilenceLimitMs(intervalMs);
    if (limitMs === Infinity) return undefined;
    // One timer re-armed for the time left, rather than a new timer per chunk.
    let lastByteAt = performance.now();
    response.on("data", () => (lastByteAt = performance.now()));
    let timer: LongTimer;
    const arm = (ms: number): void => {
      timer = setLongTimeout(() => {
        const silentMs = performance.now() - lastByteAt;
        if (silentMs < limitMs) return arm(limitMs - silentMs);
        close(`no bytes from the agent for ${formatDuration(Math.round(silentMs))}, beyond its heartbeat interval of ${formatDuration(intervalMs)}: presumed dead`);
      }, ms).unref();
    };
    arm(limitMs);
    return { clear: () => timer.clear(), unref: () => timer.unref() };
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
        void readErrorBody(response, this.#options.callTimeoutMs).then((text) => {
          if (response.statusCode === 202 || response.statusCode === 200) resolve();
          else reject(new AgentCallError(`${what} answered ${response.statusCode}: ${text}`, response.statusCode));
        });
      });
      request.end(body);
    });
  }

  close(): void {
    this.#callAgent.destroy();
  }
}

/**
 * Reads at most MAX_ERROR_BODY_BYTES of a response within `timeoutMs`, for a log line: "(empty body)", the text, or
 * the text with why it was cut. A body that goes on is not drained: the response and its connection are destroyed.
 */
function readErrorBody(response: http.IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (cut: string | undefined): void => {
      if (done) return;
      done = true;
      deadline.clear();
      if (cut !== undefined) response.destroy();
      const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString("utf8").trim() || "(empty body)";
      resolve(cut === undefined ? text : `${text} (${cut})`);
    };
    const deadline = setLongTimeout(() => finish(`no complete answer within ${timeoutMs} ms`), timeoutMs);
    response.on("data", (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ERROR_BODY_BYTES) finish(`body cut at ${MAX_ERROR_BODY_BYTES} bytes`);
    });
    response.on("end", () => finish(undefined));
    response.on("error", (error) => finish(`reading it failed: ${error.message}`));
    response.on("close", () => finish(response.complete ? undefined : "connection closed before its end"));
  });
}
