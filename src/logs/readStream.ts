// Reading a task's pipe: every chunk handed on as it arrives, the pipe paused only while something downstream is
// congested (a sandbox file at the disk's pace, the log thread at the parser's), so that every byte gets everywhere
// and nothing is dropped for speed.

import type { Readable } from "node:stream";

/** Something that can ask the reader to wait: SandboxFile, LogThread. */
export interface Congestible {
  readonly congested: boolean;
  /** Resolves once there is room again. */
  drained(): Promise<void>;
}

/**
 * Hands every chunk of `source` to `onChunk` until it ends, closes or fails. An abort of `signal` stops reading at
 * once and destroys the source, so that a process left holding the pipe's write end cannot hold the reader. Never
 * rejects; resolves once reading has stopped.
 */
export function readStream(
  source: Readable,
  onChunk: (chunk: Buffer) => void,
  { signal, downstream = [] }: { readonly signal?: AbortSignal; readonly downstream?: readonly (Congestible | undefined)[] } = {},
): Promise<void> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer | string): void => {
      onChunk(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      pauseWhileCongested(source, downstream);
    };
    const done = (): void => {
      source.off("data", onData);
      source.off("end", done);
      source.off("close", done);
      source.off("error", done);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = (): void => {
      done();
      source.destroy();
    };
    // Never removed: an error emitted after the end must not become an uncaught exception.
    source.on("error", () => undefined);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    source.on("data", onData);
    source.once("end", done);
    source.once("close", done);
    // A read error (EIO…) ends the reading; what was read is kept.
    source.once("error", done);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (source.readableEnded || source.destroyed) done();
  });
}

/** Pauses `source` while any of `downstream` is congested; resumes once each has drained. */
export function pauseWhileCongested(source: Readable, downstream: readonly (Congestible | undefined)[]): void {
  if (source.isPaused()) return;
  const congested = downstream.filter((sink): sink is Congestible => sink?.congested === true);
  if (congested.length === 0) return;
  source.pause();
  void Promise.all(congested.map((sink) => sink.drained())).then(() => {
    source.resume();
    pauseWhileCongested(source, downstream);
  });
}
