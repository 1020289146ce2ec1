import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DevHaproxyError, devHaproxyBackends, devHaproxyConfig, startDevHaproxy } from "./devHaproxy.js";
import { ExecutorEnvError, parseExecutorEnv } from "./executorEnv.js";

test("the app's berth.haproxy.backend names the backends; a missing or bad label is refused, naming it", () => {
  assert.deepEqual(devHaproxyBackends({ "berth.haproxy.backend": "web, api" }), ["web", "api"]);
  assert.throws(() => devHaproxyBackends({}), (e: unknown) => e instanceof DevHaproxyError && e.kind === "bad_backend" && /needs the app's label berth\.haproxy\.backend/.test(e.message));
  for (const bad of ["web,", "we b", "web,web", "x\n  stats socket /tmp/evil"]) {
    assert.throws(() => devHaproxyBackends({ "berth.haproxy.backend": bad }), (e: unknown) => e instanceof DevHaproxyError && /label berth\.haproxy\.backend: expected distinct/.test(e.message), bad);
  }
});

test("the config: admin socket, a frontend on 127.0.0.1 to the first backend, every backend roundrobin", () => {
  const config = devHaproxyConfig({ socketPath: "/tmp/d/admin.sock", port: 8080, backends: ["web", "api"] });
  assert.match(config, /^ {2}stats socket \/tmp\/d\/admin\.sock mode 600 level admin$/m);
  assert.match(config, /^ {2}bind 127\.0\.0\.1:8080$/m);
  assert.match(config, /^ {2}default_backend web$/m);
  assert.match(config, /^backend web\n {2}balance roundrobin\nbackend api\n {2}balance roundrobin\n$/m);
});

test("HAProxy not installed → DevHaproxyError not_installed naming the program", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-devhaproxy-"));
  try {
    await assert.rejects(
      startDevHaproxy({ dir: join(dir, "h"), backends: ["web"], port: 1, bin: join(dir, "no-haproxy") }),
      (e: unknown) => e instanceof DevHaproxyError && e.kind === "not_installed" && e.code === "DEV_HAPROXY_FAILED" && e.message.includes(join(dir, "no-haproxy")),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--executor-env: NAME=VALUE (the value may be empty or hold '='); every problem named, never a value", () => {
  assert.deepEqual(parseExecutorEnv(["A=1", "B=", "C=x=y"]), { A: "1", B: "", C: "x=y" });
  assert.throws(
    () => parseExecutorEnv(["1A=secret1", "B", "LIBPROCESS_IP=secret2", "C=1", "C=secret3"]),
    (e: unknown) =>
      e instanceof ExecutorEnvError &&
      e.message === '--executor-env: "1A" is not a valid environment variable name; "B": expected NAME=VALUE; LIBPROCESS_IP: MESOS_* and LIBPROCESS_* variables are set by the agent; C is given twice' &&
      !/secret/.test(e.message),
  );
});
