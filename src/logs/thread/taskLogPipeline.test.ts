import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startJsonLinesReceiver, type JsonLinesReceiver } from "../../../test/doubles/jsonLinesReceiver.js";
import { silentLogger } from "../../logger.js";
import { NO_LOG_LABELS } from "../logLabels.js";
import { parseSinkList } from "../ship/sinkConfig.js";
import { TaskLogPipeline, type TaskLogPipelineOptions } from "./taskLogPipeline.js";

describe("TaskLogPipeline (a json_lines receiver double)", () => {
  let receiver: JsonLinesReceiver;
  const dir = mkdtempSync(join(tmpdir(), "berth-pipeline-"));
  before(async () => {
    receiver = await startJsonLinesReceiver();
  });
  after(async () => {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (over: Partial<TaskLogPipelineOptions> = {}): TaskLogPipelineOptions => ({
    metadata: { "task-id": "t1" },
    labels: NO_LOG_LABELS,
    maxLineBytes: 65536,
    dropKeys: [],
    sinks: parseSinkList(`tcp://127.0.0.1:${receiver.port}`),
    structuredOnly: false,
    spoolRoot: join(dir, "spool"),
    ...over,
  });

  it("stdout, stderr and hook lines, split across chunks, are shipped enriched and in order per stream; the last line without newline at the end", async () => {
    const pipeline = new TaskLogPipeline(options({ metadata: { "task-id": "order" } }), silentLogger);
    pipeline.push("stdout", Buffer.from('{"msg":"one","n":1}\n{"msg":"tw'));
    pipeline.push("stderr", Buffer.from("oops\n"));
    pipeline.push("stdout", Buffer.from('o","n":2}\nlast without newline'));
    pipeline.hookLine("consul", "registered");
    pipeline.end("stdout");
    const result = await pipeline.flush(AbortSignal.timeout(10_000));
    assert.deepEqual(result, { complete: true, dropped: 0 });
    const events = receiver.events.filter((e) => e["task-id"] === "order");
    assert.deepEqual(events.filter((e) => e.stream === "stdout").map((e) => [e.message, e.n]), [["one", 1], ["two", 2], ["last without newline", undefined]]);
    assert.deepEqual(events.filter((e) => e.stream === "stderr").map((e) => e.message), ["oops"]);
    assert.deepEqual(events.filter((e) => e.stream === "hook").map((e) => [e.message, e.hook]), [["registered", "consul"]]);
    const counters = pipeline.counters();
    assert.equal(counters.capture_lines, 5);
    assert.equal(counters.ship_shipped, 5);
    assert.equal(counters.ship_dropped_shutdown, 0);
    assert.equal(pipeline.close(), 0);
  });

  it("structuredOnly: plain text lines are not shipped (counted as skipped)", async () => {
    const pipeline = new TaskLogPipeline(options({ metadata: { "task-id": "structured" }, structuredOnly: true }), silentLogger);
    pipeline.push("stdout", Buffer.from('plain words\nlevel=info msg=kept\n{"msg":"also kept"}\n'));
    await pipeline.flush(AbortSignal.timeout(10_000));
    assert.deepEqual(receiver.events.filter((e) => e["task-id"] === "structured").map((e) => e.message), ["kept", "also kept"]);
    assert.equal(pipeline.counters().capture_skippedLines, 1);
    pipeline.close();
  });

  it("after close, what comes is ignored and nothing throws", () => {
    const pipeline = new TaskLogPipeline(options({ metadata: { "task-id": "closed" } }), silentLogger);
    pipeline.close();
    pipeline.push("stdout", Buffer.from("late\n"));
    pipeline.hookLine("h", "late");
    assert.equal(pipeline.counters().capture_lines, 0);
  });
});
