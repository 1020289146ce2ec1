// Every knob of Berth, collected from the declarations beside their readers, in the order the README lists them.
// Only the docs (knobDocs.ts, `npm run docs`) and `--help` use this: readers import their own layer's declarations.
import type { ConfigKnob, ConfigKnobs, EnvKnob, EnvKnobs, LabelKnob, LabelKnobs } from "../knob.js";
import { LOGGER_ENV } from "../loggerKnobs.js";
import { CONSUL_ENV } from "../hooks/consulKnobs.js";
import { HAPROXY_ENV } from "../hooks/haproxyKnobs.js";
import { HOOK_CONFIG_KNOBS } from "../hooks/hookConfigKnobs.js";
import { REGISTRATION_ENV } from "../hooks/registrationKnobs.js";
import { SECRETS_ENV } from "../hooks/secretsKnobs.js";
import { BERTH_HOOK_LABEL_KNOBS, BERTH_LABEL_KNOBS } from "../mesos/berthLabelKnobs.js";
import { CONSUL_LABEL_KNOBS } from "../mesos/consulLabelKnobs.js";
import { EXECUTOR_ENV } from "../mesos/executorKnobs.js";
import { HAPROXY_LABEL_KNOBS } from "../mesos/haproxyLabelKnobs.js";
import { SECRETS_LABEL_KNOBS } from "../mesos/secretsLabelKnobs.js";
import { SETTINGS_FILE_KNOBS } from "../mesos/settingsFileKnobs.js";
import { VAULT_LABEL_KNOBS } from "../mesos/vaultLabelKnobs.js";
import { METRICS_ENV } from "../metrics/metricsKnobs.js";
import { LOG_ENV, LOG_LABEL_KNOBS } from "../logs/logKnobs.js";
import { RUN_CONFIG_KNOBS } from "../run/runConfigKnobs.js";

/** The declarations as one list; a name declared twice is a mistake in the declarations, thrown at once. */
export function collectKnobs<K>(what: string, ...groups: readonly Readonly<Record<string, K>>[]): readonly (readonly [name: string, knob: K])[] {
  const all: [string, K][] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    for (const [name, knob] of Object.entries(group)) {
      if (seen.has(name)) throw new Error(`${what} ${name} is declared twice`);
      seen.add(name);
      all.push([name, knob]);
    }
  }
  return all;
}

const prefixed = (prefix: string, knobs: LabelKnobs): LabelKnobs => Object.fromEntries(Object.entries(knobs).map(([field, knob]) => [`${prefix}${field}`, knob]));

export const ENV_KNOBS: readonly (readonly [string, EnvKnob])[] = collectKnobs<EnvKnob>(
  "environment variable",
  EXECUTOR_ENV as EnvKnobs,
  LOGGER_ENV as EnvKnobs,
  REGISTRATION_ENV as EnvKnobs,
  HAPROXY_ENV as EnvKnobs,
  CONSUL_ENV as EnvKnobs,
  SECRETS_ENV as EnvKnobs,
  METRICS_ENV as EnvKnobs,
  LOG_ENV as EnvKnobs,
);

/** The metrics' variables, also listed in their own README section. */
export const METRICS_ENV_KNOBS: readonly (readonly [string, EnvKnob])[] = collectKnobs<EnvKnob>("metrics variable", METRICS_ENV as EnvKnobs);

export const LABEL_KNOBS: readonly (readonly [string, LabelKnob])[] = collectKnobs<LabelKnob>(
  "task label",
  BERTH_LABEL_KNOBS as LabelKnobs,
  HAPROXY_LABEL_KNOBS as LabelKnobs,
  CONSUL_LABEL_KNOBS as LabelKnobs,
  SECRETS_LABEL_KNOBS as LabelKnobs,
  VAULT_LABEL_KNOBS as LabelKnobs,
  LOG_LABEL_KNOBS as LabelKnobs,
  prefixed("berth.hook.<name>.", BERTH_HOOK_LABEL_KNOBS),
);

export const RUN_CONFIG_KEYS: readonly (readonly [string, ConfigKnob])[] = collectKnobs<ConfigKnob>("berth run config key", RUN_CONFIG_KNOBS as ConfigKnobs);
export const SETTINGS_FILE_KEYS: readonly (readonly [string, ConfigKnob])[] = collectKnobs<ConfigKnob>("settings file key", SETTINGS_FILE_KNOBS as ConfigKnobs);
export const HOOK_CONFIG_KEYS: readonly (readonly [string, ConfigKnob])[] = collectKnobs<ConfigKnob>("hook key", HOOK_CONFIG_KNOBS as ConfigKnobs);
