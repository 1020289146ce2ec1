// The integrations' credentials that Berth reads from its own environment (the services' conventional variables):
// Berth's alone, never passed to a task, under `berth executor` and `berth run` alike.
import { CONSUL_SECRET_VARIABLES } from "./consulSettings.js";

export const INTEGRATION_CREDENTIALS: readonly string[] = [...CONSUL_SECRET_VARIABLES, "VAULT_TOKEN"];
