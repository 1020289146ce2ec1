// A FIFO of encoded records with the time each was received (for the lag counter). Arrays with a moving head, so
// that taking a batch costs no per-record shift; compacted once the consumed part dominates.

export interface RecordBatch {
  readonly records: Buffer[];
  readonly times: number[];
  readonly bytes: number;
}

export class RecordQueue {
  #records: Buffer[] = [];
  #times: number[] = [];
  #head = 0;
  #bytes = 0;

  get length(): number {
    return this.#records.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Receive time of the oldest record. */
  oldestTime(): number | undefined {
    return this.#head < this.#times.length ? this.#times[this.#head] : undefined;
  }

  push(record: Buffer, time: number): void {
    this.#records.push(record);
    this.#times.push(time);
    this.#bytes += record.length;
  }

  pushBatch(batch: RecordBatch): void {
    for (let i = 0; i < batch.records.length; i++) this.push(batch.records[i]!, batch.times[i]!);
  }

  /** Puts records back in front (a batch that was sent but not confirmed), oldest first. */
  unshiftBatch(batch: RecordBatch): void {
    if (batch.records.length === 0) return;
    this.#records = [...batch.records, ...this.#records.slice(this.#head)];
    this.#times = [...batch.times, ...this.#times.slice(this.#head)];
    this.#head = 0;
    this.#bytes += batch.bytes;
  }

  /** Takes the oldest records, at least one (when any), up to `maxBytes` and `maxCount`. */
  take(maxBytes: number, maxCount = Infinity): RecordBatch {
    const start = this.#head;
    let end = start;
    let bytes = 0;
    while (end < this.#records.length && end - start < maxCount) {
      const size = this.#records[end]!.length;
      if (end > start && bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    const batch = { records: this.#records.slice(start, end), times: this.#times.slice(start, end), bytes };
    this.#head = end;
    this.#bytes -= bytes;
    this.#compact();
    return batch;
  }

  /** Empties the queue, returning how many records it held. */
  clear(): number {
    const count = this.length;
    this.#records = [];
    this.#times = [];
    this.#head = 0;
    this.#bytes = 0;
    return count;
  }

  #compact(): void {
    if (this.#head === this.#records.length) {
      this.#records = [];
      this.#times = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
