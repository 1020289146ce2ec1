import assert from "node:assert/strict";
import { test } from "node:test";
import { histogramPercentile, parseWrkOutput, summarizeLoad, WrkReportError, type WrkRecord } from "./wrkReport.js";

const record: WrkRecord = {
  stoppedAt: 10_000,
  durationUs: 9_000_000,
  responses: 6,
  errors: { connect: 0, read: 1, write: 0, status: 1, timeout: 0 },
  threads: [
    {
      ids: 9,
      unmatched: 0,
      skipped: 2,
      // origin 1000: id 4 sent at second 2 (lost), id 9 sent 0.5 s before the stop (unfinished).
      pending: { "4": 3_500, "9": 9_500 },
      sent: { "0": 3, "2": 3, "8": 3 },
      ok: { "0": 3, "2": 1, "8": 1 },
      bad: { "2": 1, "8": 1 },
      statuses: { "200": 5, "503": 2 },
      hist: { "30": 4, "50": 2, "900": 1 },
      longHist: { "10000": 1 },
    },
  ],
};

test("every request sent has one outcome: 2xx, non-2xx, socket error, or unfinished at the stop", () => {
  const summary = summarizeLoad(record, 1_000, 2_000);
  assert.equal(summary.ok, 5);
  assert.equal(summary.non2xx, 2);
  assert.equal(summary.socketErrors, 1);
  assert.equal(summary.unfinishedAtStop, 1);
  assert.equal(summary.requests, 8);
  assert.deepEqual(summary.lostIds, [4]);
  assert.equal(summary.skipped, 2);
  // Seconds without traffic are there, with zeros (a plot needs them).
  assert.equal(summary.perSecond.length, 9);
  assert.deepEqual(summary.perSecond[2], { second: 2, sent: 3, ok: 1, non2xx: 1, socketErrors: 1 });
  assert.deepEqual(summary.perSecond[5], { second: 5, sent: 0, ok: 0, non2xx: 0, socketErrors: 0 });
  // Latency of the ordinary requests only (0.1 ms steps): 3.0 ×4, 5.0 ×2, 90.0 ×1.
  assert.equal(summary.p50Ms, 3);
  assert.equal(summary.p99Ms, 90);
  assert.equal(summary.maxMs, 90);
});

test("a wider unfinished window turns the lost request into an unfinished one", () => {
  const summary = summarizeLoad(record, 1_000, 7_000);
  assert.equal(summary.socketErrors, 0);
  assert.equal(summary.unfinishedAtStop, 2);
});

test("histogramPercentile: nearest rank; NaN when empty", () => {
  const hist = new Map([[10, 1], [20, 1], [30, 2]]);
  assert.equal(histogramPercentile(hist, 0.25), 1);
  assert.equal(histogramPercentile(hist, 0.5), 2);
  assert.equal(histogramPercentile(hist, 1), 3);
  assert.ok(Number.isNaN(histogramPercentile(new Map(), 0.5)));
});

test("parseWrkOutput finds the record among wrk's own lines, and names what is wrong otherwise", () => {
  const text = `Running 1s test @ http://127.0.0.1:1/\n  1 threads and 1 connections\nROLLING_WRK ${JSON.stringify(record)}\n`;
  assert.deepEqual(parseWrkOutput(text), record);
  assert.throws(() => parseWrkOutput("Running 1s test\n"), (e: unknown) => e instanceof WrkReportError && /no ROLLING_WRK line/.test(e.message));
  assert.throws(() => parseWrkOutput("ROLLING_WRK {oops"), (e: unknown) => e instanceof WrkReportError && /not JSON/.test(e.message));
  assert.throws(() => parseWrkOutput('ROLLING_WRK {"threads":[]}'), (e: unknown) => e instanceof WrkReportError && /lacks/.test(e.message));
});
