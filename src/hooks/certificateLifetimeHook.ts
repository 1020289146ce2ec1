// Certificate lifetime (label validate-certificate=true, the predecessor's): a task does not start with an expired or
// unparsable agent certificate, and is killed gracefully before the certificate expires, at NotAfter minus a random
// part of BERTH_CERTIFICATE_SPREAD (default 3hrs), so that a fleet's instances do not all restart at once.
//
//   prestart ──▶ load + parse + key check + NotBefore/NotAfter (fails naming the variable and NotAfter)
//   poststart ──▶ a long timer; when it fires, requestKill(reason) (the lifecycle's graceful kill)
//   exited / stop ──▶ the timer is cleared
import type { Hook } from "../core/hook.js";
import { setLongTimeout, type LongTimer } from "../time/longTimer.js";
import { assertCertificateCurrent, loadAgentCertificate, type CertificateSource } from "./agentCertificate.js";

export interface CertificateLifetimeOptions {
  readonly certificate: CertificateSource;
  /** Random spread before NotAfter (ms). */
  readonly spreadMs: number;
  /** Called once when the time has come (default: the hook context's requestKill, the lifecycle's graceful kill). */
  readonly requestKill?: (reason: string) => void;
  /** For tests. */
  readonly random?: () => number;
  readonly now?: () => number;
}

/**
 * Milliseconds from `now` until the graceful kill: NotAfter minus a uniformly random part of the spread. A spread
 * longer than the time left is cut to the time left (the kill then comes at a random time before NotAfter); 0 when
 * the certificate has already expired.
 */
export function certificateKillDelayMs(notAfter: Date, spreadMs: number, now: number = Date.now(), random: () => number = Math.random): number {
  const left = notAfter.getTime() - now;
  if (!(left > 0)) return 0;
  const spread = Math.min(Math.max(0, spreadMs), left);
  return Math.max(0, Math.round(left - random() * spread));
}

export function certificateLifetimeHook(options: CertificateLifetimeOptions): Hook {
  const { certificate: source, spreadMs, requestKill, random = Math.random, now = Date.now } = options;
  let notAfter: Date | undefined;
  let timer: LongTimer | undefined;
  const clear = async (): Promise<void> => {
    timer?.clear();
    timer = undefined;
  };
  return {
    name: "certificate-lifetime",
    async prestart({ signal }) {
      const certificate = await loadAgentCertificate(source, signal);
      assertCertificateCurrent(certificate, new Date(now()));
      notAfter = certificate.notAfter;
    },
    async poststart({ output, requestKill: lifecycleKill }) {
      const kill = requestKill ?? lifecycleKill;
      if (notAfter === undefined || timer || !kill) return;
      const delay = certificateKillDelayMs(notAfter, spreadMs, now(), random);
      const at = new Date(now() + delay).toISOString();
      const reason = `the client certificate in ${source.certVariable} expires at ${notAfter.toISOString()} (validate-certificate)`;
      output(`graceful kill scheduled at ${at}: ${reason}`);
      timer = setLongTimeout(() => {
        timer = undefined;
        kill(reason);
      }, delay).unref();
    },
    exited: clear,
    stop: clear,
  };
}
