// The agent-wide settings of Berth's integrations, read once from the executor's environment (set by the agent
// operator with --executor_environment_variables, or by the framework): each integration is off unless configured.
// Every problem names its variable, like the executor's own settings.
import { readConsulSettings, type ConsulSettings } from "../hooks/consulSettings.js";
import { readHaproxySettings, type HaproxySettings } from "../hooks/haproxySettings.js";
import { readSecretsSettings, type SecretsSettings } from "../hooks/secretsSettings.js";
import type { HookConfig } from "../hooks/hookConfig.js";

/** The executor's settings file (BERTH_CONFIG; read by settingsFile.ts, loaded only when the variable is set). */
export interface ExecutorSettingsFile {
  /** Hooks of every task, before the task's own (labels). */
  readonly hooks: readonly HookConfig[];
}

export const NO_SETTINGS_FILE: ExecutorSettingsFile = { hooks: [] };

export interface IntegrationSettings {
  readonly haproxy: HaproxySettings;
  readonly consul: ConsulSettings;
  /** The agent-issued client certificate, the config service, Vault. */
  readonly secrets: SecretsSettings;
  /** BERTH_CONFIG's file: hooks for every task. */
  readonly file: ExecutorSettingsFile;
}

export function readIntegrationSettings(env: Readonly<Record<string, string | undefined>>, problems: string[]): IntegrationSettings {
  return {
    haproxy: readHaproxySettings(env, problems),
    consul: readConsulSettings(env, problems),
    secrets: readSecretsSettings(env, problems),
    // The file, when BERTH_CONFIG names one, is read by the caller (its schema loads zod, which costs every start).
    file: NO_SETTINGS_FILE,
  };
}

/** Settings with every integration off (tests, and front ends that configure none). */
export const NO_INTEGRATIONS: IntegrationSettings = {
  haproxy: readHaproxySettings({}, []),
  consul: readConsulSettings({}, []),
  secrets: readSecretsSettings({}, []),
  file: NO_SETTINGS_FILE,
};
