// What the benchmark reads of a process in /proc: its own CPU time (utime + stime of /proc/<pid>/stat, all its threads,
// not its children's) and its resident memory (VmRSS now, VmHWM: the peak since it started).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return clockTicks;
}

/** utime + stime of one process (its own CPU, all threads, not its children's), in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state) of proc(5); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
}

export interface Memory {
  /** VmRSS, MiB. */
  readonly rssMb: number;
  /** VmHWM (the peak of VmRSS since the process started), MiB. */
  readonly hwmMb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    if (!match) throw new Error(`no ${name} for pid ${pid}`);
    return Number(match[1]) / 1024;
  };
  return { rssMb: field("VmRSS"), hwmMb: field("VmHWM") };
}

/** CPU % of one core used by `pid` between two readings. */
export class CpuWindow {
  readonly #pid: number;
  readonly #cpu0: number;
  readonly #t0: number;

  constructor(pid: number) {
    this.#pid = pid;
    this.#cpu0 = cpuMs(pid);
    this.#t0 = performance.now();
  }

  /** { cpuMs used, wallMs elapsed, pct of one core } since the start. */
  read(): { cpuMs: number; wallMs: number; pct: number } {
    const used = cpuMs(this.#pid) - this.#cpu0;
    const wallMs = performance.now() - this.#t0;
    return { cpuMs: used, wallMs, pct: (used / wallMs) * 100 };
  }
}
