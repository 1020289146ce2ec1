// TCP probe: the connection is established (Mesos' mesos-tcp-connect connects and closes, sending nothing).
import { connect } from "node:net";
import type { Probe, ProbeResult } from "./checkSpec.js";
import { DEFAULT_PROBE_HOST, describeNetworkError, describeProbe } from "./probeResult.js";

export type TcpProbe = Extract<Probe, { kind: "tcp" }>;

/** Rejects with `signal.reason` on abort; a refused or failed connection is a result. */
export function probeTcp(probe: TcpProbe, signal: AbortSignal): Promise<ProbeResult> {
  signal.throwIfAborted();
  const what = describeProbe(probe);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: probe.host ?? DEFAULT_PROBE_HOST, port: probe.port });
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = (result: ProbeResult): void => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    socket.once("connect", () => settle({ ok: true, message: `${what} succeeded`, detail: { kind: "tcp", succeeded: true } }));
    socket.once("error", (error) =>
      settle({ ok: false, message: `${what} failed: ${describeNetworkError(error)}`, detail: { kind: "tcp", succeeded: false } }),
    );
  });
}
