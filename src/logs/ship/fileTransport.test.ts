import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FileTransport } from "./fileTransport.js";
import { ShipError } from "./shipError.js";

const dir = mkdtempSync(join(tmpdir(), "berth-file-sink-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("FileTransport", () => {
  it("appends batches in order and confirms each, keeping what the file had", async () => {
    const path = join(dir, "out.log");
    const first = new FileTransport(path);
    let confirmed = 0;
    const events = { confirmed: (n: number) => void (confirmed += n), lost: () => assert.fail("lost") };
    let connection = await first.connect(events, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("1\n"), Buffer.from("2\n")], 4);
    connection.send([Buffer.from("3\n")], 2);
    await connection.end(AbortSignal.timeout(5_000));
    connection = await first.connect(events, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("4\n")], 2);
    await connection.end(AbortSignal.timeout(5_000));
    assert.equal(readFileSync(path, "utf8"), "1\n2\n3\n4\n");
    assert.equal(confirmed, 4);
  });

  it("a file it cannot open is SHIP_FILE_FAILED, naming the reason", async () => {
    await assert.rejects(new FileTransport(join(dir, "missing", "out.log")).connect({ confirmed: () => undefined, lost: () => undefined }, AbortSignal.timeout(5_000)), (error: unknown) => {
      assert.ok(error instanceof ShipError);
      assert.equal(error.code, "SHIP_FILE_FAILED");
      assert.match(error.message, /cannot open \(ENOENT\)/);
      return true;
    });
  });

  it("a failed write (the disk is full: /dev/full) loses the connection with the reason", async () => {
    let confirmed = 0;
    let lost: ShipError | undefined;
    const connection = await new FileTransport("/dev/full").connect({ confirmed: (n) => void (confirmed += n), lost: (error) => void (lost = error) }, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("x\n")], 2);
    await connection.end(AbortSignal.timeout(5_000));
    assert.equal(confirmed, 0);
    assert.equal(lost?.code, "SHIP_FILE_FAILED");
    assert.match(lost?.message ?? "", /ENOSPC/);
  });
});
