// The executor's optional settings file, named by BERTH_CONFIG (JSON): what an operator sets once per agent rather
// than per task. Today: hooks that run for every task (the same schema as `berth run --config`'s hooks). Read once
// at start; every problem is named with its JSON path, and a bad file stops the executor (exit 2) like any bad
// variable.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { hookFromConfig } from "../hooks/hookConfig.js";
import { duplicateHookNames, hookConfigSchema, zodProblems } from "../hooks/hookConfigSchema.js";
import type { SettingsFileKey } from "./settingsFileKnobs.js";
import { NO_SETTINGS_FILE, type ExecutorSettingsFile } from "./integrationSettings.js";

// Exactly the keys declared in settingsFileKnobs.ts (`satisfies` refuses a missing or an extra one).
const settingsFileSchema = z.strictObject({
  /** Hooks of every task, before the task's own (labels). */
  hooks: z.array(hookConfigSchema).default([]),
} satisfies { [K in SettingsFileKey]: z.ZodType });

/** Reads BERTH_CONFIG's file, if set; each problem goes to `problems` prefixed with the variable and the path. */
export function readSettingsFile(path: string | undefined, problems: string[]): ExecutorSettingsFile {
  if (path === undefined || path === "") return NO_SETTINGS_FILE;
  const where = `BERTH_CONFIG (${path})`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push(`${where}: ${error instanceof SyntaxError ? "not valid JSON" : "cannot be read"}: ${(error as Error).message}`);
    return NO_SETTINGS_FILE;
  }
  const result = settingsFileSchema.safeParse(json);
  const found = [...(result.success ? [] : result.error.issues.flatMap(zodProblems)), ...duplicateHookNames(json)];
  if (result.success) {
    // Each hook's own rules (a URL, a sleep shorter than its timeout), now rather than at the first task.
    result.data.hooks.forEach((hook, i) => found.push(...hookFromConfig(hook).problems.map((p) => `hooks.${i}: ${p}`)));
  }
  problems.push(...found.map((problem) => `${where}: ${problem}`));
  return found.length === 0 && result.success ? result.data : NO_SETTINGS_FILE;
}
