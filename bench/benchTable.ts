// Shared by the benchmarks: summary statistics of repeated samples, a markdown table, the machine description, and
// replacing one "## Section" of BENCHMARKS.md so that each benchmark owns its own section.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** A benchmark's size from the environment (`BENCH_RUNS=3`…), to try the script quickly; the default is the benchmark. */
export function positiveIntFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

export interface Summary {
  n: number;
  median: number;
  /** Nearest-rank 90th percentile. */
  p90: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number): number => sorted[Math.min(n - 1, Math.max(0, i))] as number;
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  return { n, median, p90: at(Math.ceil(0.9 * n) - 1), min: at(0), max: at(n - 1) };
}

/** Fixed `digits` decimals ("12.0"): never more, as the one-line summaries promise. */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(digits);
}

/** "2.4×" — how many times the baseline. */
export function ratio(value: number, baseline: number): string {
  return baseline > 0 ? `${(value / baseline).toFixed(1)}×` : "—";
}

export type Align = "left" | "right";

/** A GitHub-flavoured markdown table; cells are used verbatim (escape "|" yourself). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const rule = headers.map((_, i) => (align[i] === "right" ? "---:" : "---"));
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(headers), line(rule), ...rows.map(line)].join("\n");
}

/** Columns n/median/p90/min/max of a summary, formatted. */
export function summaryCells(summary: Summary, digits = 1): string[] {
  return [String(summary.n), fmt(summary.median, digits), fmt(summary.p90, digits), fmt(summary.min, digits), fmt(summary.max, digits)];
}

export interface MachineInfo {
  /** ISO date (UTC) of the run. */
  date: string;
  node: string;
  nproc: number;
  cpuModel: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // not Linux: keep "unknown"
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    nproc: availableParallelism(),
    cpuModel,
    platform: `${process.platform}/${process.arch}`,
  };
}

export function describeMachine(info: MachineInfo = machineInfo()): string {
  return `${info.date}, Node ${info.node}, ${info.platform}, ${info.nproc} CPU(s) (nproc), ${info.cpuModel}`;
}

const FILE_HEADER = `# Benchmarks

Measured numbers, each section written by its benchmark (rerun the command shown in a section to reproduce it).
Timings are medians of repeated runs on the machine named in the section; they vary between machines, compare the
ratios to the baselines measured in the same run.
`;

/**
 * Writes `body` under `heading` (e.g. "## Executor") in the markdown file: replaces that section (up to the next
 * heading of the same or a higher level) or appends it; creates the file with a short header if missing.
 */
export function writeSection(path: string, heading: string, body: string): void {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const section = `${heading}\n\n${body.trim()}\n`;
  const text = existsSync(path) ? readFileSync(path, "utf8") : FILE_HEADER;
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const isBoundary = (l: string): boolean => {
    const m = /^(#+)\s/.exec(l);
    return m !== null && (m[1] as string).length <= level;
  };
  let end = lines.findIndex((l, i) => i > start && isBoundary(l));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join("\n").trimEnd();
  const after = lines.slice(end).join("\n").trim();
  writeFileSync(path, `${before}\n\n${section}${after ? `\n${after}\n` : ""}`);
}
