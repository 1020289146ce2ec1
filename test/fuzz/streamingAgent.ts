// A minimal stand-in for the Mesos agent's executor API, for fuzzing the real `berth executor` process: it answers
// the first SUBSCRIBE with SUBSCRIBED followed by whatever bytes the test wants (fuzzed RecordIO), then ends that
// stream. A later SUBSCRIBE (a checkpointing executor re-subscribes) gets a clean stream: SUBSCRIBED, an
// ACKNOWLEDGED for every update it carries or sends later, then SHUTDOWN. Everything else is answered 202.
// Deliberately independent of src/agent (whose fault injection is being reworked): only the codec is shared.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CONTENT_TYPE, decodeCall, encodeEvent, type Encoding } from "../../src/mesos/codec.js";
import { encodeRecord } from "../../src/mesos/recordio.js";
import type { Call, Event, TaskStatus } from "../../src/mesos/types.js";

export interface StreamingAgentOptions {
  encoding: Encoding;
  /** Written on the first stream after SUBSCRIBED, chunk by chunk; then the stream ends. */
  firstStream: readonly Uint8Array[];
  /**
   * When the first stream ends: at once, or once the executor reported a task running (so that tasks run when the
   * stream is lost), at the latest after `holdMs`.
   */
  endFirstStream?: "at-once" | "after-running";
  holdMs?: number;
}

export class StreamingAgent {
  readonly #server: http.Server;
  readonly #encoding: Encoding;
  readonly #firstStream: readonly Uint8Array[];
  readonly #endFirstStream: "at-once" | "after-running";
  readonly #holdMs: number;
  #firstStreamResponse: http.ServerResponse | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  /** Every call the executor made, decoded (undecodable ones are answered 400 and kept as undefined). */
  readonly calls: (Call | undefined)[] = [];
  #cleanStream: http.ServerResponse | undefined;

  private constructor(options: StreamingAgentOptions) {
    this.#encoding = options.encoding;
    this.#firstStream = options.firstStream;
    this.#endFirstStream = options.endFirstStream ?? "at-once";
    this.#holdMs = options.holdMs ?? 5_000;
    this.#server = http.createServer((request, response) => this.#handle(request, response));
  }

  static async start(options: StreamingAgentOptions): Promise<StreamingAgent> {
    const agent = new StreamingAgent(options);
    await new Promise<void>((resolve) => agent.#server.listen(0, "127.0.0.1", resolve));
    return agent;
  }

  /** "ip:port", as MESOS_AGENT_ENDPOINT. */
  get endpoint(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  get subscribeCount(): number {
    return this.calls.filter((call) => call?.type === "SUBSCRIBE").length;
  }

  async stop(): Promise<void> {
    clearTimeout(this.#holdTimer);
    this.#cleanStream?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #record(event: Event): Buffer {
    return encodeRecord(encodeEvent(event, this.#encoding, { withDefaults: this.#encoding === "json" }));
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let call: Call | undefined;
      try {
        call = decodeCall(Buffer.concat(chunks), this.#encoding);
      } catch {
        call = undefined;
      }
      this.calls.push(call);
      if (!call) {
        response.writeHead(400).end("undecodable call");
      } else if (call.type === "SUBSCRIBE") {
        this.#subscribe(call, response);
      } else {
        response.writeHead(202).end();
        if (call.type === "UPDATE" && call.update) {
          if (call.update.status.state === "TASK_RUNNING") this.#closeFirstStream();
          this.#acknowledge(call.update.status);
        }
      }
    });
  }

  #subscribe(call: Call, response: http.ServerResponse): void {
    response.writeHead(200, { "Content-Type": CONTENT_TYPE[this.#encoding] });
    response.write(
      this.#record({
        type: "SUBSCRIBED",
        subscribed: {
          executor_info: { executor_id: call.executor_id, framework_id: call.framework_id },
          framework_info: { user: "root", name: "fuzz", id: call.framework_id, checkpoint: true, capabilities: [{ type: "TASK_KILLING_STATE" }] },
          agent_info: { hostname: "localhost" },
        },
      }),
    );
    if (this.subscribeCount === 1) {
      for (const chunk of this.#firstStream) response.write(chunk);
      this.#firstStreamResponse = response;
      if (this.#endFirstStream === "at-once") this.#closeFirstStream();
      else this.#holdTimer = setTimeout(() => this.#closeFirstStream(), this.#holdMs);
      return;
    }
    this.#cleanStream?.destroy();
    this.#cleanStream = response;
    for (const update of call.subscribe?.unacknowledged_updates ?? []) this.#acknowledge(update.status);
    response.write(this.#record({ type: "SHUTDOWN" }));
  }

  #closeFirstStream(): void {
    clearTimeout(this.#holdTimer);
    this.#firstStreamResponse?.end();
  }

  #acknowledge(status: TaskStatus): void {
    const stream = this.#cleanStream;
    if (!stream || stream.destroyed || !status.uuid) return;
    stream.write(this.#record({ type: "ACKNOWLEDGED", acknowledged: { task_id: status.task_id, uuid: status.uuid } }));
  }
}
