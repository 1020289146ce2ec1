// Waiting on facts outside the agent (a file a process writes, /proc) with a deadline. Agent state is awaited
// through the agent's own wait* methods, which need no polling.
import { setTimeout as delay } from "node:timers/promises";

export async function waitFor<T>(
  check: () => T | undefined | false,
  { timeoutMs = 10_000, intervalMs = 10, what = "a condition" }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
