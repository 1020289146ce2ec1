import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { silentLogger, type Logger } from "../../logger.js";
import { OutputBacklog, type BacklogEntry } from "./outputBacklog.js";

const dir = mkdtempSync(join(tmpdir(), "berth-backlog-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = (entries: readonly BacklogEntry[]): string[] => entries.map((e) => `${e.stream}:${e.chunk === undefined ? "<end>" : e.chunk.toString()}`);

function drain(backlog: OutputBacklog, maxBytes = 1024): string[] {
  const out: string[] = [];
  while (!backlog.empty) out.push(...text(backlog.take(maxBytes)));
  return out;
}

describe("OutputBacklog", () => {
  it("gives back chunks and stream ends in the order they came, from disk", () => {
    const backlog = new OutputBacklog({ dir: join(dir, "a"), maxBytes: 1024 * 1024, logger: silentLogger });
    backlog.add("stdout", Buffer.from("one\n"));
    backlog.add("stderr", Buffer.from("err\n"));
    backlog.add("stdout", undefined);
    backlog.add("stderr", Buffer.from("more"));
    assert.equal(backlog.memoryBytes, 0);
    assert.ok(backlog.diskBytes > 0);
    assert.equal(backlog.writtenBytes, 12);
    assert.deepEqual(drain(backlog, 4), ["stdout:one\n", "stderr:err\n", "stdout:<end>", "stderr:more"]);
    assert.equal(backlog.diskBytes, 0, "read segments are deleted");
  });

  it("beyond its disk bound, what comes next waits in memory behind the disk, order kept", () => {
    const backlog = new OutputBacklog({ dir: join(dir, "b"), maxBytes: 40, logger: silentLogger });
    for (let i = 0; i < 5; i++) backlog.add("stdout", Buffer.from(`chunk${i}\n`));
    assert.ok(backlog.memoryBytes > 0, "the disk refused some");
    const expected = Array.from({ length: 5 }, (_, i) => `stdout:chunk${i}\n`);
    assert.deepEqual(drain(backlog), expected);
    assert.equal(backlog.memoryBytes, 0);
  });

  it("a directory that cannot be made: one warning, everything kept in memory, in order", () => {
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const warnings: string[] = [];
    const logger: Logger = { log: (level, message) => warnings.push(`${level} ${message}`), child: () => logger };
    const backlog = new OutputBacklog({ dir: join(file, "sub"), maxBytes: 1024 * 1024, logger });
    backlog.add("stdout", Buffer.from("a"));
    backlog.add("stdout", Buffer.from("b"));
    assert.equal(backlog.memoryBytes, 2);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^warn the task's output cannot wait on disk/);
    assert.deepEqual(drain(backlog), ["stdout:a", "stdout:b"]);
  });

  it("clear drops everything, files included, and says how many bytes", () => {
    const backlog = new OutputBacklog({ dir: join(dir, "c"), maxBytes: 30, logger: silentLogger });
    for (let i = 0; i < 4; i++) backlog.add("stdout", Buffer.from("0123456789"));
    assert.equal(backlog.clear(), 40);
    assert.ok(backlog.empty);
    assert.deepEqual(readdirSync(join(dir, "c")), []);
  });
});
