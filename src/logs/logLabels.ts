// The log pipeline's task labels, read into plain options (no Mesos type: the caller gives the labels as a map;
// the agent-wide settings are logSettings.ts). Every problem names its label; nothing from a label is ever interpolated into a
// shell line, and a task-supplied pattern is matched only against a line's first MATCHED_PREFIX characters.
import { MATCHED_PREFIX, STACK_TRACE_CONTINUATION, type LineJoinerOptions } from "./lineJoiner.js";
import { LOG_LABEL_KNOBS } from "./logKnobs.js";

/** Field names a label cannot set (the metadata's and the encoders' envelope keys). */
export const RESERVED_FIELD_NAMES: readonly string[] = [
  "task-id", "instance-id", "framework-id", "app", "scid", "srchost", "region", "zone", "stream", "hook",
  "@timestamp", "@version", "message", "msg", "time", "truncated",
];

const FIELD_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const FIELD_PREFIX = "berth.log.field.";

export interface LogLabelSettings {
  /** log-scraping is set: the task's lines are shipped. */
  readonly ship: boolean;
  /** Only JSON/logfmt lines are shipped (log-scraping without log-scraping-all). */
  readonly structuredOnly: boolean;
  readonly scId: string | undefined;
  readonly extraFields: Readonly<Record<string, string>>;
  readonly dropKeys: readonly string[];
  readonly multiline: LineJoinerOptions | undefined;
  readonly maxLineBytes: number | undefined;
  /** The task's own sinks (label berth.log.sinks), as written; checked against the agent's settings. */
  readonly sinks: string | undefined;
}

/** The log labels of a task (`labels`: every label of the task, key → value); problems are appended. */
export function readLogLabels(labels: ReadonlyMap<string, string>, problems: string[]): LogLabelSettings {
  const scraping = labels.get("log-scraping");
  const ship = scraping !== undefined && scraping !== "" && scraping !== "false";
  if (ship && scraping !== "logstash" && scraping !== "true") problems.push(`label log-scraping: expected logstash or true, got ${JSON.stringify(scraping)}`);
  const extraFields: Record<string, string> = {};
  for (const key of labels.keys()) {
    if (key.startsWith("berth.log.") && !key.startsWith(FIELD_PREFIX) && !(key in LOG_LABEL_KNOBS)) {
      problems.push(`label ${key} is not a Berth log label (known: ${Object.keys(LOG_LABEL_KNOBS).filter((k) => k.startsWith("berth.")).join(", ")})`);
    }
  }
  for (const [key, value] of labels) {
    if (!key.startsWith(FIELD_PREFIX)) continue;
    const name = key.slice(FIELD_PREFIX.length);
    if (!FIELD_NAME.test(name)) problems.push(`label ${key}: a field name is 1-64 letters, digits or _.@- characters`);
    else if (RESERVED_FIELD_NAMES.includes(name)) problems.push(`label ${key}: ${name} is set by Berth`);
    else extraFields[name] = value;
  }
  const dropText = labels.get("berth.log.drop");
  const dropKeys = dropText === undefined ? [] : dropText.split(",").map((key) => key.trim()).filter((key) => key !== "");
  let multiline: LineJoinerOptions | undefined;
  const pattern = labels.get("berth.log.multiline");
  const maxLinesText = labels.get("berth.log.multiline.max-lines");
  if (pattern !== undefined) {
    const compiled = pattern === "stacktrace" ? STACK_TRACE_CONTINUATION : compile(pattern, problems);
    const maxLines = maxLinesText === undefined ? undefined : integer("label berth.log.multiline.max-lines", maxLinesText, 1, 10_000, problems);
    if (compiled !== undefined) multiline = { pattern: compiled, ...(maxLines !== undefined ? { maxLines } : {}) };
  } else if (maxLinesText !== undefined) {
    problems.push("label berth.log.multiline.max-lines needs berth.log.multiline");
  }
  const maxText = labels.get("berth.log.max-line-bytes");
  const maxLineBytes = maxText === undefined ? undefined : integer("label berth.log.max-line-bytes", maxText, 1024, 1024 * 1024, problems);
  const sinks = labels.get("berth.log.sinks");
  return { ship, structuredOnly: ship && !labels.has("log-scraping-all"), scId: labels.get("scId"), extraFields, dropKeys, multiline, maxLineBytes, sinks };
}

/** A task without log labels: ships nothing of its own accord, no extra fields, no joining. */
export const NO_LOG_LABELS: LogLabelSettings = Object.freeze(readLogLabels(new Map(), []));

function compile(source: string, problems: string[]): RegExp | undefined {
  if (source.length > 256) {
    problems.push(`label berth.log.multiline: at most 256 characters (it is matched against the first ${MATCHED_PREFIX} characters of every line)`);
    return undefined;
  }
  try {
    return new RegExp(source);
  } catch (error) {
    problems.push(`label berth.log.multiline: not a regular expression: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** `text` as an integer from `min` to `max`, or undefined with a problem naming `what`. */
export function integer(what: string, text: string, min: number, max: number, problems: string[]): number | undefined {
  const value = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value >= min && value <= max)) {
    problems.push(`${what}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return value;
}
