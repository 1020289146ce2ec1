import assert from "node:assert/strict";
import { test } from "node:test";
import { planHealthCheck } from "./marathonHealth.js";

test("MESOS_HTTP with nothing but the protocol gets Marathon's defaults and the first port", () => {
  const plan = planHealthCheck([{ protocol: "MESOS_HTTP" }], [31000, 31001]);
  assert.deepEqual(plan.problems, []);
  assert.deepEqual(plan.mesos, {
    type: "HTTP",
    http: { scheme: "http", port: 31000 },
    delay_seconds: 15,
    interval_seconds: 60,
    timeout_seconds: 20,
    consecutive_failures: 3,
    grace_period_seconds: 300,
  });
  assert.match(plan.summary ?? "", /MESOS_HTTP GET http:\/\/127\.0\.0\.1:31000\/, first after 15s, every 60s/);
});

test("MESOS_HTTPS, MESOS_TCP and COMMAND become HTTP(https), TCP and COMMAND with the app's timings", () => {
  const https = planHealthCheck([{ protocol: "MESOS_HTTPS", path: "/health", portIndex: 1, intervalSeconds: 5, delaySeconds: 0 }], [31000, 31001]);
  assert.deepEqual(https.mesos?.http, { scheme: "https", port: 31001, path: "/health" });
  assert.equal(https.mesos?.interval_seconds, 5);
  assert.equal(https.mesos?.delay_seconds, 0);
  assert.deepEqual(planHealthCheck([{ protocol: "MESOS_TCP", port: 8080 }], []).mesos?.tcp, { port: 8080 });
  const command = planHealthCheck([{ protocol: "COMMAND", command: { value: "curl -f http://$HOST:$PORT0/" }, maxConsecutiveFailures: 5 }], []);
  assert.deepEqual(command.mesos?.command, { shell: true, value: "curl -f http://$HOST:$PORT0/" });
  assert.equal(command.mesos?.consecutive_failures, 5);
});

test("Marathon-level HTTP, HTTPS and TCP checks are not sent to the executor, and the warning says what to use", () => {
  const plan = planHealthCheck([{ path: "/" }, { protocol: "TCP" }], [31000]);
  assert.equal(plan.mesos, undefined);
  assert.equal(plan.warnings.length, 2);
  assert.match(plan.warnings[0] ?? "", /healthChecks\.0: protocol HTTP \(Marathon's default\) is a Marathon-level check.*Use MESOS_HTTP/);
  assert.match(plan.warnings[1] ?? "", /healthChecks\.1: protocol TCP .*Use MESOS_TCP/);
});

test("what Marathon refuses is a problem: two Mesos checks, port and portIndex, a missing port, COMMAND without a command", () => {
  assert.match(planHealthCheck([{ protocol: "MESOS_TCP" }, { protocol: "COMMAND", command: { value: "true" } }], [1]).problems.join(), /at most one Mesos health check/);
  assert.match(planHealthCheck([{ protocol: "MESOS_TCP", port: 1, portIndex: 0 }], [1]).problems.join(), /port or portIndex, not both/);
  assert.match(planHealthCheck([{ protocol: "MESOS_HTTP", portIndex: 2 }], [1]).problems.join(), /portIndex 2: the app has 1 port/);
  assert.match(planHealthCheck([{ protocol: "COMMAND" }], []).problems.join(), /needs command\.value/);
  assert.match(planHealthCheck([{ protocol: "COMMAND", command: { value: "true" }, path: "/" }], []).problems.join(), /path does not apply/);
  assert.match(planHealthCheck([{ protocol: "MESOS_TCP", maxConsecutiveFailures: 0 }], [1]).warnings.join(), /never kill/);
});
