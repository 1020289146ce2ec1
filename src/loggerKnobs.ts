// The level of Berth's own diagnostics (logger.ts), read by `berth executor` and `berth run` alike.
import type { EnvKnob } from "./knob.js";
import type { LogLevel } from "./logger.js";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export const LOGGER_ENV = {
  BERTH_LOG_LEVEL: {
    setBy: "operator",
    appliesTo: ["executor", "run"],
    type: "enum",
    values: LOG_LEVELS,
    default: "info",
    description: "The least level of Berth's diagnostics (on stderr as `berth: ts=… level=… msg=…` lines); `debug` adds more.",
  },
} as const satisfies Readonly<Record<string, EnvKnob>>;

/** BERTH_LOG_LEVEL's level; a problem naming the variable when it is not one. */
export function readLogLevel(env: Readonly<Record<string, string | undefined>>, problems: string[]): LogLevel {
  const text = env.BERTH_LOG_LEVEL ?? LOGGER_ENV.BERTH_LOG_LEVEL.default;
  if (LOG_LEVELS.includes(text as LogLevel)) return text as LogLevel;
  problems.push(`BERTH_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (got ${JSON.stringify(text)})`);
  return LOGGER_ENV.BERTH_LOG_LEVEL.default;
}
