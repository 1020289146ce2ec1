// The integrations' credentials that Berth reads from its own environment (the services' conventional variables):
// Berth's alone, never passed to a task, under `berth executor` and `berth run` alike. The declarations say which
// (`secret: true` in consulKnobs.ts and secretsKnobs.ts).
import type { EnvKnobs } from "../knob.js";
import { CONSUL_ENV } from "./consulKnobs.js";
import { SECRETS_ENV } from "./secretsKnobs.js";

// BERTH_* variables (the client key) are kept from tasks by their prefix already.
const secretsOf = (knobs: EnvKnobs): string[] =>
  Object.entries(knobs)
    .filter(([name, knob]) => knob.secret === true && !name.startsWith("BERTH_"))
    .map(([name]) => name);

export const INTEGRATION_CREDENTIALS: readonly string[] = [...secretsOf(CONSUL_ENV), ...secretsOf(SECRETS_ENV)];
