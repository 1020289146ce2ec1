// The log pipeline's one record type and the contracts between its stages:
//   capture (bytes → lines) → parse + enrich (→ LogEvent) → per sink: encode (LogEvent → bytes) → deliver.
// Parsing and enrichment happen once per line; each sink encodes for its own wire format, and its queue and disk
// spool hold encoded bytes, so that a spooled line replays byte for byte.

/** A JSON-compatible value (fields parsed from a JSON line may nest). */
export type FieldValue = string | number | boolean | null | readonly FieldValue[] | { readonly [key: string]: FieldValue };

/** Where a line came from: the task's streams, or a hook's output (named in `fields.hook`). */
export type LogStream = "stdout" | "stderr" | "hook";

/** One line of output, parsed and enriched, ready to encode. */
export interface LogEvent {
  /** When Berth read the line (ms since the epoch), unless the line carried its own timestamp. */
  readonly time: number;
  readonly stream: LogStream;
  /** The line's text (for JSON / logfmt lines: their message field, else the whole line). */
  readonly message: string;
  /** Parsed fields of the line, then the task's metadata (metadata never overwritten by the line). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** The line was longer than the maximum and was cut (the encoders mark it). */
  readonly truncated: boolean;
}

/** Turns an event into the bytes of one record on the wire, framing included (newline, octet count…). */
export type Encoder = (event: LogEvent) => Buffer;
