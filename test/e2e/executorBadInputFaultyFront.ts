// A fault-injecting HTTP front for the local agent (our Mesos agent simulator): the executor is pointed at it
// (MESOS_AGENT_ENDPOINT) and it forwards every call to the agent, except the ones a test told it to answer itself
// with a given status or not at all. It lives in the test rather than in the agent because the agent's answers are
// decided in its route, which these tests must leave alone; a front also fails calls the way a broken network or
// proxy in front of a real agent would. Streams (SUBSCRIBE) are piped through unchanged, in both directions.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { decodeCall, encodingOfContentType } from "../../src/mesos/codec.js";
import type { Call, CallType } from "../../src/mesos/types.js";

/** An answer the front gives instead of the agent: a status with a plain-text body, or none at all. */
export type Fault = { status: number; body?: string } | { hang: true };

export interface FrontRecord {
  type: CallType | undefined;
  call: Call | undefined;
  /** "forwarded", the status the front answered with, or "hung". */
  outcome: "forwarded" | number | "hung";
  /** For a hung call: when the executor gave up on it (ms after it arrived). */
  abandonedAfterMs?: number;
}

interface Rule {
  type: CallType;
  fault: Fault;
  remaining: number;
}

export class FaultyFront {
  readonly records: FrontRecord[] = [];
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
      if ("hang" in rule.fault) {
        record.outcome = "hung";
        const arrived = performance.now();
        res.once("close", () => (record.abandonedAfterMs = performance.now() - arrived));
        return;
      }
      record.outcome = rule.fault.status;
      res.writeHead(rule.fault.status, { "Content-Type": "text/plain; charset=utf-8" }).end(rule.fault.body ?? "");
      return;
    }
    await this.#upstreamReady;
    const upstream = this.#upstream as { host: string; port: number };
    const forwarded = request({ ...upstream, method: req.method, path: req.url, headers: req.headers, agent: false });
    forwarded.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.on("data", (chunk: Buffer) => res.write(chunk));
      answer.on("end", () => res.end());
      // The agent reset the stream: reset ours too, so the executor sees what it would have seen.
      answer.on("close", () => {
        if (!answer.complete) res.destroy();
      });
    });
    forwarded.on("error", () => res.destroy());
    // The executor dropped the call or the stream: so does the front, and the agent sees its peer go away.
    res.once("close", () => forwarded.destroy());
    forwarded.end(body);
  }
}
