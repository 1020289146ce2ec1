// RFC 5424 syslog records:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [berth@32473 name="value"…] MSG
// PRI = facility × 8 + severity (the line's level, else its stream: see logSeverity.ts). HOSTNAME is the event's
// `srchost`, APP-NAME its `app`, PROCID its `task-id`, MSGID its stream (each overridable; "-" when absent). The
// event's fields are the parameters of one SD-ELEMENT (with `truncated="true"` when the line was cut); MSG is the
// message, without a BOM (so MSG-ANY: receivers need not strip one).
// Framing: "octet-counted" for TCP (RFC 6587 3.4.1: `<length> <record>`, so newlines in a message are safe), "none"
// for UDP (RFC 5426: one record per datagram).
import type { FieldValue, LogEvent } from "./logEvent.js";
import { isoTime } from "./isoTime.js";
import { EnrichedEvent, fieldOf } from "./logEnricher.js";
import { severityOf } from "./logSeverity.js";

export type SyslogFraming = "octet-counted" | "none";

export interface SyslogEncoderOptions {
  readonly framing: SyslogFraming;
  /** 0–23 (default 1, user-level messages). */
  readonly facility?: number;
  /** Fixed header values instead of the event's fields. */
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  /** SD-ID of the element holding the fields (default `berth@32473`: 32473 is the example enterprise number of RFC 5612). */
  readonly sdId?: string;
}

const NOT_PRINTUSASCII = /[^\x21-\x7e]/;
const NOT_PRINTUSASCII_ALL = /[^\x21-\x7e]/g;

/** PRINTUSASCII only (33–126), at most `max` characters; "-" (NILVALUE) when empty. */
export function headerField(value: FieldValue | undefined, max: number): string {
  if (value === undefined || value === null) return "-";
  const raw = typeof value === "string" ? value : JSON.stringify(value);
  const text = (NOT_PRINTUSASCII.test(raw) ? raw.replace(NOT_PRINTUSASCII_ALL, "_") : raw).slice(0, max);
  return text === "" ? "-" : text;
}

/** An SD-NAME (PARAM-NAME or SD-ID): 1–32 PRINTUSASCII except "=", space, "]" and '"'. */
export function sdName(name: string): string {
  const text = name.replace(/[^\x21-\x7e]|[=\]"]/g, "_").slice(0, 32);
  return text === "" ? "_" : text;
}

/** A PARAM-VALUE's inside: '"', "\" and "]" escaped with a backslash (RFC 5424 6.3.3). */
export function sdValue(value: FieldValue): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /["\\\]]/.test(text) ? text.replace(/["\\\]]/g, "\\$&") : text;
}

function sdParams(fields: Readonly<Record<string, FieldValue>>, truncated: boolean): string {
  let text = "";
  for (const key of Object.keys(fields)) {
    if (truncated && key === "truncated") continue;
    text += ` ${sdName(key)}="${sdValue(fields[key] as FieldValue)}"`;
  }
  return text;
}

/** The record without framing. */
export function syslogText(event: LogEvent, options: Omit<SyslogEncoderOptions, "framing"> = {}): string {
  const facility = options.facility ?? 1;
  const pri = facility * 8 + severityOf(event);
  const header =
    `<${pri}>1 ${isoTime(event.time)} ${options.hostname ?? headerField(fieldOf(event, "srchost"), 255)} ` +
    `${options.appName ?? headerField(fieldOf(event, "app"), 48)} ${options.procId ?? headerField(fieldOf(event, "task-id"), 128)} ` +
    `${event.stream} `;
  const truncated = event.truncated;
  let params: string;
  if (event instanceof EnrichedEvent) {
    const metadata = event.shared.rendered(truncated ? "syslog:t" : "syslog", (metadataFields) => sdParams(metadataFields, truncated));
    params = event.lineFields === undefined ? metadata : sdParams(event.lineFields, truncated) + metadata;
  } else {
    params = sdParams(event.fields, truncated);
  }
  const sd = `[${options.sdId ?? "berth@32473"}${truncated ? ' truncated="true"' : ""}${params}]`;
  return event.message === "" ? header + sd : `${header}${sd} ${event.message}`;
}

/** Encoder factory: RFC 5424 records, octet-counted (TCP) or unframed (UDP). */
export function syslogEncoder(options: SyslogEncoderOptions): (event: LogEvent) => Buffer {
  const facility = options.facility ?? 1;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new RangeError(`syslog facility must be 0–23, got ${facility}`);
  const rest = {
    facility,
    ...(options.hostname !== undefined ? { hostname: headerField(options.hostname, 255) } : {}),
    ...(options.appName !== undefined ? { appName: headerField(options.appName, 48) } : {}),
    ...(options.procId !== undefined ? { procId: headerField(options.procId, 128) } : {}),
    sdId: sdName(options.sdId ?? "berth@32473"),
  };
  if (options.framing === "none") return (event) => Buffer.from(syslogText(event, rest), "utf8");
  return (event) => {
    const text = syslogText(event, rest);
    const length = Buffer.byteLength(text, "utf8");
    const prefix = `${length} `;
    const out = Buffer.allocUnsafe(prefix.length + length);
    out.write(prefix, 0, "latin1");
    out.write(text, prefix.length, "utf8");
    return out;
  };
}
