// Hooks as a settings file writes them (berth run's --config, the executor's BERTH_CONFIG), already validated by
// hookConfigSchema.ts, and the Hook each entry becomes. Labels describe the same hooks another way
// (mesos/berthLabels.ts).
import type { Hook, LifecyclePhase } from "../core/hook.js";
import { execHook, validateExecHookOptions } from "./execHook.js";
import { httpHook, parseStatusRanges, validateHttpHookOptions, type HttpHookOptions } from "./httpHook.js";
import { sleepHook, validateSleepHookOptions, type SleepHookOptions } from "./sleepHook.js";

/** One hook of a settings file: exactly one of exec, http, sleepSeconds. */
export interface HookConfig {
  name: string;
  phases: string[];
  exec?: string[] | undefined;
  http?: { url: string; method: string; headers?: Record<string, string> | undefined; body?: string | undefined; expectStatus?: string | undefined } | undefined;
  sleepSeconds?: number | undefined;
  timeoutSeconds?: number | undefined;
  env?: Record<string, string> | undefined;
}

/** One hook of a settings file (the schema made sure it has exactly one action); the hook's own rules checked. */
export function hookFromConfig(hook: HookConfig): { hook?: Hook; problems: string[] } {
  const common = {
    name: hook.name,
    phases: hook.phases as LifecyclePhase[],
    ...(hook.timeoutSeconds !== undefined ? { timeoutMs: hook.timeoutSeconds * 1000 } : {}),
  };
  if (hook.exec) {
    const options = { ...common, argv: hook.exec, ...(hook.env ? { env: hook.env } : {}) };
    const problems = validateExecHookOptions(options);
    return problems.length > 0 ? { problems } : { hook: execHook(options), problems };
  }
  if (hook.http) {
    const { url, method, headers, body, expectStatus: statusText } = hook.http;
    const expectStatus = statusText === undefined ? undefined : parseStatusRanges(statusText);
    if (statusText !== undefined && !expectStatus) return { problems: [`http.expectStatus must list statuses or ranges, e.g. "200-299,409"; got ${JSON.stringify(statusText)}`] };
    const options: HttpHookOptions = { ...common, url, method, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}), ...(expectStatus ? { expectStatus } : {}) };
    const problems = validateHttpHookOptions(options).map((p) => `http: ${p}`);
    return problems.length > 0 ? { problems } : { hook: httpHook(options), problems };
  }
  const options: SleepHookOptions = { ...common, sleepMs: (hook.sleepSeconds ?? 0) * 1000 };
  const problems = validateSleepHookOptions(options);
  return problems.length > 0 ? { problems } : { hook: sleepHook(options), problems };
}
