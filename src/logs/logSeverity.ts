// The RFC 5424 severity of an event (0 emergency … 7 debug), for syslog's PRI and GELF's level: from the line's own
// level field when it has one (names of syslog, log4j, logrus, zap, slog; pino/bunyan numbers), else from its stream
// (stderr: error, as Docker's syslog driver; stdout and hooks: informational).
import type { FieldValue, LogEvent } from "./logEvent.js";
import { fieldOf } from "./logEnricher.js";

export const LEVEL_KEYS: readonly string[] = ["level", "lvl", "severity", "log.level"];

const BY_NAME: Readonly<Record<string, number>> = {
  emerg: 0, emergency: 0, panic: 0,
  alert: 1,
  crit: 2, critical: 2, fatal: 2, dpanic: 2,
  err: 3, error: 3, eror: 3,
  warn: 4, warning: 4,
  notice: 5,
  info: 6, informational: 6, information: 6,
  debug: 7, trace: 7, verbose: 7, dbug: 7, trce: 7,
};

export function severityOf(event: LogEvent): number {
  for (const key of LEVEL_KEYS) {
    const value = fieldOf(event, key);
    if (value === undefined) continue;
    const severity = severityOfValue(value);
    if (severity !== undefined) return severity;
  }
  return event.stream === "stderr" ? 3 : 6;
}

export function severityOfValue(value: FieldValue | undefined): number | undefined {
  if (typeof value === "string") {
    const name = value.length <= 13 ? value.toLowerCase() : "";
    return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
  }
  if (typeof value === "number" && Number.isInteger(value)) {
    if (value >= 0 && value <= 7) return value;
    // pino / bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    if (value >= 60) return 2;
    if (value >= 50) return 3;
    if (value >= 40) return 4;
    if (value >= 30) return 6;
    if (value >= 10) return 7;
  }
  return undefined;
}
