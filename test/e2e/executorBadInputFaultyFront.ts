// A fault-injecting HTTP front for the local agent (our Mesos agent simulator): the executor is pointed at it
// (MESOS_AGENT_ENDPOINT) and it forwards every call to the agent, except the ones a test told it to answer itself
// (a status, an endless body, or no answer at all). It relays the agent's event streams record by record, and on
// the latest one it can write raw bytes (garbage, partial records, events the agent would never send), end the
// body, or freeze it (the agent hangs with the socket open). All of this lives here, under test/, rather than in the
// agent, which ships with `berth dev` and only ever behaves as a Mesos agent does; a front also fails calls the way a
// broken network or proxy in front of a real agent would.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { decodeCall, encodingOfContentType } from "../../src/mesos/codec.js";
import { encodeRecord, RecordIODecoder } from "../../src/mesos/recordio.js";
import type { Call, CallType } from "../../src/mesos/types.js";
import { waitFor } from "../helpers/waitFor.js";
import { writeEndlessBody } from "../helpers/endlessBody.js";

/** An answer the front gives instead of the agent: a status with a plain-text body (or an endless one), or none. */
export type Fault = { status: number; body?: string } | { status: number; endlessBody: true } | { hang: true };

/** An endless body stops here, so that a reader that never stops fails a test instead of exhausting memory. */
export { ENDLESS_BODY_CAP } from "../helpers/endlessBody.js";

export interface FrontRecord {
  type: CallType | undefined;
  call: Call | undefined;
  /** "forwarded", the status the front answered with, or "hung". */
  outcome: "forwarded" | number | "hung";
  /** For a hung call: when the executor gave up on it (ms after it arrived). */
  abandonedAfterMs?: number;
  /** For an endless body: the bytes written until the connection closed, and whether the executor closed it first. */
  endless?: { written: number; closedByExecutor: boolean };
}

/** One SUBSCRIBE stream the agent accepted, as relayed to the executor. */
export class RelayedStream {
  /** Whole records relayed from the agent, and when the last one was written (performance.now()). */
  relayed = 0;
  lastRelayedAt: number | undefined;
  /** open: relaying; frozen: the agent's bytes are dropped, the connection stays open; ended: body ended by the front. */
  state: "open" | "frozen" | "ended" = "open";
  /** When the executor closed it (performance.now()). */
  closedAt: number | undefined;
  readonly #res: ServerResponse;
  readonly #upstream: IncomingMessage;

  constructor(res: ServerResponse, upstream: IncomingMessage) {
    this.#res = res;
    this.#upstream = upstream;
    res.once("close", () => (this.closedAt = performance.now()));
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  /** A whole record from the agent. */
  relay(record: Buffer): void {
    if (this.state !== "open" || this.closed) return;
    this.#res.write(encodeRecord(record));
    this.relayed += 1;
    this.lastRelayedAt = performance.now();
  }

  write(bytes: Uint8Array): void {
    if (this.state !== "open" || this.closed) throw new Error(`cannot write to a stream that is ${this.closed ? "closed" : this.state}`);
    this.#res.write(bytes);
  }

  /** Ends the body cleanly (the executor reads EOF) and drops the agent's side. */
  end(): void {
    this.state = "ended";
    this.#res.end();
    this.#upstream.destroy();
  }

  /** From now on nothing reaches the executor, but its connection stays open: an agent that hangs. */
  freeze(): void {
    this.state = "frozen";
  }
}

interface Rule {
  type: CallType;
  fault: Fault;
  remaining: number;
}

export class FaultyFront {
  readonly records: FrontRecord[] = [];
  /** Every stream the agent accepted, in order. */
  readonly streams: RelayedStream[] = [];
  readonly #server: Server;
  readonly #rules: Rule[] = [];
  readonly #open = new Set<ServerResponse>();
  #upstream: { host: string; port: number } | undefined;
  #upstreamSet: () => void = () => undefined;
  readonly #upstreamReady = new Promise<void>((resolve) => (this.#upstreamSet = resolve));

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FaultyFront> {
    const server = createServer({ noDelay: true, requestTimeout: 0 });
    const front = new FaultyFront(server);
    // A call aborted while its body is read has nobody left to answer.
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void front.#handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return front;
  }

  /** "127.0.0.1:PORT", for MESOS_AGENT_ENDPOINT. */
  get endpoint(): string {
    const address = this.#server.address();
    return typeof address === "object" && address ? `127.0.0.1:${address.port}` : "";
  }

  /** Where to forward to; calls that arrive before are held (the agent's port is known only once it started). */
  forwardTo(endpoint: string): void {
    const [host, port] = endpoint.split(":") as [string, string];
    this.#upstream = { host, port: Number(port) };
    this.#upstreamSet();
  }

  /** The next `count` calls of `type` get `fault` instead of reaching the agent. */
  failCalls(type: CallType, fault: Fault, { count = 1 }: { count?: number } = {}): void {
    this.#rules.push({ type, fault, remaining: count });
  }

  /**
   * The `ordinal`-th stream (1-based) once it has relayed `afterRecords` records: bytes written to it then come after
   * every event the agent had written before, and never inside one of the agent's records.
   */
  async stream(ordinal: number, { afterRecords = 0 }: { afterRecords?: number } = {}): Promise<RelayedStream> {
    return waitFor(
      () => {
        const stream = this.streams[ordinal - 1];
        return stream !== undefined && stream.relayed >= afterRecords && stream;
      },
      { timeoutMs: 30_000, what: `stream ${ordinal} of the front to relay ${afterRecords} records (relayed: ${this.streams.map((s) => s.relayed).join(", ")})` },
    );
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#open.add(res);
    res.once("close", () => this.#open.delete(res));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const encoding = encodingOfContentType(req.headers["content-type"]);
    let call: Call | undefined;
    try {
      call = encoding ? decodeCall(body, encoding) : undefined;
    } catch {
      call = undefined; // the agent will say what is wrong with it
    }
    const rule = this.#rules.find((r) => r.remaining > 0 && r.type === call?.type);
    const record: FrontRecord = { type: call?.type, call, outcome: "forwarded" };
    this.records.push(record);
    if (rule) {
      rule.remaining -= 1;
      this.#fail(rule.fault, record, res);
      return;
    }
    await this.#upstreamReady;
    const upstream = this.#upstream as { host: string; port: number };
    const forwarded = request({ ...upstream, method: req.method, path: req.url, headers: req.headers, agent: false });
    forwarded.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      if (call?.type === "SUBSCRIBE" && answer.statusCode === 200) return this.#relayStream(answer, res);
      answer.on("data", (chunk: Buffer) => res.write(chunk));
      answer.on("end", () => res.end());
      answer.on("close", () => {
        if (!answer.complete) res.destroy();
      });
    });
    forwarded.on("error", () => res.destroy());
    // The executor dropped the call or the stream: so does the front, and the agent sees its peer go away.
    res.once("close", () => forwarded.destroy());
    forwarded.end(body);
  }

  /** Relays whole records only, so that whatever a test writes in between lands on a record boundary. */
  #relayStream(answer: IncomingMessage, res: ServerResponse): void {
    const stream = new RelayedStream(res, answer);
    this.streams.push(stream);
    const decoder = new RecordIODecoder();
    answer.on("data", (chunk: Buffer) => {
      try {
        for (const record of decoder.decode(chunk)) stream.relay(record);
      } catch {
        res.destroy(); // the agent never writes garbage; if it did, the test must not pass on it
      }
    });
    // What the agent does to a stream the front ended or froze no longer reaches the executor.
    answer.on("end", () => {
      if (stream.state === "open") res.end();
    });
    // The agent reset the stream: reset ours too, so the executor sees what it would have seen.
    answer.on("close", () => {
      if (!answer.complete && stream.state === "open") res.destroy();
    });
  }

  #fail(fault: Fault, record: FrontRecord, res: ServerResponse): void {
    if ("hang" in fault) {
      record.outcome = "hung";
      const arrived = performance.now();
      res.once("close", () => (record.abandonedAfterMs = performance.now() - arrived));
      return;
    }
    record.outcome = fault.status;
    res.writeHead(fault.status, { "Content-Type": "text/plain; charset=utf-8" });
    if ("endlessBody" in fault) void writeEndlessBody(res).then((body) => (record.endless = { written: body.written, closedByExecutor: body.closedByClient }));
    else res.end(fault.body ?? "");
  }
}

