import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { MarkerDir } from "./fixtures.js";

let markers: MarkerDir;
beforeEach(() => (markers = new MarkerDir()));
afterEach(() => markers.remove());

describe("MarkerDir", () => {
  it("does not take a marker that a shell has created but not yet written for its content", async () => {
    // `echo $$ > ready` opens (creates, empty) before it writes: this is what a reader may see in between.
    writeFileSync(markers.file("ready"), "");
    await assert.rejects(markers.pids("ready", { timeoutMs: 200 }), /Timed out/);
  });

  it("waits for the end of the line", async () => {
    writeFileSync(markers.file("ready"), "12");
    await assert.rejects(markers.text("ready", { timeoutMs: 200 }), /Timed out/);
    appendFileSync(markers.file("ready"), "34 56\n");
    assert.deepEqual(await markers.pids("ready"), [1234, 56]);
  });
});
