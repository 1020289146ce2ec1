// One sink's delivery: encoded records in order through a bounded memory queue, a disk spool when the queue is full
// or the sink is down, and a connection that is reopened with backoff. push() never blocks and never throws: what
// cannot be kept is dropped, counted by reason, and announced to the sink ("dropped N lines (reason)") when it
// takes records again. Order: memory queue (oldest) → spool → tail (newest, memory) — a record goes to the memory
// queue directly only while nothing waits behind it on disk. Work happens in one pump per event-loop turn, never per
// record: a batch is one write.
import { join } from "node:path";
import type { Logger } from "../../logger.js";
import { sleep } from "../../time/longTimer.js";
import type { Encoder, LogEvent } from "../logEvent.js";
import { backoffDelay } from "./backoff.js";
import { DiskSpool } from "./diskSpool.js";
import { RecordQueue } from "./recordQueue.js";
import { ShipError } from "./shipError.js";
import type { SinkConfig } from "./sinkConfig.js";
import type { Connection, Transport } from "./transport.js";

export type DropReason = "spool_full" | "queue_full" | "spool_unavailable" | "oversize" | "encode_error" | "shutdown";
export const DROP_REASONS: readonly DropReason[] = ["spool_full", "queue_full", "spool_unavailable", "oversize", "encode_error", "shutdown"];

/** A plain object for the metrics work: counts since the start and the state now. */
export interface SinkCounters {
  readonly sink: string;
  readonly connected: boolean;
  /** Lines pushed (an event each). */
  readonly received: number;
  /** Lines confirmed by the transport (see Transport: kernel, file or receiver acknowledgement). */
  readonly shipped: number;
  /** Lines written to the disk spool (a line may be spooled once at most). */
  readonly spooled: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** "dropped N lines" records sent. */
  readonly notices: number;
  /** Lines not yet shipped: in memory (queue and in flight) and on disk. */
  readonly pendingLines: number;
  readonly memoryBytes: number;
  readonly spoolBytes: number;
  /** False once the spool failed (disk full, directory not writable) or when there is none: memory only. */
  readonly spoolAvailable: boolean;
  /** Age of the oldest line not yet shipped (0 when none). */
  readonly lagMs: number;
  readonly connects: number;
  readonly connectFailures: number;
  readonly lastError?: string;
}

export interface FlushResult {
  readonly sink: string;
  /** Everything pushed before the flush was shipped (and, where the protocol can tell, read by the receiver). */
  readonly complete: boolean;
  /** Lines counted as dropped with reason "shutdown" by this flush. */
  readonly dropped: number;
  readonly error?: string;
}

export interface SinkShipperOptions {
  readonly config: SinkConfig;
  readonly transport: Transport;
  readonly encoder: Encoder;
  /** The sandbox directory under which this sink's spool directory is made (undefined: memory only). */
  readonly spoolRoot?: string;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
}

const NOTICE = -1; // the receive "time" of a drop notice: not a line, never counted as one
const BATCH_BYTES = 256 * 1024;
const TAIL_FLUSH_BYTES = 1024 * 1024;

export class SinkShipper {
  readonly name: string;
  readonly #config: SinkConfig;
  readonly #transport: Transport;
  readonly #encoder: Encoder;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #memory = new RecordQueue();
  readonly #tail = new RecordQueue();
  readonly #inflight = new RecordQueue();
  readonly #spool: DiskSpool | undefined;
  #spoolFailed = false;
  #connection: Connection | undefined;
  #connecting = false;
  #closed = false;
  readonly #stop = new AbortController();
  #wake: AbortController | undefined;
  #scheduled = false;
  #pendingNotices = new Map<DropReason, number>();
  #waiters: (() => void)[] = [];
  #reportedDrops = new Set<DropReason>();
  #downSince: number | undefined;
  #counts = { received: 0, shipped: 0, spooled: 0, notices: 0, connects: 0, connectFailures: 0 };
  #dropped: Record<DropReason, number> = { spool_full: 0, queue_full: 0, spool_unavailable: 0, oversize: 0, encode_error: 0, shutdown: 0 };
  #lastError: string | undefined;
  /** Drop notices in flight or put back in the memory queue (not lines). */
  #queuedNotices = 0;

  constructor({ config, transport, encoder, spoolRoot, logger, now = Date.now, random = Math.random }: SinkShipperOptions) {
    this.name = config.name;
    this.#config = config;
    this.#transport = transport;
    this.#encoder = encoder;
    this.#logger = logger.child({ sink: config.name });
    this.#now = now;
    this.#random = random;
    if (spoolRoot !== undefined && config.spoolBytes > 0) {
      this.#spool = new DiskSpool({ dir: join(spoolRoot, config.name.replace(/[^A-Za-z0-9_.-]/g, "_")), maxBytes: config.spoolBytes });
    }
    void this.#run();
  }

  /** Takes one event (synchronously; never blocks, never throws). */
  push(event: LogEvent): void {
    this.#counts.received++;
    if (this.#closed) {
      this.#dropped.shutdown++; // after flush or close: counted, never silently lost
      return;
    }
    let record: Buffer;
    try {
      record = this.#encoder(event);
    } catch {
      this.#drop("encode_error", 1);
      return;
    }
    this.pushEncoded(record, event.time, true);
  }

  /** Takes one already encoded record (several sinks sharing an encoder encode once). `counted`: received already counted. */
  pushEncoded(record: Buffer, time = this.#now(), counted = false): void {
    if (!counted) this.#counts.received++;
    if (this.#closed) {
      if (!counted) this.#dropped.shutdown++;
      return;
    }
    if (record.length > this.#transport.maxRecordBytes) {
      this.#drop("oversize", 1);
      return;
    }
    const spoolUsable = this.#spool !== undefined && !this.#spoolFailed;
    const behind = this.#tail.length > 0 || (this.#spool?.records ?? 0) > 0;
    const down = this.#connection === undefined;
    if (!behind && this.#memory.bytes + record.length <= this.#config.memoryBytes && (!down || !spoolUsable)) {
      this.#memory.push(record, time);
    } else if (spoolUsable) {
      this.#tail.push(record, time);
      if (this.#tail.bytes >= TAIL_FLUSH_BYTES) this.#spoolTail();
    } else if (this.#tail.bytes + record.length <= this.#config.memoryBytes) {
      this.#tail.push(record, time);
    } else {
      this.#drop(this.#spool === undefined ? "queue_full" : "spool_unavailable", 1);
      return;
    }
    this.#schedule();
  }

  counters(): SinkCounters {
    const oldest = [this.#inflight.oldestTime(), this.#memory.oldestTime(), this.#spool?.oldestTime(), this.#tail.oldestTime()].find(
      (time) => time !== undefined && time !== NOTICE,
    );
    return {
      sink: this.name,
      connected: this.#connection !== undefined,
      ...this.#counts,
      dropped: { ...this.#dropped },
      pendingLines: this.#pendingLines(),
      memoryBytes: this.#memory.bytes + this.#tail.bytes + this.#inflight.bytes,
      spoolBytes: this.#spool?.diskBytes ?? 0,
      spoolAvailable: this.#spool !== undefined && !this.#spoolFailed,
      lagMs: oldest === undefined ? 0 : Math.max(0, this.#now() - oldest),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  /**
   * Delivers everything pushed so far, then closes the connection as the protocol allows (see Connection.end).
   * When `signal` aborts first, what is left is counted as dropped ("shutdown") and the sink is closed. Either way
   * the sink takes no more records afterwards.
   */
  async flush(signal: AbortSignal): Promise<FlushResult> {
    this.#wake?.abort(); // a sink waiting out its backoff tries again now
    try {
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const check = (): void => {
          if (this.#idle()) {
            signal.removeEventListener("abort", onAbort);
            resolve();
          } else {
            this.#waiters.push(check);
          }
        };
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        check();
      });
      this.#closed = true;
      const connection = this.#connection;
      if (connection) await connection.end(signal);
      this.close();
      return { sink: this.name, complete: true, dropped: 0 };
    } catch (error) {
      const dropped = this.close();
      this.#pendingNotices.clear();
      const message = error instanceof Error ? error.message : String(error);
      if (dropped > 0) this.#logger.log("warn", "log sink: lines not delivered by the flush deadline", { dropped, reason: "shutdown" });
      return { sink: this.name, complete: false, dropped, error: message };
    }
  }

  /**
   * Stops at once: closes the connection, deletes the spool, stops timers. Lines not yet shipped are counted as
   * dropped ("shutdown"); returns how many.
   */
  close(): number {
    const dropped = this.#pendingLines();
    this.#drop("shutdown", dropped);
    this.#closed = true;
    this.#stop.abort();
    this.#connection?.destroy();
    this.#connection = undefined;
    this.#memory.clear();
    this.#tail.clear();
    this.#inflight.clear();
    this.#queuedNotices = 0;
    try {
      this.#spool?.clear();
    } catch {
      // nothing more to do for files we cannot remove
    }
    this.#notify();
    return dropped;
  }

  #pendingLines(): number {
    return this.#memory.length + this.#tail.length + this.#inflight.length + (this.#spool?.records ?? 0) - this.#queuedNotices;
  }

  #idle(): boolean {
    return this.#memory.length === 0 && this.#tail.length === 0 && this.#inflight.length === 0 && (this.#spool?.records ?? 0) === 0 && this.#pendingNotices.size === 0;
  }

  #drop(reason: DropReason, count: number): void {
    if (count <= 0) return;
    this.#dropped[reason] += count;
    if (reason !== "shutdown") this.#pendingNotices.set(reason, (this.#pendingNotices.get(reason) ?? 0) + count);
    if (!this.#reportedDrops.has(reason) && reason !== "shutdown") {
      this.#reportedDrops.add(reason);
      this.#logger.log("warn", "log sink: dropping lines (counted; a record says how many once the sink takes records again)", { reason });
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Moves the tail to the spool (order: the tail is newer than everything on disk). */
  #spoolTail(): void {
    const spool = this.#spool;
    if (!spool || this.#spoolFailed || this.#tail.length === 0) return;
    const batch = this.#tail.take(Infinity);
    let stored: number;
    try {
      stored = spool.append(batch);
    } catch (error) {
      this.#spoolFailed = true;
      this.#lastError = (error as Error).message;
      this.#logger.log("error", "log sink: the disk spool failed; memory only from now on (lines beyond the memory bound are dropped and counted)", {
        error: (error as Error).message,
      });
      // Keep what fits in memory (in order, after whatever is still on disk); drop the rest.
      const keep = this.#tail;
      let i = 0;
      for (; i < batch.records.length && keep.bytes + batch.records[i]!.length <= this.#config.memoryBytes; i++) keep.push(batch.records[i]!, batch.times[i]!);
      this.#drop("spool_unavailable", batch.records.length - i);
      return;
    }
    this.#counts.spooled += stored;
    this.#drop("spool_full", batch.records.length - stored);
  }

  /** The next records to send, oldest first: memory, then disk, then the tail. */
  #refill(): void {
    if (this.#memory.length > 0) return;
    const spool = this.#spool;
    if (spool && spool.records > 0) {
      try {
        this.#memory.pushBatch(spool.read(Math.min(this.#config.memoryBytes, 1024 * 1024)));
        return;
      } catch (error) {
        // An unreadable spool: its lines are gone; count them and go on with memory.
        const lost = spool.records;
        this.#spoolFailed = true;
        this.#lastError = (error as Error).message;
        this.#logger.log("error", "log sink: the disk spool cannot be read; its lines are dropped and counted", { error: (error as Error).message, dropped: lost });
        try {
          spool.clear();
        } catch {
          // counted already
        }
        this.#drop("spool_unavailable", lost);
      }
    }
    if (this.#tail.length > 0 && (spool?.records ?? 0) === 0) this.#memory.pushBatch(this.#tail.take(this.#config.memoryBytes));
  }

  #pump(): void {
    if (this.#closed) return;
    this.#spoolTail(); // the tail only grows behind a full queue, an outage or the disk: it belongs on disk
    const connection = this.#connection;
    if (connection) {
      const window = this.#transport;
      while (this.#inflight.bytes < window.windowBytes && this.#inflight.length < window.windowRecords) {
        const records: Buffer[] = [];
        const times: number[] = [];
        let bytes = 0;
        if (this.#pendingNotices.size > 0) {
          for (const [reason, count] of this.#pendingNotices) {
            const notice = this.#notice(reason, count);
            if (notice) {
              records.push(notice);
              times.push(NOTICE);
              bytes += notice.length;
              this.#queuedNotices++;
            }
          }
          this.#pendingNotices.clear();
        }
        this.#refill();
        const room = Math.min(BATCH_BYTES, window.windowBytes - this.#inflight.bytes);
        const batch = this.#memory.take(room, window.windowRecords - this.#inflight.length - records.length);
        records.push(...batch.records);
        times.push(...batch.times);
        bytes += batch.bytes;
        if (records.length === 0) break;
        this.#inflight.pushBatch({ records, times, bytes });
        connection.send(records, bytes);
        if (this.#connection !== connection) break; // lost during send
      }
    }
    this.#notify();
  }

  #notice(reason: DropReason, count: number): Buffer | undefined {
    try {
      const event: LogEvent = {
        time: this.#now(),
        stream: "stderr",
        message: `dropped ${count} lines (${reason})`,
        fields: { berth_dropped: count, berth_drop_reason: reason },
        truncated: false,
      };
      const record = this.#encoder(event);
      this.#counts.notices++;
      return record;
    } catch {
      return undefined;
    }
  }

  #confirmed(connection: Connection, count: number): void {
    if (connection !== this.#connection) return;
    const batch = this.#inflight.take(Infinity, count);
    for (const time of batch.times) {
      if (time !== NOTICE) this.#counts.shipped++;
      else this.#queuedNotices--;
    }
    this.#schedule();
    this.#notify();
  }

  #lost(connection: Connection, error: ShipError): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    this.#down(error);
    this.#memory.unshiftBatch(this.#inflight.take(Infinity));
    this.#wake?.abort();
  }

  #down(error: ShipError): void {
    this.#lastError = error.message;
    if (this.#downSince === undefined) {
      this.#downSince = this.#now();
      this.#logger.log("warn", "log sink down; lines are kept (memory, then disk) and replayed in order", { code: error.code, error: error.message });
    }
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Connects, waits for the connection to be lost, backs off, again, until closed. */
  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    let attempt = 0;
    while (!stop.aborted) {
      if (this.#connection === undefined && !this.#connecting) {
        this.#connecting = true;
        let connection: Connection | undefined;
        try {
          connection = await this.#transport.connect(
            {
              confirmed: (count) => connection && this.#confirmed(connection, count),
              lost: (error) => connection && this.#lost(connection, error),
            },
            stop,
          );
        } catch (error) {
          if (stop.aborted) break;
          this.#counts.connectFailures++;
          this.#down(error instanceof ShipError ? error : new ShipError("SHIP_CONNECT_FAILED", String(error), { cause: error }));
        } finally {
          this.#connecting = false;
        }
        if (connection) {
          if (stop.aborted) {
            connection.destroy();
            break;
          }
          this.#connection = connection;
          this.#counts.connects++;
          if (this.#downSince !== undefined) {
            this.#logger.log("info", "log sink up again; replaying what was kept", {
              down_ms: this.#now() - this.#downSince,
              pending: this.#pendingLines(),
            });
            this.#downSince = undefined;
          }
          attempt = 0;
          this.#schedule();
        }
      }
      // Wait until the connection is lost (or a flush wakes a sleeping retry), then back off.
      this.#wake = new AbortController();
      const wake = AbortSignal.any([stop, this.#wake.signal]);
      if (this.#connection !== undefined) {
        await new Promise<void>((resolve) => wake.addEventListener("abort", () => resolve(), { once: true }));
        if (stop.aborted) break;
      }
      if (this.#connection !== undefined) continue; // woken by a flush while connected
      const delay = backoffDelay(attempt++, { minMs: this.#config.backoffMinMs, maxMs: this.#config.backoffMaxMs, random: this.#random });
      this.#wake = new AbortController();
      try {
        await sleep(delay, AbortSignal.any([stop, this.#wake.signal]));
      } catch {
        // woken early: a flush wants a try now, or the sink is closed
      }
    }
  }
}
