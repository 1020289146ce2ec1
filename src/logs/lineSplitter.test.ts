import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter } from "./lineSplitter.js";

describe("LineSplitter", () => {
  it("splits across chunks, keeps UTF-8 characters whole and cuts very long lines into pieces", () => {
    const got: [string, boolean][] = [];
    const splitter = new LineSplitter((piece, continues) => got.push([piece, continues]));
    const euro = Buffer.from("€");
    splitter.push(Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]));
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from("b\r\nc")]));
    splitter.push(Buffer.from(`\n${"x".repeat(5000)}\nlast`));
    splitter.end();
    splitter.end();
    assert.deepEqual(got, [
      ["a€b", false],
      ["c", false],
      ["x".repeat(4096), true],
      ["x".repeat(904), false],
      ["last", false],
    ]);
  });
});
