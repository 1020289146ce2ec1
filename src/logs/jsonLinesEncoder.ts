// Logstash's json_lines codec: one JSON object per line, `@timestamp` (ISO-8601, ms), `@version` "1", `message`,
// then the event's fields; a truncated line carries `"truncated":true`. JSON.stringify escapes every control
// character (so a record never contains a raw newline) and, on Node ≥ 12, lone surrogates (so it is valid UTF-8).
import type { FieldValue, LogEvent } from "./logEvent.js";
import { EnrichedEvent } from "./logEnricher.js";
import { isoTime } from "./isoTime.js";

/** Keys the envelope owns: a field of the same name is left out (and `truncated` when the line was cut). */
const ENVELOPE_KEYS: readonly string[] = ["@timestamp", "@version", "message"];
const ENVELOPE_KEYS_TRUNCATED: readonly string[] = [...ENVELOPE_KEYS, "truncated"];

/** `,"key":value…` for the fields (empty without any), envelope keys left out. */
function jsonMembers(fields: Readonly<Record<string, FieldValue>>, truncated: boolean): string {
  const reserved = truncated ? ENVELOPE_KEYS_TRUNCATED : ENVELOPE_KEYS;
  for (const key of reserved) {
    if (Object.hasOwn(fields, key)) {
      fields = withoutKeys(fields, reserved);
      break;
    }
  }
  const text = JSON.stringify(fields);
  return text.length > 2 ? `,${text.slice(1, -1)}` : "";
}

/** The record's text, newline included. */
export function jsonLineText(event: LogEvent): string {
  let members: string;
  if (event instanceof EnrichedEvent) {
    // The capture's metadata is rendered once; only the line's own fields are stringified per line.
    const truncated = event.truncated;
    const metadata = event.shared.rendered(truncated ? "json:t" : "json", (fields) => jsonMembers(fields, truncated));
    members = event.lineFields === undefined ? metadata : jsonMembers(event.lineFields, truncated) + metadata;
  } else {
    members = jsonMembers(event.fields, event.truncated);
  }
  return (
    `{"@timestamp":"${isoTime(event.time)}","@version":"1","message":${JSON.stringify(event.message)}` +
    `${event.truncated ? ',"truncated":true' : ""}${members}}\n`
  );
}

/** Encoder: Logstash json_lines, newline framed. */
export function encodeJsonLine(event: LogEvent): Buffer {
  return Buffer.from(jsonLineText(event), "utf8");
}

function withoutKeys(fields: Readonly<Record<string, FieldValue>>, keys: readonly string[]): Record<string, FieldValue> {
  const copy: Record<string, FieldValue> = {};
  for (const key of Object.keys(fields)) {
    if (keys.includes(key)) continue;
    const value = fields[key] as FieldValue;
    if (key === "__proto__") Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    else copy[key] = value;
  }
  return copy;
}
