// The agent-wide settings of Berth's integrations, read once from the executor's environment (set by the agent
// operator with --executor_environment_variables, or by the framework): each integration is off unless configured.
// Every problem names its variable, like the executor's own settings.
import { readConsulSettings, type ConsulSettings } from "../hooks/consulSettings.js";
import { readHaproxySettings, type HaproxySettings } from "../hooks/haproxySettings.js";
import { readSecretsSettings, type SecretsSettings } from "../hooks/secretsSettings.js";
import { NO_SETTINGS_FILE, readSettingsFile, type ExecutorSettingsFile } from "./settingsFile.js";

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
    file: readSettingsFile(env.BERTH_CONFIG, problems),
  };
}

/** Settings with every integration off (tests, and front ends that configure none). */
export const NO_INTEGRATIONS: IntegrationSettings = {
  haproxy: readHaproxySettings({}, []),
  consul: readConsulSettings({}, []),
  secrets: readSecretsSettings({}, []),
  file: NO_SETTINGS_FILE,
};
