// Task labels `berth.haproxy.*`, read by haproxyLabels.ts.
import type { LabelKnob } from "../knob.js";

export const HAPROXY_LABEL_KNOBS = {
  "berth.haproxy.backend": {
    type: "list",
    description:
      "HAProxy backend(s), comma-separated, to register the task's port in at the readiness gate (after the warm-up) and to drain in preKill before anything else: `set server … state drain`, wait until its sessions and queue reach 0 (bounded), `maint`, `del server`; again, idempotently, in stop. Needs `BERTH_HAPROXY_SOCKET`; each backend must use a dynamic balance algorithm (e.g. `roundrobin`, not `static-rr`). The server is `<advertise address>:<port>`, named after the task id (characters outside `[A-Za-z0-9_.:-]` become `_`, then `_<port>`, plus `-<8 hex of its sha256>` when the id was changed or cut at 100 characters). HAProxy forgets servers added at run time when it reloads: while registered, Berth looks for its server every `BERTH_HAPROXY_RECHECK_INTERVAL` and adds it again.",
  },
  "berth.haproxy.port-index": { type: "integer", default: 0, description: "Which of the task's ports to register." },
  "berth.haproxy.port-name": { type: "name", description: "Instead of the index: the name of the port to register." },
  "berth.haproxy.weight": { type: "integer", defaultText: "HAProxy's, 1", description: "The server's weight, 0–256." },
  "berth.haproxy.drain-timeout-seconds": {
    type: "seconds",
    defaultText: "`BERTH_HAPROXY_DRAIN_TIMEOUT`",
    description: "The longest wait in preKill for the sessions to end; after it the server stays in maintenance and is removed in stop.",
  },
  "berth.haproxy.check": {
    type: "boolean",
    default: false,
    description: "`true`: HAProxy health-checks the server too, with the backend's check options.",
  },
} as const satisfies Readonly<Record<string, LabelKnob>>;

export type HaproxyLabel = keyof typeof HAPROXY_LABEL_KNOBS;
