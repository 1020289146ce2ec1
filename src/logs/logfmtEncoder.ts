// logfmt records: `time=<ISO-8601> msg=<message> [truncated=true] <field>=<value>…`, newline framed. A value is
// quoted (JSON string syntax, which logfmt readers accept: \" \\ \n \t \uXXXX) when it is empty or holds a space,
// "=", '"', "\", a control character or a surrogate; nested values are their JSON text. Keys lose the characters
// logfmt cannot carry in a key (space, "=", '"', controls), which become "_".
import type { FieldValue, LogEvent } from "./logEvent.js";
import { isoTime } from "./isoTime.js";
import { EnrichedEvent } from "./logEnricher.js";

const NEEDS_QUOTES = /[\u0000-\u0020"=\\\u007f-\u009f\u2028\u2029\ud800-\udfff]/;
const BAD_KEY_CHARS = /[\u0000-\u0020"=\u007f-\u009f\u2028\u2029\ud800-\udfff]/g;
const RESERVED: readonly string[] = ["time", "msg"];

export function logfmtValue(value: FieldValue): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === "" || NEEDS_QUOTES.test(text) ? JSON.stringify(text) : text;
}

export function logfmtKey(key: string): string {
  return key === "" ? "_" : key.replace(BAD_KEY_CHARS, "_");
}

function logfmtPairs(fields: Readonly<Record<string, FieldValue>>, truncated: boolean): string {
  let text = "";
  for (const key of Object.keys(fields)) {
    if (RESERVED.includes(key) || (truncated && key === "truncated")) continue;
    text += ` ${logfmtKey(key)}=${logfmtValue(fields[key] as FieldValue)}`;
  }
  return text;
}

/** The record's text, newline included. */
export function logfmtText(event: LogEvent): string {
  const truncated = event.truncated;
  let pairs: string;
  if (event instanceof EnrichedEvent) {
    const metadata = event.shared.rendered(truncated ? "logfmt:t" : "logfmt", (fields) => logfmtPairs(fields, truncated));
    pairs = event.lineFields === undefined ? metadata : logfmtPairs(event.lineFields, truncated) + metadata;
  } else {
    pairs = logfmtPairs(event.fields, truncated);
  }
  return `time=${isoTime(event.time)} msg=${logfmtValue(event.message)}${truncated ? " truncated=true" : ""}${pairs}\n`;
}

/** Encoder: logfmt, newline framed. */
export function encodeLogfmt(event: LogEvent): Buffer {
  return Buffer.from(logfmtText(event), "utf8");
}
