// Host names of network sinks, resolved when a connection is made and reused for `ttlMs`: a receiver that moves is
// found again on the next reconnect after the TTL, and a reconnect storm does not become a lookup storm. Never per
// record: records go over the connection. A failed lookup falls back to the last good address while it is at most
// `staleMs` old (a DNS hiccup should not cut a working sink off).
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { errorCode, ShipError } from "./shipError.js";

export type Lookup = (host: string) => Promise<{ address: string; family: number }>;

export interface HostResolverOptions {
  readonly ttlMs: number;
  readonly staleMs?: number;
  readonly lookup?: Lookup;
  readonly now?: () => number;
}

export class HostResolver {
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #lookup: Lookup;
  readonly #now: () => number;
  readonly #cache = new Map<string, { address: string; at: number }>();

  constructor({ ttlMs, staleMs = 10 * 60_000, lookup = (host) => dnsLookup(host), now = () => performance.now() }: HostResolverOptions) {
    this.#ttlMs = ttlMs;
    this.#staleMs = staleMs;
    this.#lookup = lookup;
    this.#now = now;
  }

  /** An address for `host` (an IP literal as is). Rejects with SHIP_RESOLVE_FAILED, or the signal's reason. */
  async resolve(host: string, signal: AbortSignal): Promise<string> {
    signal.throwIfAborted();
    if (isIP(host)) return host;
    const cached = this.#cache.get(host);
    const now = this.#now();
    if (cached && now - cached.at < this.#ttlMs) return cached.address;
    try {
      const { address } = await abortable(this.#lookup(host), signal);
      this.#cache.set(host, { address, at: this.#now() });
      return address;
    } catch (cause) {
      if (signal.aborted) throw signal.reason;
      if (cached && now - cached.at < this.#staleMs) return cached.address;
      const code = errorCode(cause);
      throw new ShipError("SHIP_RESOLVE_FAILED", `cannot resolve ${host}${code !== undefined ? ` (${code})` : ""}`, { cause });
    }
  }
}

/** getaddrinfo cannot be cancelled: the caller stops waiting and the lookup's late answer is ignored. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}
