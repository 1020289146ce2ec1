// Splits a byte stream (a child's stdout or stderr) into text lines as it arrives.
import { StringDecoder } from "node:string_decoder";

/** Longest piece passed on at once: a longer line arrives in pieces. */
export const MAX_LINE = 4096;

/**
 * Text lines as they arrive (UTF-8 safe across chunks, "\r\n" accepted). A line longer than MAX_LINE is passed on in
 * pieces (`continues`: more of the same line follows), so that a program printing without newlines cannot make Berth
 * buffer without bound.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #onLine: (piece: string, continues: boolean) => void;
  #pending = "";

  constructor(onLine: (piece: string, continues: boolean) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    this.#pending += this.#decoder.write(chunk);
    let newline: number;
    while ((newline = this.#pending.indexOf("\n")) >= 0) {
      this.#emit(this.#pending.slice(0, newline));
      this.#pending = this.#pending.slice(newline + 1);
    }
    while (this.#pending.length > MAX_LINE) {
      this.#onLine(this.#pending.slice(0, MAX_LINE), true);
      this.#pending = this.#pending.slice(MAX_LINE);
    }
  }

  /** Emits a last line that had no newline. Idempotent. */
  end(): void {
    this.#pending += this.#decoder.end();
    if (this.#pending !== "") this.#emit(this.#pending);
    this.#pending = "";
  }

  #emit(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    for (let i = MAX_LINE; i < line.length; i += MAX_LINE) this.#onLine(line.slice(i - MAX_LINE, i), true);
    this.#onLine(line.slice(Math.max(0, Math.ceil(line.length / MAX_LINE) - 1) * MAX_LINE), false);
  }
}
