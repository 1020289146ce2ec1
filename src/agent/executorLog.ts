// What one executor run records (calls naming it, events meant for it, status updates for its tasks) and the
// deadline-bounded waits on those records.
import type { Event, TaskStatus } from "../mesos/types.js";
import type { AgentContext } from "./agentContext.js";
import type { WaitOptions } from "./changeNotifier.js";
import type { FromOptions } from "./executorHandle.js";
import type { CallRecord, EventLoss, EventRecord, UpdateDisposition, UpdateRecord } from "./records.js";

function describeUpdate(record: UpdateRecord): string {
  const s = record.status;
  const extra = [s.reason, s.source, s.healthy === undefined ? undefined : `healthy=${s.healthy}`].filter(Boolean).join(" ");
  return `${s.task_id.value} ${s.state}${extra ? ` (${extra})` : ""}${record.disposition === "accepted" ? "" : ` [${record.disposition}]`}`;
}

const describeCalls = (calls: readonly CallRecord[]): string => `[${calls.map((c) => `${c.call?.type ?? "?"} -> ${c.status}`).join(", ")}]`;

export class ExecutorLog {
  readonly calls: CallRecord[] = [];
  readonly events: EventRecord[] = [];
  readonly updateLog: UpdateRecord[] = [];
  readonly #agent: AgentContext;
  readonly #executorId: string;
  readonly #frameworkId: string;
  /** The executor's state and exit, for timeout messages. */
  readonly #describeRun: () => string;

  constructor(agent: AgentContext, executorId: string, frameworkId: string, describeRun: () => string) {
    this.#agent = agent;
    this.#executorId = executorId;
    this.#frameworkId = frameworkId;
    this.#describeRun = describeRun;
  }

  updates(taskId?: string): UpdateRecord[] {
    return this.updateLog.filter((r) => r.disposition === "accepted" && (taskId === undefined || r.status.task_id.value === taskId));
  }

  recordCall(record: CallRecord): void {
    this.calls.push(record);
  }

  /** Records an event for this executor; returns whether it was delivered. */
  recordEvent(event: Event, streamId: number | undefined, lost: EventLoss | undefined): boolean {
    const record: EventRecord = {
      seq: this.#agent.nextSeq(),
      at: this.#agent.now(),
      executorId: this.#executorId,
      frameworkId: this.#frameworkId,
      type: event.type ?? "UNKNOWN",
      event,
      delivered: lost === undefined,
      ...(lost ? { lost } : {}),
      ...(streamId === undefined ? {} : { streamId }),
    };
    this.events.push(record);
    this.#agent.recordEvent(record);
    this.#agent.notifier.notify();
    return lost === undefined;
  }

  recordUpdate(
    status: TaskStatus,
    origin: "executor" | "agent",
    disposition: UpdateDisposition,
    detail: string | undefined,
    via: "update" | "replay" | undefined,
  ): UpdateRecord {
    const record: UpdateRecord = {
      seq: this.#agent.nextSeq(),
      at: this.#agent.now(),
      status,
      origin,
      ...(via ? { via } : {}),
      disposition,
      ...(detail === undefined ? {} : { detail }),
      ack: "none",
    };
    this.updateLog.push(record);
    this.#agent.recordUpdate(record);
    this.#agent.notifier.notify();
    return record;
  }

  waitForUpdate(predicate: (status: TaskStatus) => boolean, { from = 0, ...options }: FromOptions = {}): Promise<TaskStatus> {
    return this.#agent.notifier.wait({
      ...options,
      probe: () => this.updates().slice(from).find((r) => predicate(r.status))?.status,
      what: `a matching status update for executor ${this.#executorId}`,
      seen: () => `[${this.updateLog.slice(from).map(describeUpdate).join(", ")}]; ${this.#describeRun()}`,
    });
  }

  waitForEvent(predicate: (record: EventRecord) => boolean, { from = 0, ...options }: FromOptions = {}): Promise<EventRecord> {
    return this.#agent.notifier.wait({
      ...options,
      probe: () => this.events.slice(from).find(predicate),
      what: `a matching event for executor ${this.#executorId}`,
      seen: () => `[${this.events.slice(from).map((e) => `${e.type}${e.delivered ? "" : ` (lost: ${e.lost})`}`).join(", ")}]`,
    });
  }

  waitForCall(predicate: (record: CallRecord) => boolean, { from = 0, ...options }: FromOptions = {}): Promise<CallRecord> {
    return this.#agent.notifier.wait({
      ...options,
      probe: () => this.calls.slice(from).find(predicate),
      what: `a matching call from executor ${this.#executorId}`,
      seen: () => describeCalls(this.calls.slice(from)),
    });
  }

  waitForSubscribed({ count = 1, ...options }: WaitOptions & { count?: number } = {}): Promise<EventRecord> {
    return this.#agent.notifier.wait({
      ...options,
      probe: () => this.events.filter((e) => e.type === "SUBSCRIBED" && e.delivered)[count - 1],
      what: `SUBSCRIBED #${count} delivered to executor ${this.#executorId}`,
      seen: () => `calls ${describeCalls(this.calls)}; ${this.#describeRun()}`,
    });
  }
}
