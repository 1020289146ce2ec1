// Vault secrets a task asks for: labels `berth.vault.<ENV_NAME>` = `<mount>/<path>#<field>` (KV v2; the mount is the
// first segment: `secret/shop/db#password` reads field `password` of `shop/db` in the mount `secret`).
import { parseVaultReference, type VaultSecretRef } from "../hooks/vaultHook.js";

export { parseVaultReference };
import type { VaultSettings } from "../hooks/secretsSettings.js";
import type { TaskInfo } from "./types.js";
import { VAULT_LABEL_PREFIX } from "./vaultLabelKnobs.js";

export { VAULT_LABEL_PREFIX };
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = /^(BERTH_|MESOS_)/;
// A segment of a Vault path: no separators, whitespace or control characters, not "." or "..".

export interface VaultLabelContext {
  /** The agent's Vault settings; undefined when Vault is not configured (VAULT_ADDR unset). */
  readonly vault: VaultSettings | undefined;
}

/** Parses one label value; a problem (without the label's name) or the reference. */

/** The task's Vault secrets, or undefined when it asks for none. Never throws; a problem per bad label. */
export function readVaultLabels(task: TaskInfo, context: VaultLabelContext, problems: string[]): VaultSecretRef[] | undefined {
  const refs: VaultSecretRef[] = [];
  for (const label of task.labels?.labels ?? []) {
    if (!label.key.startsWith(VAULT_LABEL_PREFIX)) continue;
    const name = label.key.slice(VAULT_LABEL_PREFIX.length);
    const value = label.value ?? "";
    if (!ENV_NAME.test(name)) {
      problems.push(`label ${label.key}: ${JSON.stringify(name)} is not a valid environment variable name`);
      continue;
    }
    if (RESERVED.test(name)) {
      problems.push(`label ${label.key}: ${name} is reserved for Berth and the agent`);
      continue;
    }
    if (refs.some((r) => r.env === name)) {
      problems.push(`label ${label.key} appears twice`);
      continue;
    }
    const parsed = parseVaultReference(value);
    if (typeof parsed === "string") {
      problems.push(`label ${label.key}: ${parsed}`);
      continue;
    }
    refs.push({ env: name, label: label.key, ...parsed });
  }
  if (refs.length === 0) return undefined;
  if (!context.vault) {
    problems.push(`label ${refs[0]!.label}: Vault is not configured on this agent (VAULT_ADDR is not set)`);
    return undefined;
  }
  return refs;
}
