import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { ReadinessAbortedError, waitUntilReady, type ReadinessResult } from "./readinessCheck.js";

test("waits through refusals and wrong statuses until one of httpStatusCodesForReady (a real server)", async () => {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    response.statusCode = requests < 3 ? 503 : 204;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const results: ReadinessResult[] = [];
  try {
    await waitUntilReady({ name: "r", protocol: "HTTP", path: "/ready", port, intervalMs: 10, timeoutMs: 5_000, statuses: [200, 204] }, new AbortController().signal, (r) => results.push(r));
  } finally {
    server.close();
  }
  assert.deepEqual(results, [{ ok: false, detail: "HTTP 503" }, { ok: false, detail: "HTTP 503" }, { ok: true, status: 204 }]);
});

test("a closed port is a result, not an error; an abort ends the wait", async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const controller = new AbortController();
  const results: ReadinessResult[] = [];
  const waiting = waitUntilReady({ name: "r", protocol: "HTTP", path: "/", port, intervalMs: 60_000, timeoutMs: 5_000, statuses: [200] }, controller.signal, (r) => {
    results.push(r);
    controller.abort();
  });
  await assert.rejects(waiting, ReadinessAbortedError);
  assert.deepEqual(results, [{ ok: false, detail: "ECONNREFUSED" }]);
});
