// Task labels `berth.vault.<ENV_NAME>`, read by vaultLabels.ts.
import type { LabelKnob } from "../knob.js";

export const VAULT_LABEL_KNOBS = {
  "berth.vault.<ENV_NAME>": {
    type: "string",
    description:
      "`<mount>/<path>#<field>`: a KV v2 secret put into the task's environment as `ENV_NAME` (needs `VAULT_ADDR`; `BERTH_*` and `MESOS_*` names are reserved).",
  },
} as const satisfies Readonly<Record<string, LabelKnob>>;

/** What every Vault label starts with. */
export const VAULT_LABEL_PREFIX = "berth.vault.";
