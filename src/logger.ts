// Berth's own diagnostics (not the task's output): one logfmt line per event on a writable stream, typically the
// executor's stderr, which the agent keeps in the sandbox. Values are quoted when needed; never pass secrets.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

function quote(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

export function createLogger(
  write: (line: string) => void,
  { fields = {}, minLevel = "info", now = () => new Date() }: { fields?: LogFields; minLevel?: LogLevel; now?: () => Date } = {},
): Logger {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  const min = order.indexOf(minLevel);
  return {
    log(level, message, extra = {}) {
      if (order.indexOf(level) < min) return;
      const parts = [`ts=${now().toISOString()}`, `level=${level}`, `msg=${quote(message)}`];
      for (const [key, value] of Object.entries({ ...fields, ...extra })) {
        if (value !== undefined) parts.push(`${key}=${quote(String(value))}`);
      }
      write(`${parts.join(" ")}\n`);
    },
    child(more) {
      return createLogger(write, { fields: { ...fields, ...more }, minLevel, now });
    },
  };
}

/** A logger that drops everything, for tests that do not look at diagnostics. */
export const silentLogger: Logger = { log: () => undefined, child: () => silentLogger };
