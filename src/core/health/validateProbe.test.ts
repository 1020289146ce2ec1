import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MESOS_CHECK_DEFAULTS, MESOS_HEALTH_DEFAULTS, type Probe } from "./checkSpec.js";
import { validateCheckSpec, validateProbe } from "./validateProbe.js";

const http: Probe = { kind: "http", scheme: "https", port: 8443, path: "/health?deep=1" };
const command: Probe = { kind: "command", command: { kind: "shell", script: "true" }, env: { PATH: "/bin" }, cwd: "/tmp" };

describe("validateProbe", () => {
  it("accepts valid probes", () => {
    assert.deepEqual(validateProbe(http), []);
    assert.deepEqual(validateProbe({ kind: "tcp", port: 1, host: "::1" }), []);
    assert.deepEqual(validateProbe(command), []);
    assert.deepEqual(validateProbe({ ...command, command: { kind: "argv", file: "/bin/true", args: [] } }), []);
  });

  it("lists every problem of an HTTP probe", () => {
    const bad = { kind: "http", scheme: "ftp", port: 0, path: "health", host: "" } as unknown as Probe;
    assert.deepEqual(validateProbe(bad), [
      'scheme must be "http" or "https" (got "ftp")',
      "port must be an integer from 1 to 65535 (got 0)",
      'path must start with "/" (got "health")',
      'host must be a non-empty string when set (got "")',
    ]);
  });

  it("rejects ports out of range and non-integers", () => {
    for (const port of [-1, 65536, 80.5, Number.NaN]) {
      assert.deepEqual(validateProbe({ kind: "tcp", port }), [`port must be an integer from 1 to 65535 (got ${port})`]);
    }
  });

  it("lists the problems of a command probe", () => {
    const bad = { kind: "command", command: { kind: "shell", script: " " }, env: { A: 1 }, cwd: "" } as unknown as Probe;
    assert.deepEqual(validateProbe(bad), [
      "command.script must be a non-empty string",
      "env must map names to string values",
      "cwd must be a non-empty string",
    ]);
    const badArgv = { ...command, command: { kind: "argv", file: "", args: [1] } } as unknown as Probe;
    assert.deepEqual(validateProbe(badArgv), ["command.file must be a non-empty string", "command.args must be a list of strings"]);
  });

  it("names an unknown kind", () => {
    assert.deepEqual(validateProbe({ kind: "grpc", port: 1 } as unknown as Probe), ['unknown probe kind "grpc" (expected "command", "http" or "tcp")']);
    assert.deepEqual(validateProbe(null as unknown as Probe), ["probe must be an object"]);
  });
});

describe("validateCheckSpec", () => {
  it("accepts the Mesos defaults", () => {
    assert.deepEqual(validateCheckSpec({ probe: http, ...MESOS_HEALTH_DEFAULTS }), []);
    assert.deepEqual(validateCheckSpec({ probe: http, ...MESOS_CHECK_DEFAULTS }), []);
    assert.deepEqual(validateCheckSpec({ probe: http, delayMs: 0, intervalMs: 0, timeoutMs: 0, consecutiveFailures: 0, gracePeriodMs: 0 }), []);
  });

  it("rejects negative numbers and prefixes the probe's problems", () => {
    const spec = { probe: { kind: "tcp", port: 70000 } as Probe, delayMs: -1, intervalMs: 10, timeoutMs: Infinity, consecutiveFailures: 1.5, gracePeriodMs: -5 };
    assert.deepEqual(validateCheckSpec(spec), [
      "delayMs must be a non-negative number (got -1)",
      "timeoutMs must be a non-negative number (got Infinity)",
      "consecutiveFailures must be a non-negative integer (got 1.5)",
      "gracePeriodMs must be a non-negative number (got -5)",
      "probe: port must be an integer from 1 to 65535 (got 70000)",
    ]);
  });
});
