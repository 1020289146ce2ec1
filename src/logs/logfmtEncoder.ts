// logfmt records: `time=<ISO-8601> msg=<message> [truncated=true] <field>=<value>…`, newline framed. A value is
// quoted (JSON string syntax, which logfmt readers accept: \" \\ \n \t \uXXXX) when it is empty or holds a space,
// "=", '"', "\", a control character or a surrogate; nested values are their JSON text. Keys lose the characters
// logfmt cannot carry in a key (space, "=", '"', controls), which become "_".
import type { FieldValue, LogEvent } from "./logEvent.js";
import { isoTime } from "./isoTime.js";
import { EnrichedEvent } from "./logEnricher.js";

/** Characters no key may hold and that make a value quoted (a value is also quoted for "\"). */
function isSpecial(c: number): boolean {
  return c <= 0x20 || c === 0x22 || c === 0x3d || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff);
}

function needsQuotes(text: string): boolean {
  if (text === "") return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpecial(c) || c === 0x5c) return true;
  }
  return false;
}

const RESERVED: readonly string[] = ["time", "msg"];

export function logfmtValue(value: FieldValue): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return needsQuotes(text) ? JSON.stringify(text) : text;
}

export function logfmtKey(key: string): string {
  if (key === "") return "_";
  let clean = "";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    clean += isSpecial(c) ? "_" : key[i];
  }
  return clean;
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
