// The keys of one hook in a settings file (`berth run`'s `hooks`, BERTH_CONFIG's `hooks`), validated by
// hookConfigSchema.ts, whose shape must have exactly these keys (checked by the compiler there). Nested keys are
// written with a dot.
import type { ConfigKnob } from "../knob.js";

export const HOOK_CONFIG_KNOBS = {
  name: { type: "name", description: "The hook's name, in its log lines and messages; unique in the file." },
  phases: { type: "array", description: "The phases it runs in: `prestart`, `poststart`, `healthy`, `preKill`, `exited`, `stop`." },
  timeoutSeconds: { type: "seconds", defaultText: "the phase's: 60 for prestart, 30 otherwise", description: "Deadline of one run." },
  exec: { type: "array", description: "One action: program and arguments, run without a shell (see the exec hooks below)." },
  env: { type: "object", description: "With `exec`: variables added to the hook's environment." },
  http: { type: "object", description: "One action: an HTTP request per phase, as the labels' `berth.hook.<name>.http`." },
  "http.url": { type: "url", description: "The URL; `{phase}` becomes the phase." },
  "http.method": { type: "string", default: "GET", description: "The method." },
  "http.headers": { type: "object", description: "Headers, one line each." },
  "http.body": { type: "string", description: "The request's body." },
  "http.expectStatus": { type: "string", default: "200-299", description: "The statuses that count as success, e.g. `\"200-299,409\"`." },
  sleepSeconds: { type: "seconds", description: "One action: wait this long in each phase, as `berth.hook.<name>.sleep-seconds`; shorter than the timeout." },
} as const satisfies Readonly<Record<string, ConfigKnob>>;

type Key = keyof typeof HOOK_CONFIG_KNOBS;
/** The top-level keys of a hook. */
export type HookConfigKey = Exclude<Key, `${string}.${string}`>;
/** The keys of a hook's `http` object. */
export type HookHttpKey = Key extends infer K ? (K extends `http.${infer Field}` ? Field : never) : never;
