// TCP and TLS sinks (json_lines to Logstash, octet-counted syslog to rsyslog): a batch is one write of the
// concatenated records (one syscall for many records), confirmed when Node hands it to the kernel. The kernel's send
// buffer and the receiver's unread input are beyond what TCP lets a writer see: that loss window is documented, and
// end() narrows it at shutdown by waiting for the receiver to close its side after reading ours.
import { readFileSync } from "node:fs";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { HostResolver } from "./hostResolver.js";
import type { SinkTlsConfig } from "./sinkConfig.js";
import { timeoutSignal } from "../../time/longTimer.js";
import { errorCode, ShipError } from "./shipError.js";
import type { Connection, ConnectionEvents, Transport } from "./transport.js";

export interface StreamTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly resolver: HostResolver;
  readonly connectTimeoutMs: number;
  /** Verified TLS when present (never without verification). */
  readonly tls?: SinkTlsConfig;
}

const TLS_VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_UNTRUSTED", "CERT_REJECTED",
]);

export class StreamTransport implements Transport {
  readonly windowBytes = 1024 * 1024;
  readonly windowRecords = Infinity;
  readonly maxRecordBytes = Infinity;
  readonly peer: string;
  readonly #options: StreamTransportOptions;

  constructor(options: StreamTransportOptions) {
    this.#options = options;
    this.peer = `${options.tls ? "tls" : "tcp"}://${options.host}:${options.port}`;
  }

  async connect(events: ConnectionEvents, signal: AbortSignal): Promise<Connection> {
    const socket = await openStream(this.#options, this.peer, signal);
    return new StreamConnection(socket, events, this.peer);
  }
}

/** Connects (TCP or verified TLS) within the timeout; the socket is returned connected (TLS: handshake done). */
export async function openStream(options: StreamTransportOptions, peer: string, signal: AbortSignal): Promise<Socket> {
  const { host, port, tls } = options;
  const address = await options.resolver.resolve(host, signal);
  let secure: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  if (tls) {
    try {
      secure = {
        ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
        ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
        ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
      };
    } catch (cause) {
      throw new ShipError("SHIP_TLS_FILE_UNREADABLE", `${peer}: cannot read a TLS file (${errorCode(cause) ?? "error"}: ${(cause as { path?: string }).path ?? ""})`, { cause });
    }
  }
  const timeout = timeoutSignal(options.connectTimeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  const socket: Socket = tls
    ? tlsConnect({
      host: address,
      port,
      servername: tls.serverName ?? (isIP(host) ? undefined : host),
      rejectUnauthorized: true,
      ...secure,
    })
    : netConnect({ host: address, port });
  const ready = tls ? "secureConnect" : "connect";
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(both.reason);
      both.addEventListener("abort", onAbort, { once: true });
      socket.once(ready, () => (both.removeEventListener("abort", onAbort), resolve()));
      socket.once("error", (error) => (both.removeEventListener("abort", onAbort), reject(error)));
    });
  } catch (cause) {
    socket.destroy();
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) throw new ShipError("SHIP_CONNECT_TIMEOUT", `${peer}: no connection within ${options.connectTimeoutMs} ms`, { cause });
    const code = errorCode(cause);
    if (tls && code !== undefined && TLS_VERIFY_CODES.has(code)) {
      throw new ShipError("SHIP_TLS_VERIFY_FAILED", `${peer}: the server's certificate is refused (${code}); check the sink's ca= option`, { cause });
    }
    throw new ShipError("SHIP_CONNECT_FAILED", `${peer}: ${code ?? (cause as Error).message}`, { cause });
  }
  if (tls && !(socket as TLSSocket).authorized) {
    socket.destroy();
    throw new ShipError("SHIP_TLS_VERIFY_FAILED", `${peer}: the server's certificate is refused (${String((socket as TLSSocket).authorizationError)})`);
  }
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  return socket;
}

class StreamConnection implements Connection {
  readonly #socket: Socket;
  readonly #events: ConnectionEvents;
  readonly #peer: string;
  #done = false;
  #ending = false;
  readonly #closed: Promise<void>;

  constructor(socket: Socket, events: ConnectionEvents, peer: string) {
    this.#socket = socket;
    this.#events = events;
    this.#peer = peer;
    let closeError: unknown;
    socket.on("error", (error) => {
      closeError = error;
      this.#lose(new ShipError("SHIP_CONNECTION_LOST", `${peer}: ${errorCode(error) ?? error.message}`, { cause: error }));
    });
    // Receivers send nothing; a peer that closes its side is going away.
    socket.on("data", () => undefined);
    socket.on("end", () => {
      if (!this.#ending) this.#lose(new ShipError("SHIP_CONNECTION_LOST", `${peer}: the receiver closed the connection`));
    });
    this.#closed = new Promise((resolve, reject) =>
      socket.once("close", () => (closeError === undefined ? resolve() : reject(closeError))),
    );
    this.#closed.catch(() => undefined);
    socket.once("close", () => this.#lose(new ShipError("SHIP_CONNECTION_LOST", `${peer}: connection closed`)));
  }

  send(records: readonly Buffer[], bytes: number): void {
    if (this.#done) return;
    const count = records.length;
    const data = count === 1 ? records[0]! : Buffer.concat(records as Buffer[], bytes);
    this.#socket.write(data, (error) => {
      if (!error && !this.#done) this.#events.confirmed(count);
    });
  }

  async end(signal: AbortSignal): Promise<void> {
    this.#ending = true;
    this.#socket.end();
    const onAbort = (): void => void this.#socket.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#closed;
    } catch (cause) {
      throw new ShipError("SHIP_CONNECTION_LOST", `${this.#peer}: the connection failed while closing; the receiver may not have read the last records`, { cause });
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#done = true;
    }
    signal.throwIfAborted();
  }

  destroy(): void {
    this.#done = true;
    this.#socket.destroy();
  }

  #lose(error: ShipError): void {
    if (this.#done || this.#ending) return;
    this.#done = true;
    this.#socket.destroy();
    this.#events.lost(error);
  }
}
