// Task labels under `berth.` that berthLabels.ts reads (the integrations' labels are declared beside their readers:
// haproxyLabelKnobs.ts, consulLabelKnobs.ts, vaultLabelKnobs.ts, secretsLabelKnobs.ts).
import type { LabelKnob } from "../knob.js";

export const BERTH_LABEL_KNOBS = {
  "berth.stop-signal": { type: "signal", default: "SIGTERM", description: "The signal that asks the task to stop, e.g. `SIGINT`, `SIGQUIT`." },
  "berth.drain-seconds": { type: "seconds", default: 0, description: "The wait between the preKill hooks and the stop signal." },
  "berth.readiness.protocol": {
    type: "enum",
    values: ["http", "https", "tcp", "command"],
    description:
      "A readiness check (Kubernetes semantics: never kills) that gates the healthy phase (registration); without it the first passing health check does, and without either the task is ready once it runs.",
  },
  "berth.readiness.port-index": { type: "integer", default: 0, description: "For `http`, `https`, `tcp`: which of the task's ports (`DiscoveryInfo` ports, else the `ports` resource) to check." },
  "berth.readiness.port-name": { type: "name", description: "Instead of the index: the name of the port to check." },
  "berth.readiness.path": { type: "string", default: "/", description: "For `http`, `https`: the path requested." },
  "berth.readiness.command": { type: "string", description: "For `command`: a shell command (exit 0 = ready), run as Mesos runs COMMAND checks." },
  "berth.readiness.delay-seconds": { type: "seconds", default: 0, description: "Before the first readiness check." },
  "berth.readiness.interval-seconds": { type: "seconds", default: 1, description: "Between a result and the next check." },
  "berth.readiness.timeout-seconds": { type: "seconds", default: 1, description: "Deadline of one check." },
  "berth.readiness.successes": { type: "integer", default: 1, description: "Passes in a row that make the task ready." },
  "berth.graceful.path": {
    type: "string",
    description: "Before the stop signal, POST this path on the task's port and wait for the task to exit (Aurora's `/quitquitquit`).",
  },
  "berth.graceful.abort-path": { type: "string", description: "POSTed next if the task is still running after the wait (Aurora's `/abortabortabort`)." },
  "berth.graceful.port-index": { type: "integer", default: 0, description: "Which of the task's ports has the graceful endpoint." },
  "berth.graceful.port-name": { type: "name", description: "Instead of the index: the name of the graceful endpoint's port." },
  "berth.graceful.wait-seconds": { type: "seconds", default: 5, description: "The wait after each graceful request." },
  "berth.warmup.paths": {
    type: "list",
    description:
      "Comma-separated paths requested (GET, on 127.0.0.1) on the task's port once it is ready and before any hook registers it anywhere, so that the first real users do not pay for cold caches.",
  },
  "berth.warmup.requests": { type: "integer", default: 10, description: "Requests per path (at most 10,000 in all)." },
  "berth.warmup.timeout-seconds": { type: "seconds", default: 5, description: "Deadline of one warm-up request." },
  "berth.warmup.port-index": { type: "integer", default: 0, description: "Which of the task's ports to warm up." },
  "berth.warmup.port-name": { type: "name", description: "Instead of the index: the name of the port to warm up." },
  "berth.warmup.required": {
    type: "boolean",
    default: false,
    description:
      "`true`: a failed warm-up request (an error, or a status outside 200–399) fails the task; `false`: logged with the count and the first failure, and the task is registered anyway.",
  },
} as const satisfies Readonly<Record<string, LabelKnob>>;

/** The fields of a task's own hook, `berth.hook.<name>.<field>` (`<name>`: lower-case letters, digits, `-`). */
export const BERTH_HOOK_LABEL_KNOBS = {
  exec: {
    type: "json",
    description:
      "An external exec hook: a JSON array, program and arguments (no shell), e.g. `[\"/opt/hooks/warm-up\", \"--fast\"]`; it runs like `berth run`'s exec hooks.",
  },
  phases: { type: "list", description: "Comma-separated phases of that hook: `prestart`, `poststart`, `healthy`, `preKill`, `exited`, `stop`." },
  "timeout-seconds": { type: "seconds", defaultText: "the phase's: 60 for prestart, 30 otherwise", description: "Deadline of one run of that hook." },
  http: {
    type: "url",
    description:
      "Instead of `.exec`: an HTTP request per phase (Kubernetes' httpGet handler, generalised) to this URL; placeholders `{port}` (the task's first port), `{port:NAME}`, `{port:INDEX}`, `{taskId}` (filled in from the task), `{phase}` (at each call); redirects are not followed, https is verified; the log shows the URL without its query.",
  },
  method: { type: "string", default: "GET", description: "With `.http`: the method." },
  headers: { type: "json", description: "With `.http`: a JSON object of headers (one line each)." },
  body: { type: "string", description: "With `.http`: the request's body." },
  "expect-status": { type: "list", default: "200-299", description: "With `.http`: the statuses that count as success, e.g. `200-299,409`." },
  "sleep-seconds": {
    type: "seconds",
    description:
      "Instead of `.exec`: wait this long in each phase (Kubernetes' `sleep` handler), e.g. in preKill for load balancers that poll their registry; must be shorter than the hook's timeout.",
  },
} as const satisfies Readonly<Record<string, LabelKnob>>;

export type BerthLabel = keyof typeof BERTH_LABEL_KNOBS;
export type BerthHookField = keyof typeof BERTH_HOOK_LABEL_KNOBS;
