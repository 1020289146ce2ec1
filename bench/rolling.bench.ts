// `npm run bench:rolling`: proof under load. A real HAProxy in front of 3 instances of examples/rolling-service, each
// a task under the real `berth executor` on the local agent, wrk at a fixed 2,000 requests/s over keep-alive
// connections for the whole run, and 10 rolling restarts (start one, wait until it is registered and healthy, kill the
// oldest, wait until it is gone) — with Berth's registration and drain, and in the same run with two baselines: an
// event-driven registrar and the command executor's kill (bench/rolling/rollingScenario.ts explains each). Four
// variants of the service: well behaved, ignoring SIGTERM, slow to become ready, with 1 s requests in flight.
// Not a test: nothing is asserted, every number is reported as measured. Writes the "## Rolling restarts" section of
// BENCHMARKS.md and bench/rolling.svg; the last line is
//   rolling: requests=<n> berth_errors=<n> baseline_errors=<n> restarts=<n>
import { loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../test/helpers/fixtures.js";
import { describeMachine, fmt, markdownTable, positiveIntFromEnv, summarize, writeSection } from "./benchTable.js";
import { errorsPlotSvg, type PlotPanel } from "./rolling/errorsPlot.js";
import { MODE_TITLES, runRollingScenario, type Mode, type ScenarioResult, type Variant } from "./rolling/rollingScenario.js";

// The defaults are the benchmark; the variables only exist to try the script quickly.
const RESTARTS = positiveIntFromEnv("BENCH_ROLLING_RESTARTS", 10);
const RATE = positiveIntFromEnv("BENCH_ROLLING_RATE", 2000);
const INSTANCES = 3;
const CONNECTIONS = 64;
const ONLY_VARIANTS = process.env.BENCH_ROLLING_VARIANTS?.split(",");

const VARIANTS: readonly Variant[] = [
  { name: "well behaved", readyAfterMs: 1000, ignoreSigterm: false, longEvery: 0, longMs: 1000, graceMs: 5000 },
  { name: "ignores SIGTERM", readyAfterMs: 1000, ignoreSigterm: true, longEvery: 0, longMs: 1000, graceMs: 2000 },
  { name: "slow to become ready", readyAfterMs: 4000, ignoreSigterm: false, longEvery: 0, longMs: 1000, graceMs: 5000 },
  // 1 request in 200 takes 1 s: ~10 of them start each second, so each instance has a few in flight at any kill.
  { name: "1 s requests in flight", readyAfterMs: 1000, ignoreSigterm: false, longEvery: 200, longMs: 1000, graceMs: 5000 },
];
const MODES: readonly Mode[] = ["berth", "registrar", "command"];
const COLORS: Readonly<Record<Mode, string>> = { berth: "#1a7f37", registrar: "#cf222e", command: "#0969da" };
const SHORT: Readonly<Record<Mode, string>> = { berth: "Berth", registrar: "registrar", command: "command executor" };

const out = (line: string): void => void process.stdout.write(`${line}\n`);

interface Run {
  readonly variant: Variant;
  readonly mode: Mode;
  readonly result?: ScenarioResult;
  readonly error?: string;
}

const failed = (r: ScenarioResult): number => r.load.non2xx + r.load.socketErrors;
const median = (values: number[]): number => (values.length === 0 ? NaN : summarize(values).median);

async function main(): Promise<void> {
  const started = performance.now();
  out(`bench:rolling — ${describeMachine()}`);
  out(`${INSTANCES} instances, ${RESTARTS} restarts per run, ${RATE} req/s over ${CONNECTIONS} keep-alive connections (wrk), HAProxy 2.6 with retries 0`);
  const runs: Run[] = [];
  for (const variant of VARIANTS.filter((v) => !ONLY_VARIANTS || ONLY_VARIANTS.includes(v.name))) {
    for (const mode of MODES) {
      out(`${variant.name} / ${SHORT[mode]}`);
      try {
        const result = await runRollingScenario({
          mode,
          variant,
          instances: INSTANCES,
          restarts: RESTARTS,
          ratePerSecond: RATE,
          connections: CONNECTIONS,
          steadyRequests: 2 * RATE,
          stepTimeoutMs: 120_000,
          signal: AbortSignal.timeout(20 * 60_000),
          log: out,
        });
        runs.push({ variant, mode, result });
        const { load, haproxy } = result;
        out(
          `  requests ${load.requests}, non-2xx ${load.non2xx}, socket errors ${load.socketErrors}, p50 ${fmt(load.p50Ms)} ms, p99 ${fmt(load.p99Ms)} ms` +
            ` (unfinished at the stop ${load.unfinishedAtStop}, unmatched ${load.unmatched}, skipped ${load.skipped});` +
            ` HAProxy: ${haproxy.serverErrors} 5xx, terminations ${JSON.stringify(haproxy.terminations)}, ${haproxy.retried} retried`,
        );
      } catch (error) {
        runs.push({ variant, mode, error: (error as Error).message });
        out(`  FAILED: ${(error as Error).message}`);
      }
    }
  }

  const rows = runs.map(({ variant, mode, result, error }) => {
    if (!result) return [variant.name, SHORT[mode], `failed: ${(error ?? "").replace(/\|/g, "/").slice(0, 120)}`, "", "", "", "", "", "", "", ""];
    const { load, haproxy, restarts } = result;
    const percent = load.requests > 0 ? (100 * failed(result)) / load.requests : 0;
    return [
      variant.name,
      mode === "berth" ? `**${SHORT[mode]}**` : SHORT[mode],
      String(load.requests),
      String(load.non2xx),
      String(load.socketErrors),
      `${failed(result)} (${fmt(percent, 2)} %)`,
      String(haproxy.serverErrors),
      fmt(load.p50Ms),
      fmt(load.p99Ms),
      fmt(median(restarts.map((r) => r.goneS - r.startedS)), 2),
      fmt(median(restarts.map((r) => r.goneS - r.killedS)), 2),
    ];
  });
  const table = markdownTable(
    ["variant", "mode", "requests", "non-2xx", "socket errors", "failed", "HAProxy 5xx", "p50 ms", "p99 ms", "s / restart", "s kill → gone"],
    rows,
    ["left", "left", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
  );
  out("");
  out(table);

  const panels: PlotPanel[] = [...new Set(runs.map((r) => r.variant))].map((variant) => ({
    title: `${variant.name} — failed requests: ${MODES.map((mode) => {
      const result = runs.find((r) => r.variant === variant && r.mode === mode)?.result;
      return `${SHORT[mode]} ${result ? failed(result) : "(run failed)"}`;
    }).join(", ")}`,
    // Berth last: drawn on top of the others.
    series: [...MODES.filter((m) => m !== "berth"), "berth" as const].map((mode) => {
      const result = runs.find((r) => r.variant === variant && r.mode === mode)?.result;
      return {
        label: SHORT[mode],
        color: COLORS[mode],
        points: (result?.load.perSecond ?? []).map((s) => [s.second + 0.5, s.non2xx + s.socketErrors] as const),
      };
    }),
  }));
  const plotPath = join(repoRoot, "bench", "rolling.svg");
  writeFileSync(plotPath, errorsPlotSvg(`Failed requests per second during ${RESTARTS} rolling restarts at ${RATE} req/s`, panels));

  const berth = runs.filter((r) => r.mode === "berth");
  const baselines = runs.filter((r) => r.mode !== "berth");
  const total = (list: Run[], f: (r: ScenarioResult) => number): number => list.reduce((sum, r) => sum + (r.result ? f(r.result) : 0), 0);
  const requests = total(runs, (r) => r.load.requests);
  const berthErrors = total(berth, failed);
  const baselineErrors = total(baselines, failed);
  const restarts = Math.min(...runs.map((r) => r.result?.restarts.length ?? 0));
  const unfinished = Math.max(0, ...runs.map((r) => r.result?.load.unfinishedAtStop ?? 0));
  const unmatched = total(runs, (r) => r.load.unmatched);
  const skipped = total(runs, (r) => r.load.skipped);
  const retried = total(runs, (r) => r.haproxy.retried + r.haproxy.redispatched);
  const leftovers = total(runs, (r) => r.leftovers.length);
  const minutes = (performance.now() - started) / 60_000;

  const modeLines = MODES.map((m) => `- **${SHORT[m]}**: ${MODE_TITLES[m]}.`);
  writeSection(
    join(repoRoot, "BENCHMARKS.md"),
    "## Rolling restarts",
    `
\`npm run bench:rolling\` (${fmt(minutes, 1)} min) — ${describeMachine()}; load average (1/5/15 min) at the end
${loadavg().map((l) => l.toFixed(1)).join(" / ")}, the bench's own load included. Latencies and restart times depend on the machine; the error counts do not.

A real HAProxy 2.6 (\`balance roundrobin\`, \`retries 0\`, no \`option redispatch\`) in front of ${INSTANCES} instances of
[examples/rolling-service](examples/rolling-service/) (ready after 1 s, requests of ~3 ms, finishes what is in flight on
SIGTERM, keep-alive), each a task under the real \`berth executor\` on the local agent. wrk sends ${RATE} requests/s at a fixed
rate over ${CONNECTIONS} keep-alive connections for the whole run ([bench/rolling/rate.lua](bench/rolling/rate.lua): every request is matched to
its response, so a request without one is counted). ${RESTARTS} rolling restarts per run: start an instance, wait until it is in
HAProxy and healthy, kill the oldest, wait until it is gone. The same in every mode:

${modeLines.join("\n")}

In the baselines Berth runs the task without registration: a KILL is SIGTERM at once, SIGKILL after the grace, as with
the command executor; the registrar reacts to each event at once (the best case for such tools).

${table}

- *failed* = non-2xx + socket errors, over *requests* (every request sent, but those still unanswered when the load
  stopped). Variants: *ignores SIGTERM* (SIGKILL after a 2 s grace), *slow to become ready* (4 s), *1 s requests in
  flight* (1 request in 200 takes 1 s; p50/p99 are of the other requests).
- *socket errors*: the client's connection closed with no response. Those requests are missing from HAProxy's log
  (so *HAProxy 5xx*, from that log, does not count them), and each went to the instance being stopped while it
  closed its idle keep-alive connections: HAProxy dropped the client's connection without an answer. A browser
  would retry such a GET; wrk, like many API clients, does not.
- *non-2xx* in the baselines: 503 from HAProxy for connections the stopping instance refused (\`SC\` in HAProxy's
  log), and 503 "warming up" from an instance registered before it was ready (registrar). With \`retries\` and
  \`option redispatch\` HAProxy would retry refused connections on another server (latency instead of errors, and
  only in its log); the warming 503s are answers, not connection failures, and would still reach the clients.
- Bookkeeping: at most ${unfinished} request(s) per run were still unanswered when the load stopped (not counted),
  ${unmatched} response(s) matched no request, ${skipped} rate slot(s) were given up because every connection was busy,
  HAProxy's log shows ${retried} retried or redispatched session(s), and ${leftovers} process(es) outlived their run.
- *s / restart*: median from starting the new instance to the old one gone; *s kill → gone*: from the KILL.

![Failed requests per second, per variant and mode](bench/rolling.svg)

\`rolling: requests=${requests} berth_errors=${berthErrors} baseline_errors=${baselineErrors} restarts=${restarts}\`
`,
  );
  out("");
  out(`BENCHMARKS.md "## Rolling restarts" and bench/rolling.svg written (${fmt(minutes, 1)} min)`);
  if (runs.some((r) => r.error)) process.exitCode = 1;
  out(`rolling: requests=${requests} berth_errors=${berthErrors} baseline_errors=${baselineErrors} restarts=${restarts}`);
}

await main();
