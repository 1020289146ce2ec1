// What the executor's main thread and its log thread say to each other (structured clone over the worker's port).
// Bytes go one way, in order per stream. How many bytes the log thread has consumed is a shared counter, not a
// message (a message wakes the other thread, which costs more than the parsing of a small chunk): the main thread
// reads it to bound what is in flight, and asks for a "room" message only while it waits. Counters come back every
// second for the metrics.
import type { LogFields, LogLevel } from "../../logger.js";
import type { TaskLogCounters } from "./taskLogPipeline.js";

export type TaskStream = "stdout" | "stderr";

export type ToLogThread =
  | { readonly type: "chunk"; readonly stream: TaskStream; readonly bytes: Uint8Array }
  | { readonly type: "hook"; readonly hook: string; readonly line: string }
  | { readonly type: "end"; readonly stream: TaskStream }
  /** Deliver what is queued and spooled; answered by "flushed". */
  | { readonly type: "flush" }
  /** The flush's deadline came: give up what is left (counted as dropped). */
  | { readonly type: "abort" }
  /** Stop the sinks; answered by "closed". */
  | { readonly type: "close" };

export type FromLogThread =
  /** The consumed counter reached the level the main thread asked for (SHARED_WAKE_AT). */
  | { readonly type: "room" }
  | { readonly type: "log"; readonly level: LogLevel; readonly message: string; readonly fields: LogFields }
  | { readonly type: "counters"; readonly counters: TaskLogCounters }
  | { readonly type: "flushed"; readonly complete: boolean; readonly dropped: number; readonly counters: TaskLogCounters }
  | { readonly type: "closed"; readonly dropped: number; readonly counters: TaskLogCounters };

/** The shared counters (BigInt64Array over a SharedArrayBuffer passed with the pipeline's options). */
export const SHARED_CONSUMED = 0;
/** Consumed bytes at which the main thread wants a "room" message; 0: it does not wait. */
export const SHARED_WAKE_AT = 1;
export const SHARED_SLOTS = 2;

/** How often the log thread reports its counters. */
export const COUNTERS_INTERVAL_MS = 1_000;
