// Parsed line + the capture's metadata → LogEvent, without copying the metadata per line: an EnrichedEvent keeps the
// line's own fields apart from the capture's shared metadata, and builds the merged `fields` of the contract only if
// someone reads it. The encoders of this folder recognise an EnrichedEvent and encode the metadata part once per
// capture (SharedMetadata caches the encoded text), so a line costs only its own fields.
//
// Merge rules (what `fields` holds): the line's fields first, minus its message and time keys, dropped keys and any
// key the metadata has (metadata is never overwritten), then the metadata.
import type { FieldValue, LogEvent, LogStream } from "./logEvent.js";
import { parseLine, type ParsedLine } from "./lineParser.js";
import type { LogMetadata } from "./taskLogMetadata.js";

/** A capture's metadata with the encoders' cached renderings of it. */
export class SharedMetadata {
  readonly fields: LogMetadata;
  readonly #rendered = new Map<string, string>();

  constructor(fields: LogMetadata) {
    this.fields = fields;
  }

  /** `render(fields)`, computed once per `key` (an encoder's name and options). */
  rendered(key: string, render: (fields: LogMetadata) => string): string {
    let text = this.#rendered.get(key);
    if (text === undefined) {
      text = render(this.fields);
      this.#rendered.set(key, text);
    }
    return text;
  }
}

export class EnrichedEvent implements LogEvent {
  readonly time: number;
  readonly stream: LogStream;
  readonly message: string;
  readonly truncated: boolean;
  /** The line's own fields as merged (no metadata key among them), or undefined when it has none. */
  readonly lineFields: Readonly<Record<string, FieldValue>> | undefined;
  readonly shared: SharedMetadata;
  #fields: Readonly<Record<string, FieldValue>> | undefined;

  constructor(time: number, stream: LogStream, message: string, truncated: boolean, lineFields: Readonly<Record<string, FieldValue>> | undefined, shared: SharedMetadata) {
    this.time = time;
    this.stream = stream;
    this.message = message;
    this.truncated = truncated;
    this.lineFields = lineFields;
    this.shared = shared;
  }

  /** A plain LogEvent (what JSON.stringify sees): `fields` is a getter, which object spread would not copy. */
  toJSON(): LogEvent {
    return { time: this.time, stream: this.stream, message: this.message, fields: this.fields, truncated: this.truncated };
  }

  get fields(): Readonly<Record<string, FieldValue>> {
    if (this.#fields === undefined) {
      this.#fields = this.lineFields === undefined ? this.shared.fields : Object.freeze({ ...this.lineFields, ...this.shared.fields });
    }
    return this.#fields;
  }
}

/** One field of any event, without building an EnrichedEvent's merged fields. */
export function fieldOf(event: LogEvent, key: string): FieldValue | undefined {
  if (event instanceof EnrichedEvent) {
    const metadata = event.shared.fields;
    if (Object.hasOwn(metadata, key)) return metadata[key];
    const own = event.lineFields;
    return own !== undefined && Object.hasOwn(own, key) ? own[key] : undefined;
  }
  return Object.hasOwn(event.fields, key) ? event.fields[key] : undefined;
}

export interface LogEnricherOptions {
  readonly stream: LogStream;
  /** Fields of every event of this stream (streamLogMetadata), dropped keys already left out. */
  readonly metadata: LogMetadata;
  /** Line fields left out. */
  readonly dropKeys?: Iterable<string>;
  /**
   * Fields of plain text lines (which have none of their own), before the metadata: e.g. the predecessor's
   * `level: "INFO", logger: "invalid-format"` for lines that were not JSON (PREDECESSOR_TEXT_FIELDS).
   */
  readonly textFields?: Readonly<Record<string, FieldValue>>;
}

/** What allegro/mesos-executor put on a line that was not JSON (with log-scraping-all), for existing dashboards. */
export const PREDECESSOR_TEXT_FIELDS: Readonly<Record<string, FieldValue>> = Object.freeze({ level: "INFO", logger: "invalid-format" });

export class LogEnricher {
  readonly #stream: LogStream;
  readonly #shared: SharedMetadata;
  /** For plain text lines: the text fields, then the metadata (one object, rendered once per encoder). */
  readonly #textShared: SharedMetadata;
  readonly #metadata: LogMetadata;
  readonly #drop: ReadonlySet<string>;

  constructor({ stream, metadata, dropKeys = [], textFields }: LogEnricherOptions) {
    this.#stream = stream;
    this.#shared = new SharedMetadata(metadata);
    const drop = new Set(dropKeys);
    const extra = Object.entries(textFields ?? {}).filter(([key]) => !Object.hasOwn(metadata, key) && !drop.has(key) && key !== "__proto__");
    this.#textShared = extra.length === 0 ? this.#shared : new SharedMetadata(Object.freeze({ ...Object.fromEntries(extra), ...metadata }));
    this.#metadata = metadata;
    this.#drop = drop;
  }

  /** Parses `text` and returns its event, read at `now` (ms since the epoch) unless the line has its own time. */
  event(text: string, truncated: boolean, now: number): EnrichedEvent {
    return this.fromParsed(parseLine(text), truncated, now);
  }

  fromParsed(parsed: ParsedLine, truncated: boolean, now: number): EnrichedEvent {
    const own = parsed.fields;
    if (own === undefined) return new EnrichedEvent(now, this.#stream, parsed.message, truncated, undefined, this.#textShared);
    const metadata = this.#metadata;
    const drop = this.#drop;
    const skipMessage = parsed.messageKey;
    const skipTime = parsed.timeKey;
    let fields: Record<string, FieldValue> | undefined;
    for (const key in own) {
      if (key === skipMessage || key === skipTime || Object.hasOwn(metadata, key) || (drop.size > 0 && drop.has(key))) continue;
      fields ??= {};
      const value = own[key] as FieldValue;
      if (key === "__proto__") Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
      else fields[key] = value;
    }
    return new EnrichedEvent(parsed.time ?? now, this.#stream, parsed.message, truncated, fields, this.#shared);
  }
}
