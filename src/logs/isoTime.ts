// ISO-8601 with milliseconds ("2026-11-29T20:39:34.123Z") for encoders: the lines of one read share a timestamp, so
// the last conversion is remembered (Date#toISOString costs more than the rest of a JSON line's envelope).
let lastMs = Number.NaN;
let lastIso = "";

/** `ms` since the epoch as ISO-8601 UTC with milliseconds; a time Date cannot hold becomes the current time. */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastIso;
  const date = new Date(ms);
  const iso = Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
  lastMs = ms;
  lastIso = iso;
  return iso;
}
