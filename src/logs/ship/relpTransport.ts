// RELP sinks (rsyslog's imrelp): every record is a transaction the receiver answers once it has taken it over
// (rsyslog: handed to its main queue), so a record counts as shipped only when acknowledged. Unacknowledged records
// are sent again, in order, on the next connection: at-least-once, with duplicates possible only for records that
// were in flight when a connection broke (at most the window, 128 transactions).
import type { Socket } from "node:net";
import type { HostResolver } from "./hostResolver.js";
import { encodeRelpFrame, nextTxnr, RelpFrameParser, relpHeader, type RelpFrame } from "./relpFrame.js";
import { timeoutSignal } from "../../time/longTimer.js";
import { errorCode, ShipError } from "./shipError.js";
import { openStream } from "./streamTransport.js";
import type { Connection, ConnectionEvents, Transport } from "./transport.js";

export interface RelpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly resolver: HostResolver;
  readonly connectTimeoutMs: number;
  /** Transactions in flight (rsyslog's default window is 128). */
  readonly window?: number;
}

const OFFER = "relp_version=0\nrelp_software=berth\ncommands=syslog";
const LF = Buffer.from("\n");

export class RelpTransport implements Transport {
  readonly windowBytes = 4 * 1024 * 1024;
  readonly windowRecords: number;
  readonly maxRecordBytes = 128 * 1024;
  readonly peer: string;
  readonly #options: RelpTransportOptions;

  constructor(options: RelpTransportOptions) {
    this.#options = options;
    this.windowRecords = options.window ?? 128;
    this.peer = `relp://${options.host}:${options.port}`;
  }

  async connect(events: ConnectionEvents, signal: AbortSignal): Promise<Connection> {
    const socket = await openStream(this.#options, this.peer, signal);
    const parser = new RelpFrameParser();
    try {
      const answer = await new Promise<RelpFrame>((resolve, reject) => {
        const timeout = AbortSignal.any([signal, timeoutSignal(this.#options.connectTimeoutMs)]);
        const cleanup = (): void => {
          socket.off("data", onData);
          socket.off("error", reject);
          socket.off("close", onClose);
          timeout.removeEventListener("abort", onAbort);
        };
        const onAbort = (): void => (cleanup(), reject(signal.aborted ? signal.reason : new ShipError("SHIP_CONNECT_TIMEOUT", `${this.peer}: no answer to RELP open`)));
        const onClose = (): void => (cleanup(), reject(new ShipError("SHIP_RELP_REFUSED", `${this.peer}: closed during RELP open`)));
        const onData = (chunk: Buffer): void => {
          try {
            const [frame] = parser.push(chunk);
            if (frame) {
              cleanup();
              resolve(frame);
            }
          } catch (error) {
            cleanup();
            reject(error);
          }
        };
        timeout.addEventListener("abort", onAbort, { once: true });
        socket.on("data", onData);
        socket.once("error", reject);
        socket.once("close", onClose);
        socket.write(encodeRelpFrame(1, "open", OFFER));
      });
      const text = answer.data.toString();
      if (answer.txnr !== 1 || answer.command !== "rsp" || !text.startsWith("200")) {
        throw new ShipError("SHIP_RELP_REFUSED", `${this.peer}: RELP open refused: ${JSON.stringify(text.slice(0, 200))}`);
      }
    } catch (error) {
      socket.destroy();
      if (error instanceof ShipError || signal.aborted) throw error;
      throw new ShipError("SHIP_CONNECT_FAILED", `${this.peer}: ${errorCode(error) ?? (error as Error).message}`, { cause: error });
    }
    return new RelpConnection(socket, parser, events, this.peer);
  }
}

class RelpConnection implements Connection {
  readonly #socket: Socket;
  readonly #events: ConnectionEvents;
  readonly #peer: string;
  #txnr = 1;
  /** Transaction numbers sent and not answered, oldest first. */
  #pending: number[] = [];
  #pendingHead = 0;
  #done = false;
  #closeTxnr: number | undefined;
  #closeAnswered: (() => void) | undefined;

  constructor(socket: Socket, parser: RelpFrameParser, events: ConnectionEvents, peer: string) {
    this.#socket = socket;
    this.#events = events;
    this.#peer = peer;
    socket.on("data", (chunk: Buffer) => {
      let frames: RelpFrame[];
      try {
        frames = parser.push(chunk);
      } catch (error) {
        this.#lose(error as ShipError);
        return;
      }
      this.#answers(frames);
    });
    socket.on("error", (error) => this.#lose(new ShipError("SHIP_CONNECTION_LOST", `${peer}: ${errorCode(error) ?? error.message}`, { cause: error })));
    socket.on("close", () => this.#lose(new ShipError("SHIP_CONNECTION_LOST", `${peer}: connection closed`)));
  }

  send(records: readonly Buffer[]): void {
    if (this.#done) return;
    const parts: Buffer[] = [];
    for (const record of records) {
      this.#txnr = nextTxnr(this.#txnr);
      this.#pending.push(this.#txnr);
      parts.push(Buffer.from(relpHeader(this.#txnr, "syslog", record.length)), record, LF);
    }
    this.#socket.write(Buffer.concat(parts));
  }

  async end(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#done) throw new ShipError("SHIP_CONNECTION_LOST", `${this.#peer}: connection lost before close`);
    this.#txnr = nextTxnr(this.#txnr);
    this.#closeTxnr = this.#txnr;
    const answered = new Promise<void>((resolve) => (this.#closeAnswered = resolve));
    this.#socket.write(encodeRelpFrame(this.#txnr, "close"));
    const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    try {
      await Promise.race([answered, aborted]);
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#socket.destroy();
  }

  #answers(frames: RelpFrame[]): void {
    let confirmed = 0;
    for (const frame of frames) {
      if (frame.command === "serverclose") {
        if (confirmed > 0) this.#events.confirmed(confirmed);
        // The session ending as we asked (imrelp answers close, then sends serverclose): nothing is lost.
        if (this.#closeTxnr !== undefined && this.#pendingHead === this.#pending.length) {
          this.destroy();
          this.#closeAnswered?.();
          return;
        }
        this.#lose(new ShipError("SHIP_CONNECTION_LOST", `${this.#peer}: the receiver closed the RELP session`));
        return;
      }
      if (frame.command !== "rsp") {
        this.#lose(new ShipError("SHIP_RELP_PROTOCOL", `${this.#peer}: unexpected RELP command ${JSON.stringify(frame.command)}`));
        return;
      }
      if (frame.txnr === this.#closeTxnr) {
        this.#closeAnswered?.();
        continue;
      }
      if (frame.txnr !== this.#pending[this.#pendingHead]) {
        this.#lose(new ShipError("SHIP_RELP_PROTOCOL", `${this.#peer}: answer to transaction ${frame.txnr}, expected ${String(this.#pending[this.#pendingHead])}`));
        return;
      }
      if (!frame.data.toString("latin1", 0, 3).startsWith("200")) {
        if (confirmed > 0) this.#events.confirmed(confirmed);
        this.#lose(new ShipError("SHIP_RELP_REFUSED", `${this.#peer}: record refused: ${JSON.stringify(frame.data.toString().slice(0, 200))}`));
        return;
      }
      this.#pendingHead++;
      confirmed++;
    }
    if (this.#pendingHead > 1024 && this.#pendingHead * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#pendingHead);
      this.#pendingHead = 0;
    }
    if (confirmed > 0 && !this.#done) this.#events.confirmed(confirmed);
  }

  #lose(error: ShipError): void {
    if (this.#done) return;
    this.destroy();
    this.#events.lost(error);
  }
}
