// `berth dev --logs`: the task's lines as the log pipeline ships them (parsed, enriched), through the real
// `berth executor` on the built-in agent, shown instead of the raw output and apart from Berth's diagnostics.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runDev } from "../helpers/devRun.js";
import { withTimeout } from "../helpers/waitFor.js";

test("berth dev --logs: JSON, plain and logfmt lines shown parsed with the task's label fields, each once, before TASK_FINISHED", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-dev-logs-"));
  try {
    const app = join(dir, "app.json");
    const cmd = `echo '{"level":"info","msg":"started","port":8080}'; echo plain line; echo 'level=warn msg="disk almost full" pct=91' >&2`;
    writeFileSync(app, JSON.stringify({ id: "/e2e/logs", cmd, cpus: 0.1, mem: 32, labels: { "berth.log.field.team": "payments" } }));
    const dev = runDev(app, ["--logs"]);
    assert.equal(await withTimeout(dev.exited, 60_000, "berth dev to exit"), 0, dev.output());
    const lines = dev.output().split("\n");
    const index = (pattern: RegExp): number => {
      const found = lines.findIndex((line) => pattern.test(line));
      assert.ok(found >= 0, `${pattern} in:\n${dev.output()}`);
      assert.equal(lines.filter((line) => pattern.test(line)).length, 1, `${pattern} once in:\n${dev.output()}`);
      return found;
    };
    const started = index(/^stdout +│ started {2}.*level=info port=8080 team=payments/);
    index(/^stdout +│ plain line {2}.*team=payments/);
    index(/^stderr +│ disk almost full {2}.*level=warn pct=91 team=payments/);
    assert.equal(lines.filter((line) => line.includes('{"level":"info"')).length, 0, "the raw JSON line is not shown");
    assert.ok(started < index(/TASK_FINISHED {2}"Command exited with status 0"/), "delivered before the terminal status");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
