// What the local agent records so tests can assert order and timing. `at` is monotonic milliseconds
// (performance.now()); `seq` is one counter per agent that orders calls, events and updates together.
import type { Encoding } from "../mesos/codec.js";
import type { Call, Event, EventType, TaskStatus } from "../mesos/types.js";

export interface CallRecord {
  seq: number;
  at: number;
  method: string;
  path: string;
  contentType?: string;
  accept?: string;
  /** Encoding of the request body, when the content type was one of the two. */
  encoding?: Encoding;
  /** The decoded call, when decoding succeeded. */
  call?: Call;
  /** HTTP status the agent answered with. */
  status: number;
  /** Response body of a plain (non-stream) response. */
  body: string;
  /** Encoding of the event stream opened by a successful SUBSCRIBE. */
  streamEncoding?: Encoding;
  streamId?: number;
}

/** no-stream: never subscribed (or agent restarted); stream-closed: the stream ended; executor-not-running: dropped by the agent. */
export type EventLoss = "no-stream" | "stream-closed" | "executor-not-running";

export interface EventRecord {
  seq: number;
  at: number;
  executorId: string;
  frameworkId: string;
  type: EventType;
  event: Event;
  /** Written to an open stream; false means lost (`lost` says why), as the agent only logs such sends. */
  delivered: boolean;
  lost?: EventLoss;
  streamId?: number;
}

/**
 * What became of a status update the agent handled:
 * - accepted: recorded and forwarded to the (virtual) scheduler;
 * - duplicate: a uuid already seen for that task (acked, not forwarded again);
 * - dropped: refused by the task state machine, e.g. an update after a terminal one (acked, not forwarded);
 * - ignored: agent_id of another agent, or no uuid (no ack at all);
 * - unknown-task: no executor of the framework knows the task (forwarded, but never acked).
 */
export type UpdateDisposition = "accepted" | "duplicate" | "dropped" | "ignored" | "unknown-task";

/** none: not to be acked; withheld: held by withholdAcks(true); sent/lost: written to an open stream or not. */
export type AckState = "none" | "pending" | "withheld" | "sent" | "lost" | "discarded";

export interface UpdateRecord {
  seq: number;
  at: number;
  /** The status as the agent forwards it (agent_id filled in, as createStatusUpdate does). */
  status: TaskStatus;
  /** "executor" for UPDATE calls and SUBSCRIBE replays, "agent" for agent-generated updates. */
  origin: "executor" | "agent";
  /** How it arrived from the executor. */
  via?: "update" | "replay";
  disposition: UpdateDisposition;
  /** Why it was dropped or ignored. */
  detail?: string;
  ack: AckState;
  /** When the ACKNOWLEDGED was written (or found no stream). */
  ackAt?: number;
}
