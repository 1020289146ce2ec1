// The log pipeline's knobs: agent-wide settings (read by logSettings.ts) and task labels (read by logLabels.ts).
import type { EnvKnob, LabelKnob } from "../knob.js";

const operator = { setBy: "operator", appliesTo: ["executor"] } as const;
const both = { setBy: "operator", appliesTo: ["executor", "run"] } as const;

export const LOG_ENV = {
  BERTH_LOG_SINKS: {
    ...both,
    type: "list",
    defaultText: "none: the sandbox files only",
    description:
      "Where tasks' lines are shipped: whitespace-separated sink URLs, `tcp://HOST:PORT` (Logstash json_lines by default), `tls://HOST:PORT?ca=FILE`, `relp://HOST:PORT` (acknowledged), `udp://HOST:PORT`, `file:///PATH`, each with `?format=json_lines|logfmt|syslog|gelf` and the options under Logs. Used by tasks with the label `log-scraping`, or by every task with `BERTH_LOG_SHIP_ALL`; under `berth run`, every line of the task (its output then goes through Berth, copied to Berth's own stdout/stderr).",
  },
  BERTH_LOG_SHIP_ALL: {
    ...operator,
    type: "boolean",
    default: false,
    description: "`true`: every task's lines (plain text too) go to `BERTH_LOG_SINKS`, labelled or not.",
  },
  BERTH_LOG_TASK_SINKS: {
    ...operator,
    type: "boolean",
    default: false,
    description:
      "`true`: tasks may add network sinks of their own (label `berth.log.sinks`); a task's `file://` sink and TLS file options are refused whatever this says (a label must not make the executor write or read host files).",
  },
  BERTH_LOG_FLUSH_TIMEOUT: {
    ...both,
    type: "duration",
    default: "5secs",
    description: "How long, after a task's end and before its terminal status, Berth may spend delivering its queued and spooled lines; what is left is counted as dropped (`shutdown`). A kill budget (SHUTDOWN) cuts it shorter.",
  },
  BERTH_LOG_MAX_LINE_BYTES: {
    ...both,
    type: "integer",
    default: 65536,
    description: "Longest line, 1024 to 1048576 bytes; longer lines are cut and marked `truncated`. The label `berth.log.max-line-bytes` overrides it.",
  },
  BERTH_LOG_BUFFER_BYTES: {
    ...both,
    type: "integer",
    default: 16777216,
    description:
      "Bytes of a shipping task's output read but not yet parsed that are held in memory (1 MiB to 1 GiB). Lines are parsed and shipped on a thread of their own; what a task writes faster than that goes to disk beyond this bound (`BERTH_LOG_BACKLOG_BYTES`). The sinks' queues and spools come after.",
  },
  BERTH_LOG_BACKLOG_BYTES: {
    ...both,
    type: "integer",
    default: 268435456,
    description:
      "Bytes of a shipping task's output that may wait on disk (in the sandbox) for the parser beyond `BERTH_LOG_BUFFER_BYTES`, so that a task writing faster than its lines are parsed is not slowed; beyond both bounds its pipe waits (nothing is dropped). `0`: no disk, the pipe waits at the memory bound. What is still waiting when the task ends is parsed within `BERTH_LOG_FLUSH_TIMEOUT`; the rest stays in the sandbox files only (counted).",
  },
  BERTH_LOG_DROP_KEYS: {
    ...both,
    type: "list",
    defaultText: "none",
    description: "Comma-separated keys left out of every task's lines (the predecessor's `ALLEGRO_EXECUTOR_SERVICELOG_IGNORE_KEYS`), added to `berth.log.drop`.",
  },
  BERTH_SANDBOX_LOG_MAX_BYTES: {
    ...operator,
    type: "integer",
    default: 10485760,
    description: "Rotate the sandbox's `stdout` / `stderr` at this size (Mesos' logrotate default, 10 MB; `0`: never). Rotation copies then truncates, so that the agent's descriptors keep writing to the live file.",
  },
  BERTH_SANDBOX_LOG_KEEP: { ...operator, type: "integer", default: 9, description: "Rotated files kept: `stdout.1` … `stdout.N`." },
} as const satisfies Readonly<Record<string, EnvKnob>>;

export type LogVariable = keyof typeof LOG_ENV;

export const LOG_LABEL_KNOBS = {
  "log-scraping": {
    type: "enum",
    values: ["logstash", "true"],
    defaultText: "off",
    description: "The predecessor's label: the task's JSON and logfmt lines go to the agent's `BERTH_LOG_SINKS` (plain text lines only to the sandbox files, unless `log-scraping-all`).",
  },
  "log-scraping-all": { type: "string", defaultText: "off", description: "The predecessor's label: any value ships plain text lines too." },
  scId: { type: "string", defaultText: "none", description: "The predecessor's label: added to every line as `scid` (a number when it is an integer)." },
  "berth.log.sinks": {
    type: "list",
    defaultText: "none",
    description: "Network sinks of this task, added to the agent's (same URLs as `BERTH_LOG_SINKS`); only where the agent allows it (`BERTH_LOG_TASK_SINKS`). Implies shipping.",
  },
  "berth.log.field.<name>": { type: "string", description: "An extra field `<name>` with this value on every line (name: letters, digits, `_.@-`, at most 64; Berth's own field names are refused)." },
  "berth.log.drop": { type: "list", defaultText: "none", description: "Comma-separated keys left out of every line (its own fields and the metadata)." },
  "berth.log.multiline": {
    type: "string",
    defaultText: "off",
    description: "`stacktrace` (lines starting with a space or tab, or `Caused by:`, continue the line before) or a regular expression (at most 256 characters) matched against the start of each line.",
  },
  "berth.log.multiline.max-lines": { type: "integer", default: 500, description: "Most lines joined into one record." },
  "berth.log.max-line-bytes": { type: "integer", defaultText: "`BERTH_LOG_MAX_LINE_BYTES`", description: "Longest line, 1024 to 1048576 bytes, for this task." },
} as const satisfies Readonly<Record<string, LabelKnob>>;
