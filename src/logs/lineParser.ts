// One line of a task's output → its format, message, own fields and own timestamp, detected per line:
//   JSON object   {"msg":"started","port":8080}      message from message/msg/log, every other key a field
//   logfmt        level=info msg="started" port=8080  likewise (values stay strings: logfmt has no types)
//   plain text    anything else                      the whole line is the message
// Detection is cheap for the common cases: a line is tried as JSON only when it starts with "{" and ends with "}", as
// logfmt only when its first word is `key=`; nothing is compiled or allocated per line beyond the result.
import type { FieldValue } from "./logEvent.js";

export type LineFormat = "json" | "logfmt" | "text";

export interface ParsedLine {
  readonly format: LineFormat;
  readonly message: string;
  /**
   * The line's own fields, or undefined for plain text. May still hold `messageKey` and `timeKey`, which the
   * enricher leaves out (so that parsing copies nothing).
   */
  readonly fields: Readonly<Record<string, FieldValue>> | undefined;
  /** The field the message came from. */
  readonly messageKey: string | undefined;
  /** The line's own time (ms since the epoch), when a time field could be read. */
  readonly time: number | undefined;
  /** The field the time came from. */
  readonly timeKey: string | undefined;
}

/** Keys whose value is the message, first match wins (Logstash/ECS, logrus/zap/slog, Docker's json-file). */
export const MESSAGE_KEYS: readonly string[] = ["message", "msg", "log"];
/** Keys whose value is the line's time, first readable one wins (ISO-8601 text, or epoch seconds/ms/µs/ns). */
export const TIME_KEYS: readonly string[] = ["@timestamp", "time", "timestamp", "ts"];

/** Detects the format of `text` and parses it; never throws. */
export function parseLine(text: string): ParsedLine {
  const first = text.charCodeAt(0);
  if (first === 0x7b /* { */ && text.charCodeAt(text.length - 1) === 0x7d /* } */) {
    const json = parseJsonObject(text);
    if (json !== undefined) return structured("json", json);
  } else if (first === 0x20 || first === 0x09) {
    const trimmed = text.trim();
    if (trimmed.charCodeAt(0) === 0x7b && trimmed.charCodeAt(trimmed.length - 1) === 0x7d) {
      const json = parseJsonObject(trimmed);
      if (json !== undefined) return structured("json", json);
    }
  }
  const logfmt = parseLogfmt(text);
  if (logfmt !== undefined) return structured("logfmt", logfmt);
  return { format: "text", message: text, fields: undefined, messageKey: undefined, time: undefined, timeKey: undefined };
}

function parseJsonObject(text: string): Record<string, FieldValue> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    // The braces guarantee an object; JSON.parse makes "__proto__" an own key, never a prototype.
    return value as Record<string, FieldValue>;
  } catch {
    return undefined;
  }
}

function structured(format: LineFormat, fields: Record<string, FieldValue>): ParsedLine {
  let message = "";
  let messageKey: string | undefined;
  for (const key of MESSAGE_KEYS) {
    const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (value !== undefined && value !== null) {
      message = typeof value === "string" ? value : JSON.stringify(value);
      messageKey = key;
      break;
    }
  }
  let time: number | undefined;
  let timeKey: string | undefined;
  for (const key of TIME_KEYS) {
    if (!Object.hasOwn(fields, key)) continue;
    time = readTime(fields[key]);
    if (time !== undefined) {
      timeKey = key;
      break;
    }
  }
  return { format, message, fields, messageKey, time, timeKey };
}

// 2001-09-09 (1e9 s) … 2286: numbers below this are seconds, then milliseconds, microseconds, nanoseconds.
const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;

// Lines written in the same millisecond carry the same time text: the last one read is remembered.
let lastTimeText = "";
let lastTimeMs: number | undefined;

const digit = (text: string, at: number): number => {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};

/**
 * An RFC 3339 / ISO-8601 date-time ("2026-11-29T20:39:34.123456Z", "… 20:39:34+01:00", no zone = UTC) in ms, read
 * by hand: Date.parse accepts much else, loosely, and costs more than the rest of a line's parse.
 */
export function parseIsoTime(text: string): number | undefined {
  if (text.length < 19 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined;
  const t = text.charCodeAt(10);
  if (t !== 0x54 && t !== 0x20 && t !== 0x74) return undefined;
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60)) return undefined;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 0x2e || text.charCodeAt(at) === 0x2c) {
    at++;
    let scale = 100;
    const start = at;
    for (; at < text.length; at++) {
      const d = digit(text, at);
      if (Number.isNaN(d)) break;
      ms += d * scale;
      scale /= 10;
    }
    if (at === start) return undefined;
  }
  let offset = 0;
  if (at < text.length) {
    const z = text.charCodeAt(at);
    if ((z === 0x5a || z === 0x7a) && at + 1 === text.length) {
      // Z
    } else if ((z === 0x2b || z === 0x2d) && (at + 6 === text.length || at + 5 === text.length)) {
      const colon = at + 6 === text.length;
      if (colon && text.charCodeAt(at + 3) !== 0x3a) return undefined;
      const hh = digit(text, at + 1) * 10 + digit(text, at + 2);
      const mm = digit(text, at + (colon ? 4 : 3)) * 10 + digit(text, at + (colon ? 5 : 4));
      if (!(hh <= 23 && mm <= 59)) return undefined;
      offset = (z === 0x2b ? 1 : -1) * (hh * 60 + mm) * 60_000;
    } else {
      return undefined;
    }
  }
  const result = Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(ms) - offset;
  return Number.isFinite(result) ? result : undefined;
}

/** A time field's value in ms since the epoch, or undefined when it is not a recognisable time. */
export function readTime(value: FieldValue | undefined): number | undefined {
  let ms: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 1e9) return undefined;
    ms = value < SECONDS_BELOW ? value * 1000 : value < MILLIS_BELOW ? value : value < MICROS_BELOW ? value / 1e3 : value / 1e6;
  } else if (typeof value === "string") {
    if (value === lastTimeText) return lastTimeMs;
    const parsed = parseIsoTime(value);
    if (parsed === undefined) return undefined;
    lastTimeText = value;
    lastTimeMs = parsed;
    return parsed;
  } else {
    return undefined;
  }
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? Math.floor(ms) : undefined;
}

// logfmt key: anything but space, "=", '"' and control characters.
function isKeyChar(c: number): boolean {
  return c > 0x20 && c !== 0x3d && c !== 0x22 && c !== 0x7f;
}

/**
 * The pairs of a logfmt line, or undefined when the line is not wholly `key=value` pairs separated by spaces
 * (values bare or double-quoted with backslash escapes; `key` alone and `key=` give ""). At least one `key=` is
 * needed, and the first word must be one, so that prose with an "=" later on stays plain text.
 */
export function parseLogfmt(text: string): Record<string, FieldValue> | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && text.charCodeAt(i) === 0x20) i++;
  // Fast refusal: the first word must reach "=" before any space.
  const eq = text.indexOf("=", i);
  if (eq <= i) return undefined;
  for (let j = i; j < eq; j++) if (!isKeyChar(text.charCodeAt(j))) return undefined;
  const fields: Record<string, FieldValue> = {};
  while (i < n) {
    const keyStart = i;
    while (i < n && isKeyChar(text.charCodeAt(i))) i++;
    if (i === keyStart) return undefined;
    const key = text.slice(keyStart, i);
    let value = "";
    if (i < n && text.charCodeAt(i) === 0x3d) {
      i++;
      if (i < n && text.charCodeAt(i) === 0x22) {
        const close = closingQuote(text, i + 1);
        if (close === -1) return undefined;
        const raw = text.slice(i, close + 1);
        const unquoted = unquote(raw);
        if (unquoted === undefined) return undefined;
        value = unquoted;
        i = close + 1;
      } else {
        const valueStart = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 0x20 || c === 0x22 || c === 0x3d || c < 0x20) break;
          i++;
        }
        if (i < n && text.charCodeAt(i) !== 0x20) return undefined;
        value = text.slice(valueStart, i);
      }
    } else if (i < n && text.charCodeAt(i) !== 0x20) {
      return undefined;
    }
    // An own data property even for "__proto__" (plain assignment would set the prototype).
    if (key === "__proto__") Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
    else fields[key] = value;
    while (i < n && text.charCodeAt(i) === 0x20) i++;
  }
  return fields;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

function unquote(quoted: string): string | undefined {
  if (!quoted.includes("\\")) return quoted.slice(1, -1);
  try {
    // Go's strconv.Quote (what logfmt writers use) agrees with JSON for the escapes that matter: \" \\ \n \t \uXXXX.
    const value: unknown = JSON.parse(quoted);
    return typeof value === "string" ? value : undefined;
  } catch {
    return quoted.slice(1, -1);
  }
}
