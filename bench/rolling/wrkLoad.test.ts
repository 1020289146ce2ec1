// The load generator against a real server that misbehaves on purpose: it cuts the connection under some requests
// and answers 500 to others. rate.lua must count each as what it is, at a fixed rate, and wrk's check request (made
// once before the load, never sent) must not show up as a lost request.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { waitFor } from "../../test/helpers/waitFor.js";
import { monotonicMs, startWrkLoad } from "./wrkLoad.js";

test("wrk with rate.lua: cut connections are socket errors, 500s are non-2xx, the rest 2xx; the rate holds", async () => {
  const cut = new Set<number>();
  const failed = new Set<number>();
  let seen = 0;
  const server = createServer((req, res) => {
    const id = Number(new URL(req.url ?? "/", "http://x").searchParams.get("id"));
    seen += 1;
    if (id % 10 === 3) {
      cut.add(id);
      req.socket.destroy();
      return;
    }
    if (id % 10 === 7) failed.add(id);
    res.writeHead(id % 10 === 7 ? 500 : 200, { "x-id": String(id), "content-length": 2 });
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = monotonicMs();
  const load = startWrkLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200, connections: 4, origin, maxDurationS: 60, unfinishedWindowMs: 200 });
  try {
    await waitFor(() => seen >= 300, { what: "300 requests at the server", timeoutMs: 30_000 });
    const { summary } = await load.stop(AbortSignal.timeout(10_000));
    assert.equal(summary.unmatched, 0);
    assert.ok(summary.socketErrors > 0 && summary.socketErrors <= cut.size, `socket errors ${summary.socketErrors}, cut ${cut.size}`);
    for (const id of summary.lostIds) assert.ok(cut.has(id), `request ${id} counted lost but was answered`);
    assert.ok(summary.non2xx > 0 && summary.non2xx <= failed.size);
    assert.equal(summary.statuses["500"], summary.non2xx);
    // What is not counted was still in flight at the stop.
    assert.ok(cut.size - summary.socketErrors + (failed.size - summary.non2xx) <= summary.unfinishedAtStop + 4);
    // The first request id is 1 and was sent (wrk's check request got none).
    assert.ok(!summary.lostIds.includes(1));
    // 300 requests at 200/s take about 1.5 s: a fixed rate, not as fast as possible.
    assert.ok(summary.durationS >= 1.2, `300 requests in ${summary.durationS} s`);
  } finally {
    load.kill();
    server.closeAllConnections();
    server.close();
  }
});
