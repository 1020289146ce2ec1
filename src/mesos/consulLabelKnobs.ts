// The predecessor's Consul label (no `berth.` prefix), read by consulLabels.ts.
import type { LabelKnob } from "../knob.js";

export const CONSUL_LABEL_KNOBS = {
  consul: {
    type: "string",
    description:
      "The predecessor's label: register the task in Consul at the readiness gate. The value is the service name (`\"\"` or `true`: derived from the task id, `group_app.uuid` → `group.app`); task labels whose value is `tag` become tags; a port label `consul=a,b` registers that port under each name, `tag` / `tag:<name>` tag its instance, `{port:NAME}` in a tag is that port's number; service ID `<taskID>_<name>_<port>`; tags include `BERTH_CONSUL_GLOBAL_TAG` and `marathon-task:<taskID>`; a Consul check from the task's HTTP/TCP health check. In preKill, before anything else: deregister, then wait until the instance has left `/v1/health/service/<name>?passing` (at most `BERTH_CONSUL_LEAVE_TIMEOUT`); in stop, deregister again. Consul unreachable at registration fails the task.",
  },
} as const satisfies Readonly<Record<string, LabelKnob>>;

export type ConsulLabel = keyof typeof CONSUL_LABEL_KNOBS;
