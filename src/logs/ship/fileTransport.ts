// The file sink: records appended to a file the operator names (a host-wide log, a mounted volume). One writev per
// batch, confirmed once written; a failed write (disk full, file removed with its directory) makes the sink down,
// and it reopens the file after the backoff. O_APPEND keeps whole batches whole when several writers share the file.
import { open, type FileHandle } from "node:fs/promises";
import { errorCode, ShipError } from "./shipError.js";
import type { Connection, ConnectionEvents, Transport } from "./transport.js";

export class FileTransport implements Transport {
  readonly windowBytes = 1024 * 1024;
  readonly windowRecords = Infinity;
  readonly maxRecordBytes = Infinity;
  readonly peer: string;
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
    this.peer = `file://${path}`;
  }

  async connect(events: ConnectionEvents, signal: AbortSignal): Promise<Connection> {
    signal.throwIfAborted();
    let handle: FileHandle;
    try {
      handle = await open(this.#path, "a", 0o640);
    } catch (cause) {
      throw new ShipError("SHIP_FILE_FAILED", `${this.peer}: cannot open (${errorCode(cause) ?? (cause as Error).message})`, { cause });
    }
    if (signal.aborted) {
      await handle.close();
      throw signal.reason;
    }
    return new FileConnection(handle, events, this.peer);
  }
}

class FileConnection implements Connection {
  readonly #handle: FileHandle;
  readonly #events: ConnectionEvents;
  readonly #peer: string;
  #done = false;
  /** Batches are written one after the other: the chain keeps their order. */
  #chain: Promise<void> = Promise.resolve();

  constructor(handle: FileHandle, events: ConnectionEvents, peer: string) {
    this.#handle = handle;
    this.#events = events;
    this.#peer = peer;
  }

  send(records: readonly Buffer[]): void {
    const batch = [...records];
    this.#chain = this.#chain.then(async () => {
      if (this.#done) return;
      try {
        await this.#handle.writev(batch);
      } catch (cause) {
        this.#lose(cause);
        return;
      }
      if (!this.#done) this.#events.confirmed(batch.length);
    });
  }

  async end(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await this.#chain;
    this.destroy();
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#chain = this.#chain.then(() => this.#handle.close()).catch(() => undefined);
  }

  #lose(cause: unknown): void {
    if (this.#done) return;
    this.destroy();
    this.#events.lost(new ShipError("SHIP_FILE_FAILED", `${this.#peer}: write failed (${errorCode(cause) ?? (cause as Error).message})`, { cause }));
  }
}
