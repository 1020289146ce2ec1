// Several sinks at once, each independent: every sink has its own queue, spool, connection and timers, so a slow or
// dead sink never holds up another. push() encodes once per distinct encoder and hands the bytes to each sink.
import type { Logger } from "../../logger.js";
import type { Encoder, LogEvent } from "../logEvent.js";
import { HostResolver } from "./hostResolver.js";
import { framingFor, type SinkConfig, type SinkFraming } from "./sinkConfig.js";
import { DROP_REASONS, SinkShipper, type DropReason, type FlushResult, type SinkCounters } from "./sinkShipper.js";
import { transportFor } from "./transportFor.js";
import type { Transport } from "./transport.js";

export interface LogShipperOptions {
  readonly sinks: readonly SinkConfig[];
  /** The encoder for a sink's format with the framing framingFor(config) gives; called once per format and framing. */
  readonly encoderFor: (config: SinkConfig, framing: SinkFraming) => Encoder;
  /** The task's sandbox directory for the spools (one subdirectory per sink); undefined: memory only. */
  readonly spoolRoot?: string;
  readonly logger: Logger;
  /** Tests: a transport other than the configured one. */
  readonly transportFor?: (config: SinkConfig) => Transport;
}

export interface ShipCounters {
  readonly total: Omit<SinkCounters, "sink" | "connected" | "lastError" | "connects" | "connectFailures" | "spoolAvailable">;
  readonly sinks: readonly SinkCounters[];
}

export interface ShipFlushResult {
  readonly complete: boolean;
  readonly dropped: number;
  readonly sinks: readonly FlushResult[];
}

export class LogShipper {
  readonly #shippers: SinkShipper[] = [];
  /** Sinks of the same format and framing share one encoder: a line is encoded once per group. */
  readonly #groups: { readonly encoder: Encoder; readonly shippers: SinkShipper[] }[] = [];

  constructor({ sinks, encoderFor, spoolRoot, logger, transportFor: makeTransport }: LogShipperOptions) {
    const resolver = new Map<number, HostResolver>();
    const groups = new Map<string, { readonly encoder: Encoder; readonly shippers: SinkShipper[] }>();
    for (const config of sinks) {
      const framing = framingFor(config);
      const key = `${config.format}/${framing}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { encoder: encoderFor(config, framing), shippers: [] }));
      const shared = resolver.get(config.resolveTtlMs) ?? new HostResolver({ ttlMs: config.resolveTtlMs });
      resolver.set(config.resolveTtlMs, shared);
      const transport = makeTransport ? makeTransport(config) : transportFor(config, shared);
      const shipper = new SinkShipper({ config, transport, encoder: group.encoder, spoolRoot, logger });
      group.shippers.push(shipper);
      this.#shippers.push(shipper);
    }
    this.#groups = [...groups.values()];
  }

  /** Hands one event to every sink (synchronous; never blocks, never throws). */
  push(event: LogEvent): void {
    if (this.#shippers.length === 1) {
      this.#shippers[0]!.push(event);
      return;
    }
    for (const { encoder, shippers } of this.#groups) {
      let record: Buffer | undefined;
      try {
        record = encoder(event);
      } catch {
        record = undefined;
      }
      for (const shipper of shippers) {
        if (record === undefined) shipper.push(event); // counts the encoding failure itself
        else shipper.pushEncoded(record, event.time);
      }
    }
  }

  counters(): ShipCounters {
    const sinks = this.#shippers.map((shipper) => shipper.counters());
    const dropped = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
    const total = { received: 0, shipped: 0, spooled: 0, notices: 0, pendingLines: 0, memoryBytes: 0, spoolBytes: 0, lagMs: 0 };
    for (const sink of sinks) {
      for (const key of ["received", "shipped", "spooled", "notices", "pendingLines", "memoryBytes", "spoolBytes"] as const) total[key] += sink[key];
      total.lagMs = Math.max(total.lagMs, sink.lagMs);
      for (const reason of DROP_REASONS) dropped[reason] += sink.dropped[reason];
    }
    return { total: { ...total, dropped }, sinks };
  }

  /** Flushes every sink in parallel within the caller's deadline (see SinkShipper.flush). */
  async flush(signal: AbortSignal): Promise<ShipFlushResult> {
    const sinks = await Promise.all(this.#shippers.map((shipper) => shipper.flush(signal)));
    return { complete: sinks.every((s) => s.complete), dropped: sinks.reduce((sum, s) => sum + s.dropped, 0), sinks };
  }

  /** Stops every sink at once; what is not delivered is counted as dropped ("shutdown"). Returns how many lines. */
  close(): number {
    return this.#shippers.reduce((sum, shipper) => sum + shipper.close(), 0);
  }
}
