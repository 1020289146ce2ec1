// Task labels of the config service and certificate lifetime integrations:
//   berth.config.app       the app name the config service knows (default: MARATHON_APP_ID)
//   validate-certificate   "true": check the agent certificate before start and restart before it expires
//                          (the predecessor's label, without a prefix)
import type { ConfigServiceSettings } from "../hooks/secretsSettings.js";
import type { TaskInfo } from "./types.js";
import type { SecretsLabel } from "./secretsLabelKnobs.js";

// Declared in secretsLabelKnobs.ts.
export const CONFIG_APP_LABEL = "berth.config.app" satisfies SecretsLabel;
export const VALIDATE_CERTIFICATE_LABEL = "validate-certificate" satisfies SecretsLabel;

function label(task: TaskInfo, key: string): string | undefined {
  const found = task.labels?.labels?.filter((l) => l.key === key) ?? [];
  return found.length === 0 ? undefined : (found.at(-1)?.value ?? "");
}

/** The config service's per-task options; undefined when no config service is configured. */
export function readConfigServiceLabels(task: TaskInfo, context: { readonly configService: ConfigServiceSettings | undefined }, problems: string[]): { app?: string } | undefined {
  const app = label(task, CONFIG_APP_LABEL);
  if (app !== undefined && (app.trim() === "" || app.includes("\0"))) {
    problems.push(`label ${CONFIG_APP_LABEL}: expected an app name, got ${JSON.stringify(app)}`);
    return undefined;
  }
  if (!context.configService) {
    if (app !== undefined) problems.push(`label ${CONFIG_APP_LABEL}: no config service is configured on this agent (BERTH_CONFIG_SERVICE_URL is not set)`);
    return undefined;
  }
  return app !== undefined ? { app } : {};
}

/** True when the task asks for the certificate lifetime checks; a problem for a value other than true/false. */
export function readCertificateLabels(task: TaskInfo, problems: string[]): { validate: true } | undefined {
  const value = label(task, VALIDATE_CERTIFICATE_LABEL);
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase();
  if (normalized === "true") return { validate: true };
  if (normalized !== "false" && normalized !== "") problems.push(`label ${VALIDATE_CERTIFICATE_LABEL}: expected true or false, got ${JSON.stringify(value)}`);
  return undefined;
}
