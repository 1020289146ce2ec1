// berth dev's output: one timeline of phases and statuses, each line with the time since the start
// ("  +0.421s  TASK_RUNNING"), the executor's own diagnostics marked as such ("executor: …", dim on a terminal), the
// task's output as it is, and on a terminal a live line for what is being waited for (health, readiness, a drain).
// An instance's executor diagnostics and task output are held back until its first status (TASK_STARTING) is shown:
// they travel on a pipe, the status through the agent, and the pipe is usually faster.
import type { FieldValue } from "../logs/logEvent.js";
import { logfmtValue } from "../logs/logfmtEncoder.js";
import { LineSplitter } from "../logs/lineSplitter.js";

export interface TimelineOptions {
  /** Timeline, diagnostics, the task's stdout. */
  out: (text: string) => void;
  /** The task's stderr. */
  err: (text: string) => void;
  /** Milliseconds; the start of the run is the first call. */
  now: () => number;
  /** A terminal: dim diagnostics and a live progress line. */
  tty: boolean;
}

interface InstanceOutput {
  open: boolean;
  held: (() => void)[];
  splitters: Map<string, LineSplitter>;
  taskId: string;
}

export class Timeline {
  readonly #options: TimelineOptions;
  readonly #started: number;
  readonly #instances = new Map<number, InstanceOutput>();
  readonly #progress = new Map<string, { text: string; since: number }>();
  #liveShown = false;
  #ticker: NodeJS.Timeout | undefined;
  /** Show "[n]" before an instance's lines (several instances, or a restart, exist). */
  tagged = false;
  /** The executors' raw task output (false under --logs, where the shipped events are shown instead). */
  rawTaskOutput = true;

  constructor(options: TimelineOptions) {
    this.#options = options;
    this.#started = options.now();
  }

  /** "+1.234s" since the start. */
  elapsed(at = this.#options.now()): string {
    return `+${((at - this.#started) / 1000).toFixed(3)}s`;
  }

  /** One timeline line, optionally for an instance. */
  line(text: string, instance?: number): void {
    this.#write("out", `${this.elapsed().padStart(9)}  ${this.#tag(instance)}${text}\n`);
  }

  /** A line that is not an event (warnings, the summary): no time. */
  plain(text: string): void {
    this.#write("out", `${text}\n`);
  }

  /** Registers an instance; its output is held until `open(instance)`. */
  addInstance(instance: number, taskId: string): void {
    this.#instances.set(instance, { open: false, held: [], splitters: new Map(), taskId });
  }

  /** Its first status was shown: print what it held back, then pass its output straight through. */
  open(instance: number): void {
    const state = this.#instances.get(instance);
    if (!state || state.open) return;
    state.open = true;
    for (const print of state.held.splice(0)) print();
  }

  /** A chunk of the executor's stdout or stderr (the task shares both; the executor's diagnostics start "berth: "). */
  output(instance: number, stream: "stdout" | "stderr", chunk: Buffer | string): void {
    const state = this.#instances.get(instance);
    if (!state) return;
    let splitter = state.splitters.get(stream);
    if (!splitter) {
      splitter = new LineSplitter((line, continues) => this.#outputLine(instance, stream, line, continues));
      state.splitters.set(stream, splitter);
    }
    splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }

  /** Prints what an instance's splitters still hold (a last line without a newline). */
  flush(instance: number): void {
    const state = this.#instances.get(instance);
    if (!state) return;
    for (const splitter of state.splitters.values()) splitter.end();
    this.open(instance);
  }

  #outputLine(instance: number, stream: "stdout" | "stderr", line: string, continues: boolean): void {
    const state = this.#instances.get(instance)!;
    const print = (): void => {
      if (stream === "stderr" && line.startsWith("berth: ")) {
        this.#write("out", `${this.elapsed().padStart(9)}  ${this.#tag(instance)}${this.#dim(`executor: ${executorFields(line, state.taskId)}`)}\n`);
      } else if (this.rawTaskOutput) {
        this.#write(stream === "stdout" ? "out" : "err", `${this.tagged ? `[${instance}] ` : ""}${line}${continues ? "" : "\n"}`);
      }
    };
    if (state.open) print();
    else state.held.push(print);
  }

  /**
   * A task's line as the log pipeline shipped it (--logs): `stdout │ message` and its fields, dimmed; the task's
   * metadata, the same on every line, is left out.
   */
  logEvent(event: Readonly<Record<string, unknown>>): void {
    const taskId = String(event["task-id"] ?? "");
    const instance = [...this.#instances].find(([, state]) => state.taskId === taskId)?.[0];
    const stream = String(event.stream ?? "?");
    const fields = Object.entries(event)
      .filter(([key]) => !LOG_ENVELOPE.has(key))
      .map(([key, value]) => `${key}=${logfmtValue(value as FieldValue)}`)
      .join(" ");
    const message = String(event.message ?? "");
    const print = (): void =>
      this.#write("out", `${instance !== undefined && this.tagged ? `[${instance}] ` : ""}${(event.hook ? `hook ${String(event.hook)}` : stream).padEnd(6)} │ ${message}${fields ? `  ${this.#dim(fields)}` : ""}\n`);
    const state = instance === undefined ? undefined : this.#instances.get(instance);
    if (!state || state.open) print();
    else state.held.push(print);
  }

  /** Sets (or with undefined, clears) one entry of the live line, e.g. "[1] waiting for health". Terminal only. */
  progress(key: string, text: string | undefined): void {
    if (text === undefined) this.#progress.delete(key);
    else if (this.#progress.get(key)?.text !== text) this.#progress.set(key, { text, since: this.#options.now() });
    if (!this.#options.tty) return;
    if (this.#progress.size > 0 && !this.#ticker) {
      this.#ticker = setInterval(() => this.#redraw(), 200);
      this.#ticker.unref();
    } else if (this.#progress.size === 0 && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    this.#redraw();
  }

  /** Clears the live line and stops its timer. */
  close(): void {
    this.#progress.clear();
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#clearLive();
  }

  #tag(instance: number | undefined): string {
    return this.tagged && instance !== undefined ? `[${instance}] ` : "";
  }

  #dim(text: string): string {
    return this.#options.tty ? `\x1b[2m${text}\x1b[22m` : text;
  }

  #clearLive(): void {
    if (this.#liveShown) this.#options.out("\r\x1b[K");
    this.#liveShown = false;
  }

  #redraw(): void {
    if (!this.#options.tty) return;
    this.#clearLive();
    if (this.#progress.size === 0) return;
    const now = this.#options.now();
    const parts = [...this.#progress.values()].map(({ text, since }) => `${text} ${((now - since) / 1000).toFixed(1)}s`);
    const columns = process.stdout.columns || 100;
    this.#options.out(this.#dim(`  … ${parts.join(" · ")}`.slice(0, columns - 1)));
    this.#liveShown = true;
  }

  #write(stream: "out" | "err", text: string): void {
    this.#clearLive();
    (stream === "out" ? this.#options.out : this.#options.err)(text);
    if (this.#progress.size > 0) this.#redraw();
  }
}

/** "berth: ts=… level=info msg=… executor=… task=T k=v" → "msg=… k=v" (the timeline has the time and the instance). */
export function executorFields(line: string, taskId?: string): string {
  let fields = line.slice("berth: ".length).replace(/(^| )(ts|executor)=\S+/g, "").replace(/(^| )level=info\b/, "");
  if (taskId !== undefined) fields = fields.split(` task=${taskId}`).join("").split(`task=${taskId} `).join("");
  return fields.trim();
}

/** Fields every shipped line of a task carries (shown once, in the launch line) or that the line itself shows. */
const LOG_ENVELOPE = new Set(["@timestamp", "@version", "message", "stream", "hook", "task-id", "instance-id", "framework-id", "srchost", "app"]);
