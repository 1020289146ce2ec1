import { test } from "node:test";
import assert from "node:assert/strict";
import { readMetricsSettings } from "./metricsSettings.js";

const read = (env: Record<string, string>): { settings: ReturnType<typeof readMetricsSettings>; problems: string[] } => {
  const problems: string[] = [];
  return { settings: readMetricsSettings(env, problems), problems };
};

test("metrics settings: off without BERTH_METRICS_LISTEN and BERTH_METRICS_PUSH", () => {
  assert.deepEqual(read({ BERTH_METRICS_PREFIX: "x" }), { settings: undefined, problems: [] });
});

test("metrics settings: an endpoint (port 0 allowed, IPv6 in brackets) and a push with defaults", () => {
  assert.deepEqual(read({ BERTH_METRICS_LISTEN: "127.0.0.1:0" }).settings, { listen: { host: "127.0.0.1", port: 0 }, pushIntervalMs: 60_000, prefix: "berth" });
  assert.deepEqual(read({ BERTH_METRICS_LISTEN: "[::1]:9400" }).settings?.listen, { host: "::1", port: 9400 });
  assert.deepEqual(read({ BERTH_METRICS_PUSH: "graphite://carbon.example:2003", BERTH_METRICS_PUSH_INTERVAL: "10secs", BERTH_METRICS_PREFIX: "mesos.berth" }).settings, {
    push: { protocol: "graphite", host: "carbon.example", port: 2003 },
    pushIntervalMs: 10_000,
    prefix: "mesos.berth",
  });
  assert.equal(read({ BERTH_METRICS_PUSH: "statsd://127.0.0.1:8125" }).settings?.push?.protocol, "statsd");
});

test("metrics settings: every bad value is named with its variable", () => {
  const { problems } = read({
    BERTH_METRICS_LISTEN: "9400",
    BERTH_METRICS_PUSH: "http://x:1",
    BERTH_METRICS_PUSH_INTERVAL: "10",
    BERTH_METRICS_PREFIX: "a..b",
  });
  assert.equal(problems.length, 4, problems.join("\n"));
  for (const name of ["BERTH_METRICS_LISTEN", "BERTH_METRICS_PUSH", "BERTH_METRICS_PUSH_INTERVAL", "BERTH_METRICS_PREFIX"]) {
    assert.ok(problems.some((p) => p.startsWith(`${name}:`)), name);
  }
  assert.match(read({ BERTH_METRICS_PUSH: "statsd://h:0" }).problems[0] ?? "", /port out of range/);
  assert.match(read({ BERTH_METRICS_LISTEN: "h:70000" }).problems[0] ?? "", /port out of range/);
  assert.match(read({ BERTH_METRICS_PUSH: "statsd://h:1", BERTH_METRICS_PUSH_INTERVAL: "100ms" }).problems[0] ?? "", /at least 1secs/);
});
