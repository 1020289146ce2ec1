// A hook that makes one HTTP request per phase (Kubernetes' httpGet lifecycle handler, generalised: any method,
// headers, a body, the statuses that count as success). The request goes where its URL says (the task itself, a
// registry, a cache to purge); redirects are not followed; https is verified against the system's CAs.
import http from "node:http";
import https from "node:https";
import { BerthError } from "../berthError.js";
import type { Hook, LifecyclePhase } from "../core/hook.js";
import { phaseHook } from "./phaseHook.js";

export type StatusRange = readonly [low: number, high: number];

export interface HttpHookOptions {
  readonly name: string;
  readonly phases: readonly LifecyclePhase[];
  /** e.g. GET, POST, PUT, DELETE. */
  readonly method: string;
  /** http(s) URL; `{phase}` is replaced by the phase at each call. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Statuses that count as success (default 200–299). */
  readonly expectStatus?: readonly StatusRange[];
  readonly timeoutMs?: number;
}

export type HttpHookErrorCode = "HTTP_HOOK_INVALID" | "HTTP_HOOK_STATUS" | "HTTP_HOOK_FAILED";

export class HttpHookError extends BerthError {
  declare readonly code: HttpHookErrorCode;
  constructor(code: HttpHookErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Longest excerpt of an unexpected answer's body in an error message. */
const MAX_EXCERPT = 200;
/** Most of an answer's body that is read (for the excerpt); the rest is not waited for. */
const MAX_BODY_BYTES = 4 * 1024;
export const DEFAULT_EXPECT_STATUS: readonly StatusRange[] = [[200, 299]];

/** Every problem of the options (empty when valid); the input may come from labels or a config file. */
export function validateHttpHookOptions({ method, url, headers = {}, body, expectStatus = DEFAULT_EXPECT_STATUS }: HttpHookOptions): string[] {
  const problems: string[] = [];
  if (!TOKEN.test(method)) problems.push(`method ${JSON.stringify(method)} is not an HTTP method`);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.replaceAll("{phase}", "prestart"));
  } catch {
    problems.push(`url ${JSON.stringify(url.slice(0, 200))} is not a URL`);
  }
  if (parsed && parsed.protocol !== "http:" && parsed.protocol !== "https:") problems.push(`url must be http or https, not ${parsed.protocol}`);
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) problems.push(`header name ${JSON.stringify(name.slice(0, 64))} is not a token`);
    // CR or LF would split the request (header injection); NUL is refused by Node anyway.
    if (typeof value !== "string" || /[\r\n\0]/.test(value)) problems.push(`header ${name.slice(0, 64)} must be one line of text`);
  }
  if (body !== undefined && typeof body !== "string") problems.push("body must be a string");
  if (expectStatus.length === 0) problems.push("expected statuses must not be empty");
  for (const [low, high] of expectStatus) {
    if (!(Number.isInteger(low) && Number.isInteger(high) && low >= 100 && high <= 599 && low <= high)) problems.push(`expected status ${low}-${high} is not a range within 100-599`);
  }
  return problems;
}

/** "200-299,404" → [[200, 299], [404, 404]]; undefined when it does not parse. */
export function parseStatusRanges(text: string): StatusRange[] | undefined {
  const ranges: StatusRange[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!match) return undefined;
    ranges.push([Number(match[1]), Number(match[2] ?? match[1])]);
  }
  return ranges;
}

/** Builds the hook; throws HttpHookError (HTTP_HOOK_INVALID) for bad options. */
export function httpHook(options: HttpHookOptions): Hook {
  const problems = validateHttpHookOptions(options);
  if (problems.length > 0) throw new HttpHookError("HTTP_HOOK_INVALID", `Invalid http hook: ${problems.join("; ")}`);
  return phaseHook(
    options.name,
    options.phases,
    async ({ signal, output }, phase) => {
      const url = new URL(options.url.replaceAll("{phase}", phase));
      const status = await request(options, url, signal);
      output(`${options.method} ${shown(url)} answered ${status.code}`);
      if (!(options.expectStatus ?? DEFAULT_EXPECT_STATUS).some(([low, high]) => status.code >= low && status.code <= high)) {
        throw new HttpHookError("HTTP_HOOK_STATUS", `${options.method} ${shown(url)} answered ${status.code}${status.excerpt ? `: ${status.excerpt}` : ""}`);
      }
    },
    options.timeoutMs,
  );
}

/** The URL as it may be shown: no credentials, no query (either may carry a secret). */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function request({ method, headers = {}, body }: HttpHookOptions, url: URL, signal: AbortSignal): Promise<{ code: number; excerpt: string }> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers: { ...headers, ...(body !== undefined ? { "Content-Length": Buffer.byteLength(body) } : {}) }, signal });
    req.on("error", (error) => {
      reject(new HttpHookError("HTTP_HOOK_FAILED", `${method} ${shown(url)} failed: ${signal.aborted ? "cancelled at its deadline" : error.message}`, { cause: error }));
    });
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        response.destroy();
        const text = Buffer.concat(chunks).toString("utf8").split("\n")[0]?.trim() ?? "";
        resolve({ code: response.statusCode ?? 0, excerpt: text.slice(0, MAX_EXCERPT) });
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) done(); // enough for an excerpt: the rest is not read
      });
      response.on("end", done);
      response.on("error", done);
    });
    req.end(body);
  });
}
