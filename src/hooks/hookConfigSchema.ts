// The JSON schema of hooks in a settings file (berth run's --config, the executor's BERTH_CONFIG), with zod: every
// problem named by its JSON path. Kept apart from hookConfig.ts so that the executor loads zod only when it reads a
// settings file (zod costs tens of milliseconds at every executor start).
import { z } from "zod";
import type { HookConfig } from "./hookConfig.js";
import { PHASES } from "./execHook.js";
import { HOOK_CONFIG_KNOBS, type HookConfigKey, type HookHttpKey } from "./hookConfigKnobs.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Seconds become milliseconds: a value finite in seconds but not in ms (1e306) would be an infinite wait.
const finiteInMs = (value: number): boolean => Number.isFinite(value * 1000);
const TOO_LARGE = "is too large (seconds)";
export const secondsSchema = z.number().finite().min(0, "must be >= 0 (seconds)").refine(finiteInMs, TOO_LARGE);
export const positiveSecondsSchema = z.number().finite().positive("must be > 0 (seconds)").refine(finiteInMs, TOO_LARGE);
export const envRecordSchema = z.record(z.string().regex(ENV_NAME, "is not a valid variable name"), z.string({ error: "must be a string" }));

// Exactly the keys declared in hookConfigKnobs.ts (`satisfies` refuses a missing or an extra one).
const httpActionSchema = z.strictObject({
  url: z.string(),
  method: z.string().default(HOOK_CONFIG_KNOBS["http.method"].default),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  /** e.g. "200-299,409"; absent: the http hook's default, declared as 200-299. */
  expectStatus: z.string().optional(),
} satisfies { [K in HookHttpKey]: z.ZodType });

export const hookConfigSchema: z.ZodType<HookConfig> = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty"),
    phases: z.array(z.enum(PHASES as [string, ...string[]])).min(1, "must list at least one phase"),
    exec: z
      .array(z.string())
      .min(1, "must name at least the program")
      .refine((argv) => argv[0] !== "", "the program (first word) must not be empty")
      .optional(),
    http: httpActionSchema.optional(),
    sleepSeconds: secondsSchema.optional(),
    timeoutSeconds: positiveSecondsSchema.optional(),
    env: envRecordSchema.optional(),
  } satisfies { [K in HookConfigKey]: z.ZodType })
  .refine((hook) => [hook.exec, hook.http, hook.sleepSeconds].filter((action) => action !== undefined).length === 1, "needs exactly one of exec, http, sleepSeconds")
  .refine((hook) => hook.env === undefined || hook.exec !== undefined, "env goes with exec only");

/** A zod issue as problem lines, each with its JSON path (e.g. "hooks.0.phases: …"). */
export function zodProblems(issue: z.core.$ZodIssue): string[] {
  // One line per unknown key, at its own path: "healthCheck.intervall: unknown key".
  if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `${pathOf([...issue.path, key])}: unknown key`);
  // zod reports a bad record key generically; the key schema's own message says what is wrong.
  if (issue.code === "invalid_key") return [`${pathOf(issue.path)}: ${issue.issues.map((inner) => inner.message).join("; ")}`];
  if (issue.code === "invalid_type" && issue.path.length === 0) return ["(config): must be a JSON object"];
  return [`${pathOf(issue.path)}: ${issue.message}`];
}

/** Messages name a failing hook; two with one name would make them ambiguous. Checked on the raw input so that it is
 * reported together with every other problem. */
export function duplicateHookNames(json: unknown): string[] {
  const hooks = typeof json === "object" && json !== null ? (json as { hooks?: unknown }).hooks : undefined;
  if (!Array.isArray(hooks)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  hooks.forEach((hook: unknown, i) => {
    const name: unknown = typeof hook === "object" && hook !== null ? (hook as { name?: unknown }).name : undefined;
    if (typeof name !== "string") return;
    if (seen.has(name.trim())) problems.push(`hooks.${i}.name: ${JSON.stringify(name)} is already the name of an earlier hook`);
    seen.add(name.trim());
  });
  return problems;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(config)" : path.map(String).join(".");
}
