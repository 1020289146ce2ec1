// How a sink's records leave the host. A Transport opens Connections; a Connection sends batches of encoded records
// in order and reports, in order, how many of the oldest sent records are confirmed: handed to the kernel (TCP, TLS,
// UDP), written (file) or acknowledged by the receiver (RELP). What is sent but unconfirmed when the connection is
// lost is sent again on the next one, so no record is lost on our side of the wire; what each kind can promise
// beyond that is in the README's log shipping section.
import type { ShipError } from "./shipError.js";

export interface ConnectionEvents {
  /** The `count` oldest unconfirmed records are confirmed. */
  confirmed(count: number): void;
  /** The connection failed or the peer closed it: unconfirmed records are to be sent again. Called at most once. */
  lost(error: ShipError): void;
}

export interface Connection {
  /** Sends records (one batch, one write where the protocol allows); `bytes` is their total size. */
  send(records: readonly Buffer[], bytes: number): void;
  /**
   * Ends the connection once everything sent is confirmed, waiting for what the protocol can say about the peer
   * having read it (TCP: the peer's own close after ours; RELP: the answer to `close`). Rejects on the signal.
   */
  end(signal: AbortSignal): Promise<void>;
  /** Closes at once (idempotent); no event follows. */
  destroy(): void;
}

export interface Transport {
  /** Unconfirmed bytes / records the sink keeps in flight at most (a receiver that stops reading holds no more). */
  readonly windowBytes: number;
  readonly windowRecords: number;
  /** A larger record cannot be sent (UDP: one datagram); the sink drops it as `oversize`. */
  readonly maxRecordBytes: number;
  /** Describes the peer for diagnostics. */
  readonly peer: string;
  /** Opens a connection; rejects with a ShipError (or the signal's reason). */
  connect(events: ConnectionEvents, signal: AbortSignal): Promise<Connection>;
}
