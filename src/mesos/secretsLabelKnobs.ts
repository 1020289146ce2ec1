// Task labels of the config service and the certificate lifetime, read by secretsLabels.ts.
import type { LabelKnob } from "../knob.js";

export const SECRETS_LABEL_KNOBS = {
  "berth.config.app": {
    type: "name",
    defaultText: "the task's `MARATHON_APP_ID`",
    description: "The app's name for the config service (needs `BERTH_CONFIG_SERVICE_URL`).",
  },
  "validate-certificate": {
    type: "boolean",
    default: false,
    description:
      "The predecessor's label (no prefix). `true`: the task does not start with an expired or unparsable agent certificate (TASK_FAILED naming the variable and NotAfter), and is killed gracefully (TASK_KILLED) at NotAfter minus a random part of `BERTH_CERTIFICATE_SPREAD`, so that a fleet's instances do not restart together.",
  },
} as const satisfies Readonly<Record<string, LabelKnob>>;

export type SecretsLabel = keyof typeof SECRETS_LABEL_KNOBS;
