// stout Duration strings ("5secs", "15mins", "1.5secs"), as Mesos writes them into executor environment variables.
import { BerthError } from "../berthError.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

export class DurationError extends BerthError {
  constructor(message: string) {
    super("DURATION_INVALID", message);
  }
}

/** Parses a stout duration into milliseconds; a bare number or an unknown unit is an error. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|ms|secs|mins|hrs|days|weeks)\s*$/.exec(text);
  if (!match) {
    throw new DurationError(`invalid duration ${JSON.stringify(text)}: expected <number><ns|us|ms|secs|mins|hrs|days|weeks>, e.g. "5secs"`);
  }
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** Formats milliseconds the way stout prints durations (largest unit that keeps an integer, else seconds). */
export function formatDuration(ms: number): string {
  for (const unit of ["weeks", "days", "hrs", "mins", "secs", "ms"]) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && Number.isInteger(ms / size)) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}secs`;
}
