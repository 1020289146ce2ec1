// Every top-level field of Marathon's app definition (its REST API's App type) and what `berth dev` does with it.
// A field missing here is unknown: most likely misspelt, so `berth dev` refuses it and names the closest known one
// rather than run an app that silently lacks what its author meant.

/** honoured: berth dev acts on it; unsupported: named in a warning and ignored; status: part of Marathon's answer to a GET, ignored. */
export type FieldUse = "honoured" | "unsupported" | "status";

export interface FieldInfo {
  readonly use: FieldUse;
  /** For unsupported fields: why, in a few words (shown in the warning). */
  readonly why?: string;
}

const honoured = (): FieldInfo => ({ use: "honoured" });
const unsupported = (why: string): FieldInfo => ({ use: "unsupported", why });
const status = (): FieldInfo => ({ use: "status" });

export const APP_FIELDS: Readonly<Record<string, FieldInfo>> = {
  id: honoured(),
  cmd: honoured(),
  args: honoured(),
  env: honoured(),
  labels: honoured(),
  instances: honoured(),
  cpus: honoured(),
  mem: honoured(),
  portDefinitions: honoured(),
  ports: honoured(),
  requirePorts: honoured(),
  networks: honoured(),
  healthChecks: honoured(),
  readinessChecks: honoured(),
  taskKillGracePeriodSeconds: honoured(),
  upgradeStrategy: honoured(),
  killSelection: honoured(),
  executor: honoured(),
  // Placement and scheduling: one local agent has nothing to choose between.
  constraints: unsupported("placement: berth dev has one local agent"),
  acceptedResourceRoles: unsupported("resource roles: the local agent offers no roles"),
  role: unsupported("resource roles: the local agent offers no roles"),
  dependencies: unsupported("berth dev runs one app"),
  residency: unsupported("no persistent volumes locally"),
  unreachableStrategy: unsupported("the local agent is never unreachable"),
  backoffFactor: unsupported("berth dev does not relaunch a failed task"),
  backoffSeconds: unsupported("berth dev does not relaunch a failed task"),
  maxLaunchDelaySeconds: unsupported("berth dev does not relaunch a failed task"),
  // Containers and isolation: the local agent runs the executor as a plain process of yours.
  container: unsupported("no containerizer: the task runs as a plain process on this machine"),
  ipAddress: unsupported("no container networking: the task uses this machine's network"),
  tty: unsupported("no containerizer, so no TTY for the task"),
  disk: unsupported("resources are not isolated locally"),
  gpus: unsupported("resources are not isolated locally"),
  resourceLimits: unsupported("resources are not isolated locally"),
  executorResources: unsupported("resources are not isolated locally"),
  user: unsupported("the task runs as you (CommandInfo.user needs root)"),
  // Artifacts and secrets come from services berth dev does not have.
  fetch: unsupported("no Mesos fetcher: put files beside the app definition ($DEV_APP_DIR)"),
  uris: unsupported("no Mesos fetcher: put files beside the app definition ($DEV_APP_DIR)"),
  storeUrls: unsupported("no artifact store"),
  secrets: unsupported("no secret store (Berth's own secrets come from Vault: berth.vault.* labels)"),
  check: unsupported("Marathon's generalized check is not translated by berth dev yet"),
  // Marathon's answer to GET /v2/apps/ID carries these; an app definition copied from there may have them.
  version: status(),
  versionInfo: status(),
  tasks: status(),
  tasksStaged: status(),
  tasksRunning: status(),
  tasksHealthy: status(),
  tasksUnhealthy: status(),
  deployments: status(),
  lastTaskFailure: status(),
  taskStats: status(),
  readinessCheckResults: status(),
};

/** Levenshtein distance, case-insensitive (a wrong capital is the commonest slip: "healthchecks"). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/** The known name closest to `name` among `known`, if it is close enough to be a likely typo. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  // A name cut short ("taskKillGracePeriod") or run on is a likely slip whatever the distance.
  const lower = name.toLowerCase();
  const prefixed = known.find((candidate) => Math.min(lower.length, candidate.length) >= 4 && (candidate.toLowerCase().startsWith(lower) || lower.startsWith(candidate.toLowerCase())));
  if (prefixed) return prefixed;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the length (at least 2 edits): "helthCheck" → healthChecks, but "foo" suggests nothing.
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
