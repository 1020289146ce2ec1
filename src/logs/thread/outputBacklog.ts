// A task's output that its log thread has no room for yet: on disk (a DiskSpool of raw chunks, in the sandbox), so
// that a task writing faster than its lines are parsed is never slowed while the disk takes it, and replayed in order
// once the log thread catches up. When the disk refuses (its bound, or a failing disk), what comes next waits in
// memory behind it (`memoryBytes`), which the caller counts against its buffer: then, and only then, the task's pipe
// waits. Nothing is dropped here.
import type { Logger } from "../../logger.js";
import { DiskSpool } from "../ship/diskSpool.js";
import type { TaskStream } from "./logThreadMessages.js";

/** A chunk of a stream's bytes, or (`chunk` undefined) the end of that stream. */
export interface BacklogEntry {
  readonly stream: TaskStream;
  readonly chunk: Buffer | undefined;
}

// The spool's time field of each record carries the stream; a zero-length record is the stream's end.
const CODE: Readonly<Record<TaskStream, number>> = { stdout: 0, stderr: 1 };
const STREAM: readonly TaskStream[] = ["stdout", "stderr"];

export interface OutputBacklogOptions {
  readonly dir: string;
  /** Bytes on disk beyond which chunks wait in memory instead. */
  readonly maxBytes: number;
  readonly logger: Logger;
}

export class OutputBacklog {
  readonly #disk: DiskSpool;
  readonly #logger: Logger;
  readonly #tail: BacklogEntry[] = [];
  #tailBytes = 0;
  #diskFailed = false;
  #written = 0;
  /** Bytes of output on disk, not yet taken. */
  #onDisk = 0;
  #lost = 0;

  constructor({ dir, maxBytes, logger }: OutputBacklogOptions) {
    this.#disk = new DiskSpool({ dir, maxBytes });
    this.#logger = logger;
  }

  get empty(): boolean {
    return this.#disk.records === 0 && this.#tail.length === 0;
  }

  /** Bytes waiting in memory (the disk refused them). */
  get memoryBytes(): number {
    return this.#tailBytes;
  }

  /** Bytes on disk now (with the records' headers). */
  get diskBytes(): number {
    return this.#disk.diskBytes;
  }

  /** Bytes of output waiting, on disk and in memory. */
  get pendingBytes(): number {
    return this.#onDisk + this.#tailBytes;
  }

  /** Bytes written to disk since the start. */
  get writtenBytes(): number {
    return this.#written;
  }

  /** Bytes of output lost because the disk could not give them back (they are in the sandbox files). */
  get lostBytes(): number {
    return this.#lost;
  }

  /** Appends a chunk, or the end of a stream, behind everything waiting. */
  add(stream: TaskStream, chunk: Buffer | undefined): void {
    const bytes = chunk ?? Buffer.alloc(0);
    if (this.#tail.length === 0 && !this.#diskFailed) {
      try {
        if (this.#disk.append({ records: [bytes], times: [CODE[stream]], bytes: bytes.length }) === 1) {
          this.#written += bytes.length;
          this.#onDisk += bytes.length;
          return;
        }
      } catch (error) {
        this.#diskFailed = true;
        this.#logger.log("warn", "the task's output cannot wait on disk for the log thread: it waits in memory, and the task's pipe waits beyond BERTH_LOG_BUFFER_BYTES", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    this.#tail.push({ stream, chunk });
    this.#tailBytes += bytes.length;
  }

  /** Removes and returns the oldest entries, in order, about `maxBytes` of them (at least one when any). */
  take(maxBytes: number): BacklogEntry[] {
    const out: BacklogEntry[] = [];
    if (this.#disk.records > 0) {
      let batch;
      try {
        batch = this.#disk.read(maxBytes);
      } catch (error) {
        this.#diskFailed = true;
        this.#lost += this.#onDisk;
        this.#logger.log("error", "the task's output waiting on disk for the log thread cannot be read back: those lines are not shipped (the sandbox files have them)", {
          bytes: this.#onDisk,
          error: error instanceof Error ? error.message : String(error),
        });
        this.#onDisk = 0;
        this.#disk.clear();
        return this.take(maxBytes);
      }
      this.#onDisk -= batch.bytes;
      for (let i = 0; i < batch.records.length; i++) {
        const record = batch.records[i]!;
        out.push({ stream: STREAM[batch.times[i]!] ?? "stdout", chunk: record.length === 0 ? undefined : record });
      }
      return out;
    }
    let bytes = 0;
    while (this.#tail.length > 0 && (out.length === 0 || bytes < maxBytes)) {
      const entry = this.#tail.shift()!;
      const length = entry.chunk?.length ?? 0;
      bytes += length;
      this.#tailBytes -= length;
      out.push(entry);
    }
    return out;
  }

  /** Drops everything waiting (its files too); returns how many bytes of output that was. */
  clear(): number {
    const bytes = this.#tailBytes + this.#onDisk;
    try {
      this.#disk.clear();
    } catch {
      // files left in the sandbox; the agent's garbage collection takes them
    }
    this.#onDisk = 0;
    this.#tail.length = 0;
    this.#tailBytes = 0;
    return bytes;
  }
}
