// What bench/rolling/rate.lua prints when wrk stops (`ROLLING_WRK <json>`), and the per-request outcome summary
// made from it: every request the script sent is a 2xx, a non-2xx, a socket error (no response: the connection failed
// under it), or unfinished when the load stopped (sent in the last moments, not an outcome).

/** One wrk thread's record (numbers keyed by second, status or 0.1 ms step, as JSON object keys). */
export interface WrkThreadRecord {
  readonly ids: number;
  readonly unmatched: number;
  readonly skipped: number;
  /** Request id → send time (CLOCK_MONOTONIC ms) of requests without a response. */
  readonly pending: Readonly<Record<string, number>>;
  readonly sent: Readonly<Record<string, number>>;
  readonly ok: Readonly<Record<string, number>>;
  readonly bad: Readonly<Record<string, number>>;
  readonly statuses: Readonly<Record<string, number>>;
  readonly hist: Readonly<Record<string, number>>;
  readonly longHist: Readonly<Record<string, number>>;
}

export interface WrkRecord {
  /** CLOCK_MONOTONIC ms when wrk stopped. */
  readonly stoppedAt: number;
  readonly durationUs: number;
  /** wrk's own count of responses. */
  readonly responses: number;
  /** wrk's own error counters (a read error can also be an idle connection closed between requests). */
  readonly errors: { readonly connect: number; readonly read: number; readonly write: number; readonly status: number; readonly timeout: number };
  readonly threads: readonly WrkThreadRecord[];
}

export class WrkReportError extends Error {
  readonly code = "ROLLING_WRK_REPORT";
}

/** The `ROLLING_WRK` line of wrk's output, parsed; throws a WrkReportError naming what is wrong. */
export function parseWrkOutput(stdout: string): WrkRecord {
  const line = stdout.split("\n").find((l) => l.startsWith("ROLLING_WRK "));
  if (line === undefined) throw new WrkReportError(`wrk printed no ROLLING_WRK line (did the script run?): ${JSON.stringify(stdout.slice(-500))}`);
  let value: unknown;
  try {
    value = JSON.parse(line.slice("ROLLING_WRK ".length));
  } catch (cause) {
    throw new WrkReportError(`the ROLLING_WRK line is not JSON: ${(cause as Error).message}`, { cause });
  }
  const record = value as Partial<WrkRecord>;
  if (typeof record.stoppedAt !== "number" || typeof record.responses !== "number" || !Array.isArray(record.threads) || typeof record.errors !== "object") {
    throw new WrkReportError(`the ROLLING_WRK record lacks stoppedAt, responses, errors or threads: ${line.slice(0, 300)}`);
  }
  return record as WrkRecord;
}

export interface SecondCounts {
  /** Seconds since the origin given to the script (the second a request was sent). */
  readonly second: number;
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

export interface LoadSummary {
  /** Requests with an outcome: 2xx + non-2xx + socket errors. */
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  /** Sent within `unfinishedWindowMs` of the stop and not answered yet: no outcome, left out. */
  readonly unfinishedAtStop: number;
  /** Responses whose x-id matched no request (should be 0). */
  readonly unmatched: number;
  /** Slots given up because every connection was busy for over 1 s. */
  readonly skipped: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Ids of the requests counted as socket errors (the first 1,000), to find them in HAProxy's log. */
  readonly lostIds: readonly number[];
  /** Latency of the ordinary requests (not /slow), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly perSecond: readonly SecondCounts[];
  /** The load's span in seconds (wrk's own duration). */
  readonly durationS: number;
  readonly wrkErrors: WrkRecord["errors"];
}

/** Nearest-rank percentile of a histogram in 0.1 ms steps, in ms. */
export function histogramPercentile(hist: ReadonlyMap<number, number>, fraction: number): number {
  const steps = [...hist.keys()].sort((a, b) => a - b);
  const total = steps.reduce((sum, s) => sum + (hist.get(s) ?? 0), 0);
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (const step of steps) {
    seen += hist.get(step) ?? 0;
    if (seen >= rank) return step / 10;
  }
  return (steps[steps.length - 1] as number) / 10;
}

/**
 * Every request's outcome. A request still pending at the stop is a socket error if it was sent more than
 * `unfinishedWindowMs` before wrk stopped (far longer than any request takes), else unfinished.
 */
export function summarizeLoad(record: WrkRecord, origin: number, unfinishedWindowMs: number): LoadSummary {
  const add = (map: Map<number, number>, key: number, n: number): void => void map.set(key, (map.get(key) ?? 0) + n);
  const sent = new Map<number, number>();
  const ok = new Map<number, number>();
  const bad = new Map<number, number>();
  const lost = new Map<number, number>();
  const hist = new Map<number, number>();
  const statuses: Record<string, number> = {};
  const lostIds: number[] = [];
  let unfinished = 0;
  let unmatched = 0;
  let skipped = 0;
  for (const thread of record.threads) {
    unmatched += thread.unmatched;
    skipped += thread.skipped;
    for (const [k, v] of Object.entries(thread.sent)) add(sent, Number(k), v);
    for (const [k, v] of Object.entries(thread.ok)) add(ok, Number(k), v);
    for (const [k, v] of Object.entries(thread.bad)) add(bad, Number(k), v);
    for (const [k, v] of Object.entries(thread.hist)) add(hist, Number(k), v);
    for (const [k, v] of Object.entries(thread.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    for (const [id, sentAt] of Object.entries(thread.pending)) {
      if (sentAt >= record.stoppedAt - unfinishedWindowMs) {
        unfinished += 1;
      } else {
        add(lost, Math.floor((sentAt - origin) / 1000), 1);
        if (lostIds.length < 1_000) lostIds.push(Number(id));
      }
    }
  }
  const sum = (map: Map<number, number>): number => [...map.values()].reduce((a, b) => a + b, 0);
  const seconds = [...new Set([...sent.keys(), ...ok.keys(), ...bad.keys(), ...lost.keys()])].sort((a, b) => a - b);
  const first = seconds[0] ?? 0;
  const last = seconds[seconds.length - 1] ?? -1;
  const perSecond: SecondCounts[] = [];
  for (let second = first; second <= last; second++) {
    perSecond.push({ second, sent: sent.get(second) ?? 0, ok: ok.get(second) ?? 0, non2xx: bad.get(second) ?? 0, socketErrors: lost.get(second) ?? 0 });
  }
  const okCount = sum(ok);
  const non2xx = sum(bad);
  const socketErrors = sum(lost);
  return {
    requests: okCount + non2xx + socketErrors,
    ok: okCount,
    non2xx,
    socketErrors,
    unfinishedAtStop: unfinished,
    unmatched,
    skipped,
    statuses,
    lostIds: lostIds.sort((a, b) => a - b),
    p50Ms: histogramPercentile(hist, 0.5),
    p99Ms: histogramPercentile(hist, 0.99),
    maxMs: Math.max(...[...hist.keys()].map((s) => s / 10), 0),
    perSecond,
    durationS: record.durationUs / 1e6,
    wrkErrors: record.errors,
  };
}
