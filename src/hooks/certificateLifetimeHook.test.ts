import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTestCertificates, type KeyPair, type TestCertificates } from "../../test/helpers/certificates.js";
import { withTimeout } from "../../test/helpers/waitFor.js";
import type { HookContext } from "../core/hook.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { AgentCertificateError, type CertificateSource } from "./agentCertificate.js";
import { certificateKillDelayMs, certificateLifetimeHook } from "./certificateLifetimeHook.js";

const HOUR = 3_600_000;
let certs: TestCertificates;
const task: TaskSpec = { taskId: "t1", name: "t1", command: { kind: "shell", script: "true" }, env: {}, cwd: "/", killGracePeriodMs: 1000, stopSignal: "SIGTERM" };
const context = (lines: string[] = []): HookContext => ({ task, signal: AbortSignal.timeout(10_000), output: (line) => lines.push(line) });
const source = (pair: KeyPair, certFile = pair.certFile): CertificateSource => ({ certVariable: "MY_CERT", certValue: certFile, keyVariable: "MY_KEY", keyValue: pair.keyFile });

describe("certificateKillDelayMs", () => {
  const notAfter = new Date("2030-01-01T00:00:00Z");
  const now = notAfter.getTime() - 24 * HOUR;
  it("is NotAfter minus a random part of the spread", () => {
    assert.equal(certificateKillDelayMs(notAfter, 3 * HOUR, now, () => 0), 24 * HOUR);
    assert.equal(certificateKillDelayMs(notAfter, 3 * HOUR, now, () => 0.5), 22.5 * HOUR);
    assert.equal(certificateKillDelayMs(notAfter, 3 * HOUR, now, () => 1), 21 * HOUR);
  });
  it("cuts a spread longer than the time left to the time left, and is 0 once expired", () => {
    assert.equal(certificateKillDelayMs(notAfter, 48 * HOUR, now, () => 0.5), 12 * HOUR);
    assert.equal(certificateKillDelayMs(notAfter, 3 * HOUR, notAfter.getTime() + 1, () => 0.5), 0);
  });
  it("spreads a fleet over the window", () => {
    const delays = Array.from({ length: 200 }, () => certificateKillDelayMs(notAfter, 3 * HOUR, now));
    assert.ok(delays.every((d) => d >= 21 * HOUR && d <= 24 * HOUR));
    assert.ok(new Set(delays).size > 150, "not all the same");
  });
});

describe("certificateLifetimeHook (validate-certificate)", () => {
  before(() => (certs = makeTestCertificates()));
  after(() => certs.remove());

  it("starts with a valid certificate", async () => {
    await certificateLifetimeHook({ certificate: source(certs.client), spreadMs: 3 * HOUR }).prestart!(context());
  });

  it("refuses an expired certificate, naming its variable and NotAfter", async () => {
    await assert.rejects(certificateLifetimeHook({ certificate: source(certs.expiredClient), spreadMs: 3 * HOUR }).prestart!(context()), (error) => {
      assert.ok(error instanceof AgentCertificateError && error.code === "AGENT_CERT_EXPIRED" && error.variable === "MY_CERT");
      assert.match(error.message, /^the client certificate in MY_CERT \(CN=berth-agent-expired\) expired: NotAfter 2020-01-02T00:00:00\.000Z$/);
      return true;
    });
  });

  it("refuses an unparsable certificate and a missing file, naming the variable", async () => {
    const garbage = join(certs.dir, "garbage.crt");
    writeFileSync(garbage, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    await assert.rejects(certificateLifetimeHook({ certificate: source(certs.client, garbage), spreadMs: 0 }).prestart!(context()), (error) => {
      assert.ok(error instanceof AgentCertificateError && error.code === "AGENT_CERT_INVALID");
      assert.match(error.message, /MY_CERT \(file .*garbage\.crt\) does not parse/);
      return true;
    });
    await assert.rejects(certificateLifetimeHook({ certificate: source(certs.client, "/nonexistent/x.crt"), spreadMs: 0 }).prestart!(context()), /cannot read the client certificate of MY_CERT \(file \/nonexistent\/x\.crt\): ENOENT/);
    await assert.rejects(
      certificateLifetimeHook({ certificate: { certVariable: "MY_CERT", certValue: undefined, keyVariable: "MY_KEY", keyValue: undefined }, spreadMs: 0 }).prestart!(context()),
      /^AgentCertificateError: MY_CERT is not set/,
    );
  });

  it("requests a graceful kill at NotAfter minus the spread; a stopped task's timer never fires", async () => {
    const notAfter = Date.parse(new X509Certificate(certs.client.cert).validTo);
    const killed: string[] = [];
    let stoppedFired = false;
    // A clock shifted so that the certificate has 150 ms (300 ms for the stopped one) left; no spread.
    const clock = (leftMs: number): (() => number) => {
      const offset = notAfter - leftMs - Date.now();
      return () => Date.now() + offset;
    };
    const lines: string[] = [];
    const fired = new Promise<void>((resolve) => {
      const hook = certificateLifetimeHook({ certificate: source(certs.client), spreadMs: 0, now: clock(150), requestKill: (reason) => (killed.push(reason), resolve()) });
      void hook.prestart!(context()).then(() => hook.poststart!({ ...context(lines), pid: 1 }));
    });
    const stopped = certificateLifetimeHook({ certificate: source(certs.client), spreadMs: 0, now: clock(100), requestKill: () => (stoppedFired = true) });
    await stopped.prestart!(context());
    await stopped.poststart!({ ...context(), pid: 1 });
    await stopped.stop!(context());
    await withTimeout(fired, 10_000, "the kill request");
    assert.deepEqual(killed, [`the client certificate in MY_CERT expires at ${new Date(notAfter).toISOString()} (validate-certificate)`]);
    assert.match(lines[0] ?? "", /^graceful kill scheduled at \S+: the client certificate in MY_CERT expires at/);
    assert.equal(stoppedFired, false, "the stopped task's timer (due earlier) did not fire");
  });
});
