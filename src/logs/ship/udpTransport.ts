// UDP sinks: one datagram per record (a larger record cannot be sent and is dropped as `oversize` by the sink).
// The socket is connected, so that a receiver's ICMP "port unreachable" surfaces as an error on a later send: the
// sink then treats it as down and spools. Nothing confirms that a datagram arrived: UDP is best effort by nature.
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { HostResolver } from "./hostResolver.js";
import { errorCode, ShipError } from "./shipError.js";
import type { Connection, ConnectionEvents, Transport } from "./transport.js";

export interface UdpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly resolver: HostResolver;
  readonly maxDatagramBytes: number;
}

export class UdpTransport implements Transport {
  readonly windowBytes = 256 * 1024;
  readonly windowRecords = 1024;
  readonly maxRecordBytes: number;
  readonly peer: string;
  readonly #options: UdpTransportOptions;

  constructor(options: UdpTransportOptions) {
    this.#options = options;
    this.maxRecordBytes = options.maxDatagramBytes;
    this.peer = `udp://${options.host}:${options.port}`;
  }

  async connect(events: ConnectionEvents, signal: AbortSignal): Promise<Connection> {
    const address = await this.#options.resolver.resolve(this.#options.host, signal);
    const socket = createSocket(isIPv6(address) ? "udp6" : "udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.connect(this.#options.port, address, () => (socket.off("error", reject), resolve()));
      });
    } catch (cause) {
      socket.close();
      throw new ShipError("SHIP_CONNECT_FAILED", `${this.peer}: ${errorCode(cause) ?? (cause as Error).message}`, { cause });
    }
    return new UdpConnection(socket, events, this.peer);
  }
}

class UdpConnection implements Connection {
  readonly #socket: Socket;
  readonly #events: ConnectionEvents;
  readonly #peer: string;
  #done = false;
  readonly #sent: (error: Error | null) => void;

  constructor(socket: Socket, events: ConnectionEvents, peer: string) {
    this.#socket = socket;
    this.#events = events;
    this.#peer = peer;
    // One callback for every datagram (no closure per record); sends complete in order.
    this.#sent = (error) => {
      if (this.#done) return;
      if (error) {
        this.#lose(error);
        return;
      }
      this.#events.confirmed(1);
    };
    socket.on("error", (error) => this.#lose(error));
  }

  send(records: readonly Buffer[]): void {
    for (const record of records) {
      if (this.#done) return;
      this.#socket.send(record, this.#sent);
    }
  }

  async end(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.destroy();
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#socket.close();
  }

  #lose(error: Error): void {
    if (this.#done) return;
    this.destroy();
    this.#events.lost(new ShipError("SHIP_CONNECTION_LOST", `${this.#peer}: ${errorCode(error) ?? error.message}`, { cause: error }));
  }
}
