import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecordQueue } from "./recordQueue.js";

const text = (records: Buffer[]): string[] => records.map((r) => r.toString());

describe("RecordQueue", () => {
  it("takes batches in order within byte and count bounds (always at least one record), puts unconfirmed ones back in front", () => {
    const queue = new RecordQueue();
    for (let i = 0; i < 10_000; i++) queue.push(Buffer.from(`r${i}`.padEnd(10, ".")), i);
    assert.equal(queue.bytes, 100_000);
    const first = queue.take(35);
    assert.deepEqual(text(first.records), ["r0........", "r1........", "r2........"]);
    assert.deepEqual(first.times, [0, 1, 2]);
    assert.equal(first.bytes, 30);
    assert.equal(queue.take(1).records.length, 1, "a record larger than the bound still goes alone");
    assert.equal(queue.take(1000, 2).records.length, 2);
    queue.unshiftBatch(first);
    assert.equal(queue.oldestTime(), 0);
    assert.equal(queue.length, 10_000 - 3);
    const all = queue.take(Infinity);
    assert.deepEqual(all.times.slice(0, 5), [0, 1, 2, 6, 7]);
    assert.equal(queue.length, 0);
    assert.equal(queue.bytes, 0);
    assert.equal(queue.oldestTime(), undefined);
  });

  it("stays in order across compaction and counts what clear() drops", () => {
    const queue = new RecordQueue();
    const got: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      queue.push(Buffer.alloc(1), i);
      if (i % 3 === 0) got.push(...queue.take(Infinity, 2).times);
    }
    got.push(...queue.take(Infinity, 10).times);
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i));
    assert.equal(queue.clear(), 20_000 - got.length);
  });
});
