// The keys of the executor's settings file (BERTH_CONFIG), validated by settingsFile.ts, whose schema must have
// exactly these keys (checked by the compiler there).
import type { ConfigKnob } from "../knob.js";

export const SETTINGS_FILE_KNOBS = {
  hooks: {
    type: "array",
    default: [],
    description: "Hooks that run for every task, before the task's own (`berth.hook.<name>.*` labels), in file order; each as in `berth run`'s `hooks` (see \"Hooks in a config file\").",
  },
} as const satisfies Readonly<Record<string, ConfigKnob>>;

export type SettingsFileKey = keyof typeof SETTINGS_FILE_KNOBS;
