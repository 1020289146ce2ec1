import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer, type AddressInfo } from "node:net";
import { once } from "node:events";
import { graphiteLines, samplePath, startMetricsPush, statsdLines, type Sample } from "./metricsPush.js";

const samples: Sample[] = [
  { name: "berth_status_updates_total", labels: { state: "TASK_RUNNING", reason: "" }, value: 2 },
  { name: "berth_hook_duration_seconds_sum", labels: { hook: "consul.io", phase: "healthy", result: "ok" }, value: 0.25 },
  { name: "berth_nan", labels: {}, value: Number.NaN },
];

test("samplePath: label names and values sorted into the path; dots and other characters cannot add components", () => {
  assert.equal(samplePath("berth", samples[0]!), "berth.berth_status_updates_total.reason.none.state.TASK_RUNNING");
  assert.equal(samplePath("a.b", samples[1]!), "a.b.berth_hook_duration_seconds_sum.hook.consul_io.phase.healthy.result.ok");
  assert.equal(samplePath("p", { name: "m", labels: { k: "x y\nz" }, value: 1 }), "p.m.k.x_y_z");
});

test("statsd and graphite lines: gauges, timestamps, no NaN", () => {
  assert.deepEqual(statsdLines("p", samples), ["p.berth_status_updates_total.reason.none.state.TASK_RUNNING:2|g", "p.berth_hook_duration_seconds_sum.hook.consul_io.phase.healthy.result.ok:0.25|g"]);
  assert.deepEqual(graphiteLines("p", samples.slice(0, 1), 1700000000), ["p.berth_status_updates_total.reason.none.state.TASK_RUNNING 2 1700000000"]);
});

test("push to a real UDP socket (StatsD wire format), split under the datagram size", async () => {
  const socket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  const received: string[] = [];
  socket.on("message", (message) => received.push(...message.toString().split("\n")));
  const many: Sample[] = Array.from({ length: 100 }, (_, i) => ({ name: `metric_${i}`, labels: { i }, value: i }));
  const stop = new AbortController();
  try {
    const push = startMetricsPush({ protocol: "statsd", host: "127.0.0.1", port: (socket.address() as AddressInfo).port, prefix: "t", intervalMs: 3_600_000, samples: async () => many, onError: (m) => assert.fail(m), signal: stop.signal });
    await push.pushNow();
    const deadline = Date.now() + 10_000;
    while (received.length < 100 && Date.now() < deadline) await once(socket, "message");
    assert.equal(received.length, 100);
    assert.equal(received[99], "t.metric_99.i.99:99|g");
  } finally {
    stop.abort();
    socket.close();
  }
});

test("push to a real TCP listener (Graphite plaintext); a refused push is reported once per failure streak", async () => {
  let received: (lines: string[]) => void = () => undefined;
  const firstPush = new Promise<string[]>((resolve) => (received = resolve));
  const server = createServer((connection) => {
    let text = "";
    connection.on("data", (chunk) => (text += chunk.toString()));
    connection.on("end", () => received(text.split("\n").filter(Boolean)));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const errors: string[] = [];
  const stop = new AbortController();
  try {
    const push = startMetricsPush({ protocol: "graphite", host: "127.0.0.1", port, prefix: "g", intervalMs: 3_600_000, samples: async () => samples, onError: (m) => errors.push(m), signal: stop.signal });
    await push.pushNow();
    const lines = await firstPush;
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0]!, /^g\.berth_status_updates_total\.reason\.none\.state\.TASK_RUNNING 2 \d{10}$/);
    server.close();
    await once(server, "close");
    await push.pushNow();
    await push.pushNow();
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, /graphite:\/\/127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
  } finally {
    stop.abort();
    server.close();
  }
});
