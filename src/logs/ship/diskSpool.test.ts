import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DiskSpool } from "./diskSpool.js";
import { ShipError } from "./shipError.js";

const root = mkdtempSync(join(tmpdir(), "berth-spool-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const batch = (from: number, count: number, size = 100): { records: Buffer[]; times: number[]; bytes: number } => {
  const records = Array.from({ length: count }, (_, i) => Buffer.from(`#${from + i} `.padEnd(size, "x")));
  return { records, times: records.map((_, i) => 1000 + from + i), bytes: count * size };
};

describe("DiskSpool", () => {
  it("replays records byte for byte and in order across segments, deletes read segments, and frees its bound", () => {
    const dir = join(root, "order");
    const spool = new DiskSpool({ dir, maxBytes: 64 * 1024, segmentBytes: 4096 });
    assert.equal(spool.append(batch(0, 100)), 100);
    assert.equal(spool.append(batch(100, 100)), 100);
    assert.equal(spool.records, 200);
    assert.equal(spool.oldestTime(), 1000);
    assert.equal(readdirSync(dir).length, 2, "a new segment file once one is full");
    const got: string[] = [];
    const times: number[] = [];
    for (let round = 0; spool.records > 0; round++) {
      const read = spool.read(1000 + round * 37);
      assert.ok(read.records.length > 0);
      got.push(...read.records.map((r) => r.toString().split(" ")[0]!));
      times.push(...read.times);
      if (spool.records > 0) assert.equal(spool.oldestTime(), times.at(-1)! + 1);
      if (round === 3) assert.equal(spool.append(batch(200, 10)), 10, "appending while reading keeps the order");
    }
    assert.deepEqual(got, Array.from({ length: 210 }, (_, i) => `#${i}`));
    assert.deepEqual(times, Array.from({ length: 210 }, (_, i) => 1000 + i));
    assert.equal(spool.diskBytes, 0);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("accepts only what fits its bound, and a record larger than a read chunk comes back whole", () => {
    const spool = new DiskSpool({ dir: join(root, "bound"), maxBytes: 1000, segmentBytes: 300 });
    assert.equal(spool.append(batch(0, 20)), 8, "8 × (100 + 12 bytes of header) ≤ 1000 < 9 ×");
    assert.equal(spool.append(batch(8, 1)), 0);
    assert.equal(spool.read(1).records.length, 1);
    assert.equal(spool.append(batch(8, 1)), 0, "a read record's bytes are freed with its segment, not before");
    spool.read(10_000);
    assert.equal(spool.records, 0);
    assert.equal(spool.append(batch(0, 1, 900)), 1);
    const big = spool.read(10);
    assert.equal(big.records[0]!.length, 900);
    assert.equal(spool.clear(), 0);
  });

  it("fails with SHIP_SPOOL_UNAVAILABLE when its directory's parent is a file", () => {
    const spool = new DiskSpool({ dir: "/dev/null/spool", maxBytes: 1000 });
    assert.throws(() => spool.append(batch(0, 1)), (error: unknown) => {
      assert.ok(error instanceof ShipError);
      assert.equal(error.code, "SHIP_SPOOL_UNAVAILABLE");
      assert.match(error.message, /\/dev\/null\/spool.*ENOTDIR/);
      return true;
    });
    assert.equal(spool.records, 0);
  });
});
