// HAProxy's own view of the requests (`option httplog` lines in its log): what it answered, how each session ended
// (the termination state: `SC--` the server refused the connection, `SH--` it closed while HAProxy waited for the
// headers, …) and how often it retried or redispatched. A client that saw no error may still have been saved by a
// retry; this is where such requests show.

export interface HaproxyLogSummary {
  /** httplog lines (one per request). */
  readonly requests: number;
  /** Status ≥ 500 or none (-1). */
  readonly serverErrors: number;
  readonly non2xx: number;
  /** Termination state (first two characters) → count, for the sessions that did not end normally (`--`). */
  readonly terminations: Readonly<Record<string, number>>;
  /** Sessions that needed a retry (the `%rc` field > 0). */
  readonly retried: number;
  /** Sessions redispatched to another server (`+` before `%rc`). */
  readonly redispatched: number;
}

// … [date] frontend backend/server Tq/Tw/Tc/Tr/Ta status bytes cookie cookie TTTT ac/fc/bc/sc/rc sq/bq "request"
const LINE = /\] \S+ \S+ -?\d+\/-?\d+\/-?\d+\/-?\d+\/\+?-?\d+ (-?\d+) \+?\d+ \S+ \S+ (\S{4}) \d+\/\d+\/\d+\/\d+\/(\+?)(\d+) \d+\/\d+ "/;

export function summarizeHaproxyLog(text: string): HaproxyLogSummary {
  let requests = 0;
  let serverErrors = 0;
  let non2xx = 0;
  let retried = 0;
  let redispatched = 0;
  const terminations: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    // A connection that sent nothing (wrk checks the address so before the load): no request, no failure.
    if (!match || (line.endsWith('"<BADREQ>"') && match[2] === "CR--")) continue;
    requests += 1;
    const status = Number(match[1]);
    const state = (match[2] as string).slice(0, 2);
    if (status >= 500 || status < 0) serverErrors += 1;
    if (!(status >= 200 && status < 300)) non2xx += 1;
    if (state !== "--") terminations[state] = (terminations[state] ?? 0) + 1;
    if (match[3] === "+") redispatched += 1;
    if (Number(match[4]) > 0) retried += 1;
  }
  return { requests, serverErrors, non2xx, terminations, retried, redispatched };
}
