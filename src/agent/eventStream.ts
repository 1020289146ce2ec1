// One SUBSCRIBE response: a chunked 200 whose body is RecordIO-framed Events in the negotiated encoding.
import type { ServerResponse } from "node:http";
import { CONTENT_TYPE, encodeEvent, type Encoding } from "../mesos/codec.js";
import { encodeRecord } from "../mesos/recordio.js";
import type { Event } from "../mesos/types.js";

export class EventStream {
  readonly id: number;
  readonly encoding: Encoding;
  readonly #res: ServerResponse;
  #open = true;
  #closedBy: "agent-eof" | "agent-reset" | "peer" | undefined;

  constructor(res: ServerResponse, encoding: Encoding, id: number) {
    this.id = id;
    this.encoding = encoding;
    this.#res = res;
    res.once("close", () => {
      if (this.#open) this.#closedBy = "peer";
      this.#open = false;
    });
    res.socket?.setNoDelay(true);
    res.writeHead(200, { "Content-Type": CONTENT_TYPE[encoding] });
    res.flushHeaders();
  }

  get open(): boolean {
    return this.#open && !this.#res.destroyed && !this.#res.writableEnded;
  }

  /** Who ended the stream, once it has ended. */
  get closedBy(): "agent-eof" | "agent-reset" | "peer" | undefined {
    return this.#closedBy;
  }

  /** Writes one event; false when the stream is no longer open (the event is lost, as Executor::send only logs). */
  send(event: Event): boolean {
    if (!this.open) return false;
    // The agent's JSON carries unset optional fields that have explicit defaults.
    const bytes = encodeEvent(event, this.encoding, { withDefaults: this.encoding === "json" });
    this.#res.write(encodeRecord(bytes));
    return true;
  }

  /** Ends the chunked body cleanly: the reader sees EOF. */
  close(): void {
    if (!this.open) return;
    this.#open = false;
    this.#closedBy = "agent-eof";
    this.#res.end();
  }

  /**
   * Drops the connection without the final chunk: "abort" closes the socket (FIN, as when the agent process dies),
   * "rst" resets it (the peer sees ECONNRESET).
   */
  reset(kind: "abort" | "rst" = "abort"): void {
    if (this.#res.destroyed) return;
    if (this.#open) this.#closedBy = "agent-reset";
    this.#open = false;
    if (kind === "rst") this.#res.socket?.resetAndDestroy();
    this.#res.destroy();
  }
}
