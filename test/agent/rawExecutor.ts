// A scripted fake executor speaking raw HTTP (node:http, a fresh connection per request) to the local agent, in
// either encoding, so agent tests control every byte and header.
import { request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { CONTENT_TYPE, decodeEvent, encodeCall, encodingOfContentType, type Encoding } from "../../src/mesos/codec.js";
import { RecordIODecoder } from "../../src/mesos/recordio.js";
import type { Call, Event, TaskInfo, TaskState, TaskStatus } from "../../src/mesos/types.js";
import { newUuidBytes } from "../../src/mesos/uuid.js";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  /** Default /api/v1/executor. */
  path?: string;
  method?: string;
  /** null: no Content-Type header at all. */
  contentType?: string | null;
  /** Omitted or null: no Accept header. */
  accept?: string | null;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

function headersOf(req: RawRequest): Record<string, string> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.contentType !== undefined && req.contentType !== null) headers["Content-Type"] = req.contentType;
  if (req.accept !== undefined && req.accept !== null) headers["Accept"] = req.accept;
  return headers;
}

function open(endpoint: string, req: RawRequest): Promise<IncomingMessage> {
  const [host, port] = endpoint.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    const r = request(
      { host, port: Number(port), path: req.path ?? "/api/v1/executor", method: req.method ?? "POST", agent: false, headers: { ...headersOf(req), "Content-Length": String(body.length) } },
      resolve,
    );
    r.once("error", reject);
    r.end(body);
  });
}

/** One request, whole response. */
export async function rawPost(endpoint: string, req: RawRequest): Promise<RawResponse> {
  const res = await open(endpoint, req);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return { status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") };
}

/** The reading end of a SUBSCRIBE: decoded events as they come, and how the stream ended. */
export class EventReader {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly encoding: Encoding | undefined;
  readonly events: Event[] = [];
  /** eof: the body ended cleanly; error: the connection broke mid-body. */
  end: "eof" | "error" | undefined;
  body = "";
  readonly #res: IncomingMessage;
  readonly #listeners = new Set<() => void>();
  #cursor = 0;

  constructor(res: IncomingMessage) {
    this.#res = res;
    this.status = res.statusCode ?? 0;
    this.headers = res.headers;
    this.encoding = encodingOfContentType(res.headers["content-type"]);
    const decoder = new RecordIODecoder();
    res.on("data", (chunk: Buffer) => {
      if (this.status !== 200 || !this.encoding) {
        this.body += chunk.toString("utf8");
        return;
      }
      for (const record of decoder.decode(chunk)) this.events.push(decodeEvent(record, this.encoding));
      this.#changed();
    });
    res.once("end", () => this.#finish("eof"));
    res.once("aborted", () => this.#finish("error"));
    res.once("error", () => this.#finish("error"));
    res.once("close", () => this.#finish(res.complete ? "eof" : "error"));
  }

  #finish(how: "eof" | "error"): void {
    this.end ??= how;
    this.#changed();
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #wait<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = probe();
        if (value === undefined) return;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events so far: [${this.events.map((e) => e.type).join(", ")}], end: ${this.end}`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** The next event not yet returned by next(). */
  next(timeoutMs = 5000): Promise<Event> {
    return this.#wait(
      () => {
        const event = this.events[this.#cursor];
        if (event) this.#cursor++;
        return event;
      },
      timeoutMs,
      "the next event",
    );
  }

  /** The first event (from the start of the stream) matching the predicate. */
  find(predicate: (event: Event) => boolean, timeoutMs = 5000, what = "a matching event"): Promise<Event> {
    return this.#wait(() => this.events.find(predicate), timeoutMs, what);
  }

  ended(timeoutMs = 5000): Promise<"eof" | "error"> {
    return this.#wait(() => this.end, timeoutMs, "the end of the stream");
  }

  close(): void {
    this.#res.destroy();
  }
}

export interface FakeExecutorOptions {
  executorId: string;
  frameworkId: string;
  encoding?: Encoding;
  path?: string;
  /** Bearer token to send (MESOS_EXECUTOR_AUTHENTICATION_TOKEN). */
  token?: string;
}

/** Builds an executor-sent status: fresh version-4 uuid, SOURCE_EXECUTOR, timestamp. */
export function executorStatus(taskId: string, state: TaskState, extra: Partial<TaskStatus> = {}): TaskStatus {
  return { task_id: { value: taskId }, state, source: "SOURCE_EXECUTOR", uuid: newUuidBytes(), timestamp: Date.now() / 1000, ...extra };
}

export class FakeExecutor {
  readonly endpoint: string;
  readonly executorId: string;
  readonly frameworkId: string;
  readonly encoding: Encoding;
  readonly path: string;
  readonly token: string | undefined;

  constructor(endpoint: string, { executorId, frameworkId, encoding = "json", path = "/api/v1/executor", token }: FakeExecutorOptions) {
    this.endpoint = endpoint;
    this.executorId = executorId;
    this.frameworkId = frameworkId;
    this.encoding = encoding;
    this.path = path;
    this.token = token;
  }

  /** A call of this executor (IDs filled in) without sending it. */
  callOf(fields: Omit<Call, "executor_id" | "framework_id">): Call {
    return { executor_id: { value: this.executorId }, framework_id: { value: this.frameworkId }, ...fields };
  }

  #request(call: Call, extra: RawRequest): RawRequest {
    return {
      path: this.path,
      contentType: CONTENT_TYPE[this.encoding],
      body: encodeCall(call, this.encoding),
      ...extra,
      headers: { ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...extra.headers },
    };
  }

  send(call: Call, extra: RawRequest = {}): Promise<RawResponse> {
    return rawPost(this.endpoint, this.#request(call, extra));
  }

  update(status: TaskStatus, extra: RawRequest = {}): Promise<RawResponse> {
    return this.send(this.callOf({ type: "UPDATE", update: { status } }), extra);
  }

  message(data: string, extra: RawRequest = {}): Promise<RawResponse> {
    return this.send(this.callOf({ type: "MESSAGE", message: { data: Buffer.from(data) } }), extra);
  }

  heartbeat(extra: RawRequest = {}): Promise<RawResponse> {
    return this.send(this.callOf({ type: "HEARTBEAT" }), extra);
  }

  /** Opens a SUBSCRIBE; resolves with the reader once the response head arrived (whatever its status). */
  async subscribe(
    { unacknowledged_tasks, unacknowledged_updates, accept = CONTENT_TYPE[this.encoding], ...extra }: RawRequest & {
      unacknowledged_tasks?: TaskInfo[];
      unacknowledged_updates?: TaskStatus[];
    } = {},
  ): Promise<EventReader> {
    const call = this.callOf({
      type: "SUBSCRIBE",
      subscribe: {
        ...(unacknowledged_tasks ? { unacknowledged_tasks } : {}),
        ...(unacknowledged_updates ? { unacknowledged_updates: unacknowledged_updates.map((status) => ({ status })) } : {}),
      },
    });
    const res = await open(this.endpoint, this.#request(call, { accept, ...extra }));
    return new EventReader(res);
  }
}
