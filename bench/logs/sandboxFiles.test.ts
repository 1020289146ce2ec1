import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sandboxStreamLines, subdirectoryBytes } from "./sandboxFiles.js";

test("a stream's lines across its rotated copies; spool bytes only below subdirectories", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-sandbox-"));
  try {
    writeFileSync(join(dir, "stdout"), "a\nb\n");
    writeFileSync(join(dir, "stdout.1"), "c\n");
    writeFileSync(join(dir, "stdout.10"), "d\ne\nf\n");
    writeFileSync(join(dir, "stdout.old"), "not\nthis\n");
    writeFileSync(join(dir, "stderr"), "x\n");
    assert.deepEqual(sandboxStreamLines(dir, "stdout"), { lines: 6, bytes: 12, files: 3 });
    assert.equal(subdirectoryBytes(dir), 0);
    mkdirSync(join(dir, "spool", "tcp_sink"), { recursive: true });
    writeFileSync(join(dir, "spool", "tcp_sink", "000001"), Buffer.alloc(1000));
    writeFileSync(join(dir, "spool", "index"), Buffer.alloc(24));
    assert.equal(subdirectoryBytes(dir), 1024);
    assert.equal(subdirectoryBytes(join(dir, "missing")), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
