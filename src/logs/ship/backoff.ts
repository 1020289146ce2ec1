// Reconnect delays: exponential from `minMs`, capped at `maxMs`, with "equal jitter" (half fixed, half random) so
// that the executors of many tasks that lost the same receiver do not reconnect in lockstep, yet never retry at once.

export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** In [0, 1); injectable for tests. */
  readonly random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0 = the first retry). Always within [minMs/2, maxMs]. */
export function backoffDelay(attempt: number, { minMs, maxMs, random = Math.random }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt), 40));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
