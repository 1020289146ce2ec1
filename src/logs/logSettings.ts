// The log pipeline's agent-wide settings (logKnobs.ts), and the sinks of one task: the agent's when the task ships
// (label log-scraping, or BERTH_LOG_SHIP_ALL) plus the task's own network sinks where the agent allows them.
import { parseDuration } from "../time/duration.js";
import { integer, type LogLabelSettings } from "./logLabels.js";
import { LOG_ENV } from "./logKnobs.js";
import { parseSinkList, SinkConfigError, type SinkConfig } from "./ship/sinkConfig.js";

/** Agent-wide settings (the executor's environment), declared in logKnobs.ts. */
export interface LogSettings {
  readonly maxLineBytes: number;
  readonly dropKeys: readonly string[];
  readonly sandboxMaxBytes: number;
  readonly sandboxKeep: number;
  /** Bytes of a task's output waiting for its log thread beyond which the task's pipes wait. */
  readonly bufferBytes: number;
  /** Bytes of a task's output that may wait on disk for its log thread beyond bufferBytes (0: none). */
  readonly backlogBytes: number;
}

export function readLogSettings(env: Readonly<Record<string, string | undefined>>, problems: string[]): LogSettings {
  const read = (name: "BERTH_LOG_MAX_LINE_BYTES" | "BERTH_LOG_BUFFER_BYTES" | "BERTH_LOG_BACKLOG_BYTES" | "BERTH_SANDBOX_LOG_MAX_BYTES" | "BERTH_SANDBOX_LOG_KEEP", min: number, max: number): number => {
    const fallback = LOG_ENV[name].default;
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    return integer(name, text, min, max, problems) ?? fallback;
  };
  return {
    maxLineBytes: read("BERTH_LOG_MAX_LINE_BYTES", 1024, 1024 * 1024),
    dropKeys: (env.BERTH_LOG_DROP_KEYS ?? "").split(",").map((key) => key.trim()).filter((key) => key !== ""),
    sandboxMaxBytes: read("BERTH_SANDBOX_LOG_MAX_BYTES", 0, 2 ** 40),
    sandboxKeep: read("BERTH_SANDBOX_LOG_KEEP", 0, 1000),
    bufferBytes: read("BERTH_LOG_BUFFER_BYTES", 1024 * 1024, 2 ** 30),
    backlogBytes: read("BERTH_LOG_BACKLOG_BYTES", 0, 2 ** 40),
  };
}

export interface TaskLogSettings extends LogSettings {
  readonly sinks: readonly SinkConfig[];
  readonly shipAll: boolean;
  readonly taskSinksAllowed: boolean;
  readonly flushTimeoutMs: number;
}

export function readTaskLogSettings(env: Readonly<Record<string, string | undefined>>, problems: string[]): TaskLogSettings {
  const base = readLogSettings(env, problems);
  let sinks: SinkConfig[] = [];
  const sinksText = env.BERTH_LOG_SINKS ?? "";
  try {
    sinks = parseSinkList(sinksText);
  } catch (error) {
    problems.push(`BERTH_LOG_SINKS: ${error instanceof Error ? error.message : String(error)}`);
  }
  const flag = (name: "BERTH_LOG_SHIP_ALL" | "BERTH_LOG_TASK_SINKS"): boolean => {
    const text = env[name];
    if (text === undefined || text === "") return LOG_ENV[name].default;
    if (text === "true" || text === "false") return text === "true";
    problems.push(`${name}: expected true or false, got ${JSON.stringify(text)}`);
    return false;
  };
  let flushTimeoutMs = parseDuration(LOG_ENV.BERTH_LOG_FLUSH_TIMEOUT.default);
  const flushText = env.BERTH_LOG_FLUSH_TIMEOUT;
  if (flushText) {
    try {
      flushTimeoutMs = parseDuration(flushText);
    } catch (error) {
      problems.push(`BERTH_LOG_FLUSH_TIMEOUT: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { ...base, sinks, shipAll: flag("BERTH_LOG_SHIP_ALL"), taskSinksAllowed: flag("BERTH_LOG_TASK_SINKS"), flushTimeoutMs };
}

/** What one task ships, where, and whether plain text lines go too; problems name the label. */
export function taskSinks(
  settings: TaskLogSettings,
  labels: LogLabelSettings,
  problems: string[],
): { sinks: readonly SinkConfig[]; structuredOnly: boolean } {
  const own: SinkConfig[] = [];
  if (labels.sinks !== undefined) {
    if (!settings.taskSinksAllowed) {
      problems.push("label berth.log.sinks: this agent does not let tasks choose sinks (BERTH_LOG_TASK_SINKS)");
    } else {
      try {
        for (const sink of parseSinkList(labels.sinks)) {
          // A label must not make the executor write or read files of the host.
          if (sink.protocol === "file" || sink.tls?.caFile || sink.tls?.certFile || sink.tls?.keyFile) {
            problems.push(`label berth.log.sinks: ${sink.name}: file sinks and TLS file options are the agent's only`);
          } else {
            own.push({ ...sink, name: `task:${sink.name}` });
          }
        }
      } catch (error) {
        problems.push(`label berth.log.sinks: ${error instanceof SinkConfigError ? error.message : String(error)}`);
      }
    }
  }
  const ship = labels.ship || settings.shipAll || own.length > 0;
  if (!ship) return { sinks: [], structuredOnly: false };
  return { sinks: [...settings.sinks, ...own], structuredOnly: labels.structuredOnly && !settings.shipAll };
}
