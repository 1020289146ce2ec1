import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LINE_BYTES } from "./benchLines.js";
import { BenchReceiver } from "./receiver.js";
import { SeqCounter } from "./seqCounter.js";

const GENERATOR = fileURLToPath(new URL("./generatorMain.js", import.meta.url));
const FORWARDER = fileURLToPath(new URL("./forwarderMain.js", import.meta.url));

interface GeneratorStats {
  lines: number;
  bytes: number;
  elapsedMs: number;
}

async function generate(lines: number, rate: number, dir: string): Promise<{ counter: SeqCounter; stats: GeneratorStats }> {
  const statsFile = join(dir, `stats-${lines}-${rate}.json`);
  const child = spawn(process.execPath, [GENERATOR, String(lines), String(rate), statsFile], { stdio: ["ignore", "pipe", "inherit"] });
  const counter = new SeqCounter();
  child.stdout.on("data", (chunk: Buffer) => counter.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  assert.equal(code, 0);
  counter.end();
  return { counter, stats: JSON.parse(readFileSync(statsFile, "utf8")) as GeneratorStats };
}

test("the generator writes exactly lines 0 … n-1, in order, 200 bytes each", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-gen-"));
  try {
    const { counter, stats } = await generate(12_345, 0, dir);
    const counts = counter.counts;
    assert.equal(counts.lines, 12_345);
    assert.equal(counts.distinct, 12_345);
    assert.equal(counts.bytes, 12_345 * LINE_BYTES);
    assert.equal(counts.late + counts.duplicates + counts.unnumbered, 0);
    assert.equal(counter.missing(12_345), 0);
    assert.equal(stats.lines, 12_345);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("paced, it takes at least as long as the rate says (never faster), and writes every line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-gen-"));
  try {
    const { counter, stats } = await generate(400, 1_000, dir);
    assert.equal(counter.counts.distinct, 400);
    // Line k is due at k ms: the last one (399) not before 399 ms after the first write (minus one tick's rounding).
    assert.ok(stats.elapsedMs >= 389, `elapsed ${stats.elapsedMs} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the baseline's plain pipe: generator | forwarder carries every line to the receiver", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-gen-"));
  const receiver = await BenchReceiver.start();
  try {
    const child = spawn("/bin/sh", ["-c", 'exec "$0" "$1" 20000 0 "$2" | exec "$0" "$3" "$4"', process.execPath, GENERATOR, join(dir, "s.json"), FORWARDER, String(receiver.port)], {
      stdio: "inherit",
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    assert.equal(code, 0);
    const stats = await receiver.stats(20_000);
    assert.equal(stats.missing, 0);
    assert.equal(stats.lines, 20_000);
    assert.equal(stats.open, 0);
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
