// Samples a process's memory and CPU time every `intervalMs` (on an absolute schedule) until stopped or until the
// process is gone, plus, optionally, one more figure per sample (the spool's size on disk). The last sample before the
// process exits carries its VmHWM, the peak of its resident memory over its whole life.
import { cpuMs, memoryOf } from "./procStats.js";

export interface ProcessSample {
  /** performance.now() of this process. */
  readonly at: number;
  readonly rssMb: number;
  readonly hwmMb: number;
  readonly cpuMs: number;
  readonly extra: number;
}

export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  readonly #pid: number;
  readonly #extra: () => number;
  readonly #timer: NodeJS.Timeout;
  #gone = false;

  constructor(pid: number, intervalMs: number, extra: () => number = () => 0) {
    this.#pid = pid;
    this.#extra = extra;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** True once a reading failed because the process is gone. */
  get gone(): boolean {
    return this.#gone;
  }

  /** One sample now (also called by the timer); nothing once the process is gone. */
  sample(): ProcessSample | undefined {
    if (this.#gone) return undefined;
    try {
      const memory = memoryOf(this.#pid);
      const sample = { at: performance.now(), rssMb: memory.rssMb, hwmMb: memory.hwmMb, cpuMs: cpuMs(this.#pid), extra: this.#extra() };
      this.samples.push(sample);
      return sample;
    } catch {
      this.#gone = true;
      clearInterval(this.#timer);
      return undefined;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Samples taken within [from, to] (performance.now()). */
  between(from: number, to: number): ProcessSample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }

  /** The last sample (its VmHWM is the peak so far). */
  get last(): ProcessSample | undefined {
    return this.samples[this.samples.length - 1];
  }
}
