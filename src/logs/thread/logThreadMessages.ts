// What the executor's main thread and its log thread say to each other (structured clone over the worker's port).
// Bytes go one way, in order per stream; acknowledgements of consumed bytes come back so that the main thread can
// bound what is in flight; counters come back every second for the metrics.
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
  | { readonly type: "consumed"; readonly bytes: number }
  | { readonly type: "log"; readonly level: LogLevel; readonly message: string; readonly fields: LogFields }
  | { readonly type: "counters"; readonly counters: TaskLogCounters }
  | { readonly type: "flushed"; readonly complete: boolean; readonly dropped: number; readonly counters: TaskLogCounters }
  | { readonly type: "closed"; readonly dropped: number; readonly counters: TaskLogCounters };

/** How often the log thread reports its counters. */
export const COUNTERS_INTERVAL_MS = 1_000;
