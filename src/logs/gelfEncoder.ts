// GELF 1.1 (Graylog): a JSON object with version, host, short_message, timestamp (seconds, ms decimals), level
// (syslog severity), and each field as an additional field `_<name>` (name characters outside [A-Za-z0-9_.-] become
// "_"; `_id`, reserved, becomes `_id_`). Values are strings or numbers: booleans become "true"/"false", nested values
// their JSON text, nulls are left out. A truncated line has `_truncated: "true"`. Framing: a NUL byte after each
// record for TCP (JSON text never holds a raw NUL), none for UDP (one uncompressed datagram; chunking is not done).
import type { FieldValue, LogEvent } from "./logEvent.js";
import { severityOf } from "./logSeverity.js";

export type GelfFraming = "nul" | "none";

export function gelfFieldName(key: string): string {
  const name = `_${key.replace(/[^\w.-]/g, "_")}`;
  // "_id" is reserved by GELF; "__proto__" would set the record's prototype instead of a field.
  return name === "_id" ? "_id_" : name === "__proto__" ? "___proto__" : name;
}

export function gelfText(event: LogEvent, host?: string): string {
  const record: Record<string, string | number> = {
    version: "1.1",
    host: host ?? (typeof event.fields.srchost === "string" && event.fields.srchost !== "" ? event.fields.srchost : "-"),
    // Graylog refuses an empty short_message.
    short_message: event.message === "" ? "-" : event.message,
    timestamp: event.time / 1000,
    level: severityOf(event),
  };
  if (event.truncated) record._truncated = "true";
  for (const key of Object.keys(event.fields)) {
    const value: FieldValue | undefined = event.fields[key];
    if (value === null || value === undefined) continue;
    const name = gelfFieldName(key);
    if (name === "_truncated" && event.truncated) continue;
    record[name] = typeof value === "number" ? value : typeof value === "string" ? value : typeof value === "boolean" ? String(value) : JSON.stringify(value);
  }
  return JSON.stringify(record);
}

/** Encoder factory: GELF 1.1, NUL framed (TCP) or unframed (UDP). */
export function gelfEncoder({ framing, host }: { framing: GelfFraming; host?: string }): (event: LogEvent) => Buffer {
  return framing === "nul" ? (event) => Buffer.from(`${gelfText(event, host)}\0`, "utf8") : (event) => Buffer.from(gelfText(event, host), "utf8");
}
