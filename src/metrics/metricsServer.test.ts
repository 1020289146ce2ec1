import { test } from "node:test";
import assert from "node:assert/strict";
import { startMetricsServer, MetricsServerError } from "./metricsServer.js";

test("metrics server: GET /metrics in the text format; other paths 404, other methods 405; port 0 picks a port", async () => {
  const stop = new AbortController();
  const server = await startMetricsServer({ host: "127.0.0.1", port: 0 }, async () => "berth_up 1\n", stop.signal);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const ok = await fetch(`${base}/metrics?x=1`);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.equal(await ok.text(), "berth_up 1\n");
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: "POST", body: "x" })).status, 405);
  } finally {
    stop.abort();
    await server.close();
  }
});

test("metrics server: a port in use is a typed error naming the address", async () => {
  const stop = new AbortController();
  const first = await startMetricsServer({ host: "127.0.0.1", port: 0 }, async () => "", stop.signal);
  try {
    await assert.rejects(startMetricsServer({ host: "127.0.0.1", port: first.port }, async () => "", stop.signal), (error: unknown) => {
      assert.ok(error instanceof MetricsServerError);
      assert.equal(error.code, "METRICS_LISTEN_FAILED");
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${first.port}: .*EADDRINUSE`));
      return true;
    });
  } finally {
    stop.abort();
    await first.close();
  }
});

test("metrics server: a failing collector answers 500, the server stays up", async () => {
  const stop = new AbortController();
  let fail = true;
  const server = await startMetricsServer({ host: "127.0.0.1", port: 0 }, async () => (fail ? Promise.reject(new Error("boom")) : "ok\n"), stop.signal);
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(response.status, 500);
    assert.match(await response.text(), /boom/);
    fail = false;
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text(), "ok\n");
  } finally {
    stop.abort();
    await server.close();
  }
});
