import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeRelpFrame, nextTxnr, RelpFrameParser } from "./relpFrame.js";
import { ShipError } from "./shipError.js";

describe("RELP frames", () => {
  it("encodes frames with and without data, and wraps the transaction number", () => {
    assert.equal(encodeRelpFrame(1, "open", "relp_version=0").toString(), "1 open 14 relp_version=0\n");
    assert.equal(encodeRelpFrame(7, "close").toString(), "7 close 0\n");
    assert.equal(nextTxnr(999_999_999), 1);
    assert.equal(nextTxnr(41), 42);
  });

  it("parses frames split at every byte, data containing LF and spaces included", () => {
    const stream = Buffer.concat([
      encodeRelpFrame(1, "rsp", "200 OK\nrelp_version=0\ncommands=syslog"),
      encodeRelpFrame(2, "rsp", "200 OK"),
      encodeRelpFrame(0, "serverclose"),
    ]);
    for (const step of [1, 3, stream.length]) {
      const parser = new RelpFrameParser();
      const frames = [];
      for (let at = 0; at < stream.length; at += step) frames.push(...parser.push(stream.subarray(at, at + step)));
      assert.deepEqual(frames.map((f) => [f.txnr, f.command, f.data.toString()]), [
        [1, "rsp", "200 OK\nrelp_version=0\ncommands=syslog"],
        [2, "rsp", "200 OK"],
        [0, "serverclose", ""],
      ], `chunks of ${step}`);
    }
  });

  it("refuses malformed input with SHIP_RELP_PROTOCOL", () => {
    for (const bad of ["x rsp 2 OK\n", "1 rsp 2 OKX", "1 rsp 0 \n", "1 rsp 999999 ", "1 RSP 2 OK\n", "1 rsp 2OK\n"]) {
      assert.throws(() => new RelpFrameParser(1000).push(Buffer.from(bad)), (error: unknown) => error instanceof ShipError && error.code === "SHIP_RELP_PROTOCOL", bad);
    }
  });
});
