// Preloaded into the lifecycle benchmark's executors (`node --expose-gc --import …/gcOnSignal.js`): on SIGUSR2, a
// full garbage collection, then one line on stderr with the memory after it, so that the benchmark can report RSS
// without heap slack next to the raw figure (slack is not a leak). Not part of Berth.
let seq = 0;
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stderr.write(`bench-gc seq=${++seq} rss_bytes=${rss} heap_used_bytes=${heapUsed}\n`);
});
