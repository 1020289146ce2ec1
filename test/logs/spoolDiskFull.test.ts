// The spool on a full disk: a 64 KiB tmpfs (needs the right to mount, as root in CI's container; where mount is
// refused the test is reported as skipped, never as passed). ENOSPC mid-write: one clear log line, the spool
// given up, memory only, and every line either kept or counted as dropped.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { createLogger } from "../../src/logger.js";
import { parseSinkUrl } from "../../src/logs/ship/sinkConfig.js";
import { SinkShipper } from "../../src/logs/ship/sinkShipper.js";
import { transportFor } from "../../src/logs/ship/transportFor.js";
import { startJsonLinesReceiver } from "../doubles/jsonLinesReceiver.js";
import { waitFor } from "../helpers/waitFor.js";

const dir = mkdtempSync(join(tmpdir(), "berth-full-disk-"));
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "pipe" });
  mounted = true;
} catch {
  mounted = false;
}
after(() => {
  if (mounted) execFileSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe("spool on a full disk (json_lines receiver double)", () => {
  it("ENOSPC: one clear log line, memory only, lines kept or counted, and the notice once the receiver is there", { skip: mounted ? false : "cannot mount a tmpfs here" }, async () => {
    const port = await freePort();
    const log: string[] = [];
    const config = parseSinkUrl(`tcp://127.0.0.1:${port}?memory=64k&spool=10m&backoff_min=20ms&backoff_max=200ms`);
    const encoder = (e: { message: string; time: number }): Buffer => Buffer.from(`${JSON.stringify({ "@timestamp": new Date(e.time).toISOString(), "@version": "1", message: e.message })}\n`);
    const sink = new SinkShipper({ config, transport: transportFor(config), encoder, spoolRoot: dir, logger: createLogger((l) => log.push(l)) });
    for (let i = 0; i < 2_000; i++) sink.push({ time: Date.now(), stream: "stdout", message: `line ${i} ${"x".repeat(150)}`, fields: {}, truncated: false });
    await waitFor(() => !sink.counters().spoolAvailable, { what: "the spool to fail" });
    const counters = sink.counters();
    assert.equal(counters.pendingLines + counters.dropped.spool_unavailable, 2_000);
    assert.ok(counters.dropped.spool_unavailable > 0);
    const failures = log.filter((l) => l.includes("disk spool failed"));
    assert.equal(failures.length, 1);
    assert.match(failures[0]!, /ENOSPC/);
    const rx = await startJsonLinesReceiver({ port });
    const result = await sink.flush(AbortSignal.timeout(30_000));
    assert.equal(result.complete, true);
    assert.deepEqual(rx.problems, []);
    assert.equal(rx.events[0]!.message, `dropped ${counters.dropped.spool_unavailable} lines (spool_unavailable)`);
    assert.equal(rx.events.length - 1, counters.pendingLines);
    const kept = rx.events.slice(1).map((e) => Number(String(e.message).split(" ")[1]));
    for (let k = 1; k < kept.length; k++) assert.ok(kept[k]! > kept[k - 1]!, "in order");
    await rx.stop();
  });
});
