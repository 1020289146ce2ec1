// The benchmark's log-writing task: `node generatorMain.js <lines> <lines per second, 0 = as fast as it can>
// <stats file>` writes lines 0 … lines-1 (bench/logs/benchLines.ts) to its stdout, then the stats file (JSON:
// lines, bytes, elapsedMs from the first write to the last). As fast as it can: blocks of 5,000 lines (1 MB), one
// synchronous write each, renumbered in place, so that it outruns what reads it (its rate into /dev/null is measured
// by the benchmark to show that). Paced: on an absolute schedule, every 10 ms what is due by then, so a late tick
// catches up and the average rate is exact.
import { writeFileSync, writeSync } from "node:fs";
import { LineBlock } from "./benchLines.js";

const BLOCK_LINES = 5_000;
const TICK_MS = 10;

function parseArgs(argv: readonly string[]): { lines: number; rate: number; statsFile: string } {
  const [linesArg, rateArg, statsFile] = argv;
  const lines = Number(linesArg);
  const rate = Number(rateArg);
  if (!Number.isSafeInteger(lines) || lines < 1 || !Number.isFinite(rate) || rate < 0 || !statsFile) {
    throw new Error("usage: generatorMain.js <lines ≥ 1> <lines per second, 0 = unpaced> <stats file>");
  }
  return { lines, rate, statsFile };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `data` to fd 1 (a pipe, a socket or a file), whatever the descriptor's blocking mode. */
function writeAll(data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(1, data, offset, data.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(pause, 0, 0, 1); // a non-blocking descriptor that is full: try again in 1 ms
    }
  }
}

function main(): void {
  const { lines, rate, statsFile } = parseArgs(process.argv.slice(2));
  const block = new LineBlock(BLOCK_LINES);
  let written = 0;
  const writeUpTo = (due: number): void => {
    while (written < due) {
      const count = Math.min(BLOCK_LINES, due - written);
      writeAll(block.fill(written, count));
      written += count;
    }
  };
  const t0 = performance.now();
  const finish = (): void => {
    const elapsedMs = performance.now() - t0;
    writeFileSync(statsFile, JSON.stringify({ lines: written, bytes: written * block.lineBytes, elapsedMs, rate }));
  };
  if (rate === 0) {
    writeUpTo(lines);
    finish();
    return;
  }
  const tick = (): void => {
    const due = Math.min(lines, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    writeUpTo(due);
    if (written >= lines) {
      finish();
      return;
    }
    // The next tick on the absolute schedule (a late one does not shift the ones after it).
    const next = TICK_MS - ((performance.now() - t0) % TICK_MS);
    setTimeout(tick, next);
  };
  tick();
}

main();
