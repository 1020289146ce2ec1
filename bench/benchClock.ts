// Relating wall-clock stamps that tasks write (bash $EPOCHREALTIME) to this process's performance.now() scale, on
// which the local agent records its calls and events.
import { summarize } from "./benchTable.js";

/** A sample counts only when the Date.now() tick was bracketed this tightly (no preemption inside it). */
const OFFSET_BRACKET_MS = 0.05;

/**
 * Wall-clock ms minus (timeOrigin + performance.now()), taken where Date.now() ticks to the next ms. The tick lies
 * between the previous Date.now() call and this one; only samples where that bracket is under OFFSET_BRACKET_MS count
 * (a preemption inside it, likely on a loaded 2-core machine, would shift the offset by its length), median of 5.
 */
export function wallClockOffsetMs(): number {
  const offsets: number[] = [];
  for (let attempts = 0; offsets.length < 5; attempts++) {
    if (attempts > 1000) throw new Error("could not measure the wall-clock offset (always preempted?)");
    let previousBefore = performance.now();
    const start = Date.now();
    for (;;) {
      const before = performance.now();
      const wall = Date.now();
      const after = performance.now();
      if (wall !== start) {
        if (after - previousBefore < OFFSET_BRACKET_MS) offsets.push(wall - (performance.timeOrigin + (previousBefore + after) / 2));
        break;
      }
      previousBefore = before;
    }
  }
  return summarize(offsets).median;
}

/** A wall-clock stamp (ms) on this process's performance.now() scale. */
export function toPerfMs(wallMs: number, offsetMs: number): number {
  return wallMs - offsetMs - performance.timeOrigin;
}
