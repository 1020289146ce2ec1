import assert from "node:assert/strict";
import { test } from "node:test";
import { CpuWindow, cpuMs, memoryOf } from "./procStats.js";

test("cpuMs grows with work done; a busy window is near a whole core, memory has a peak ≥ now", () => {
  const before = cpuMs(process.pid);
  const window = new CpuWindow(process.pid);
  const end = performance.now() + 200;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const { pct, wallMs, cpuMs: used } = window.read();
  assert.ok(cpuMs(process.pid) > before);
  assert.ok(wallMs >= 200);
  assert.ok(used > 0 && pct > 0 && pct <= 100 * 4, `pct ${pct}`);
  const memory = memoryOf(process.pid);
  assert.ok(memory.rssMb > 1 && memory.hwmMb >= memory.rssMb);
  assert.throws(() => memoryOf(2 ** 22 + 12345));
});
