// The integrations' credentials that Berth reads from its own environment (the services' conventional variables):
// Berth's alone, never passed to a task, under `berth executor` and `berth run` alike. The declarations say which
// (`secret: true` in consulKnobs.ts and secretsKnobs.ts).
import type { EnvKnobs } from "../knob.js";
import { CONSUL_ENV } from "./consulKnobs.js";
import { SECRETS_ENV } from "./secretsKnobs.js";

const secretsOf = (knobs: EnvKnobs): string[] => Object.entries(knobs).filter(([, knob]) => knob.secret === true).map(([name]) => name);

export const INTEGRATION_CREDENTIALS: readonly string[] = [...secretsOf(CONSUL_ENV), ...secretsOf(SECRETS_ENV)];
