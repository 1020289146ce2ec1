// Run settings shared by the fuzz suite (test/fuzz/*.test.ts). CI runs a few hundred cases per property from a
// fixed seed, so a failure reproduces; fast-check prints the seed and the shrunk counterexample either way.
//
//   BERTH_FUZZ_RUNS=100000   runs per property (process-spawning properties run a thousandth of it, at least 2)
//   BERTH_FUZZ_SEED=random   a new seed every run (printed on failure); BERTH_FUZZ_SEED=<integer> replays one
//
// e.g. npm run build && BERTH_FUZZ_RUNS=20000 BERTH_FUZZ_SEED=random node --test dist/test/fuzz/*.test.js
// (not scripts/run-tests.mjs: a deep run takes longer than its 120 s per file).
import type fc from "fast-check";

/** The fixed seed of CI runs. */
const CI_SEED = 0x6265_7274; // "bert"

const runsText = process.env.BERTH_FUZZ_RUNS;
const seedText = process.env.BERTH_FUZZ_SEED;
const deepRuns = runsText === undefined || runsText === "" ? undefined : Number(runsText);
if (deepRuns !== undefined && !(Number.isInteger(deepRuns) && deepRuns > 0)) {
  throw new Error(`BERTH_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(runsText)}`);
}
const seed = seedText === undefined || seedText === "" ? CI_SEED : seedText === "random" ? undefined : Number(seedText);
if (seed !== undefined && !Number.isInteger(seed)) {
  throw new Error(`BERTH_FUZZ_SEED must be "random" or an integer, got ${JSON.stringify(seedText)}`);
}

/**
 * fast-check parameters for one property: `ciRuns` cases in CI, BERTH_FUZZ_RUNS / `deepDivisor` in deep mode
 * (expensive properties divide it).
 */
export function fuzzParameters<T>(ciRuns: number, { deepDivisor = 1 }: { deepDivisor?: number } = {}): fc.Parameters<T> {
  const numRuns = deepRuns === undefined ? ciRuns : Math.max(ciRuns, Math.floor(deepRuns / deepDivisor));
  return { numRuns, ...(seed !== undefined ? { seed } : {}), reporter: compactReporter };
}

/** Longest string shown whole in a counterexample (the suite sends megabyte strings on purpose). */
const SHOWN_CHARS = 120;

/** Like fast-check's report, but long strings and byte arrays are cut, so that a failure stays readable. */
function compactReporter<T>(details: fc.RunDetails<T>): void {
  if (!details.failed) return;
  const replay = `{ seed: ${details.seed}, path: "${details.counterexamplePath ?? ""}" }`;
  const message = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const cause = message.length <= 4000 ? message : `${message.slice(0, 4000)}…(${message.length} chars)`;
  throw new Error(
    `Property failed after ${details.numRuns} test(s), shrunk ${details.numShrinks} time(s)\n` +
      `replay with BERTH_FUZZ_SEED=${details.seed} or fc.assert parameters ${replay}\n` +
      `Counterexample: ${compact(details.counterexample)}\n${cause}`,
    { cause: details.errorInstance },
  );
}

/** A readable rendering of any generated value, with long strings and byte arrays cut. */
export function compact(value: unknown): string {
  if (typeof value === "string") {
    return value.length <= SHOWN_CHARS ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, SHOWN_CHARS))}…(${value.length} chars)`;
  }
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.subarray(0, SHOWN_CHARS / 2)).toString("hex");
    return `<${value.length} bytes ${hex}${value.length > SHOWN_CHARS / 2 ? "…" : ""}>`;
  }
  if (Array.isArray(value)) return `[${value.map(compact).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${compact(item)}`).join(", ")}}`;
  }
  if (typeof value === "number" && Object.is(value, -0)) return "-0";
  return String(value);
}
