// The log pipeline through the real `berth executor` on our local Mesos agent simulator: a task's lines in the sandbox
// files and, with `log-scraping`, enriched and shipped to a real rsyslogd over RELP (acknowledged) and to a Logstash
// json_lines receiver (a double), delivered before the terminal status.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startJsonLinesReceiver, type JsonLinesReceiver } from "../doubles/jsonLinesReceiver.js";
import { shellTask, withBerth } from "../helpers/berthHarness.js";
import { startRsyslog, type TestRsyslog } from "../helpers/rsyslog.js";

const label = (key: string, value: string): { key: string; value: string } => ({ key, value });
const LINES = 2_000;
// JSON lines with a sequence number, a plain text line, and a stack trace on stderr.
const script = `i=0; while [ $i -lt ${LINES} ]; do printf '{"level":"info","msg":"line %05d","seq":%d}\\n' $i $i; i=$((i+1)); done; echo 'plain text line'; printf 'Exception: boom\\n  at a()\\n  at b()\\n' >&2`;

describe("berth executor log pipeline on the local agent simulator", () => {
  let rsyslog: TestRsyslog;
  let logstash: JsonLinesReceiver;
  before(async () => {
    rsyslog = await startRsyslog({ relp: true });
    logstash = await startJsonLinesReceiver();
  });
  after(async () => {
    await logstash?.stop();
    await rsyslog?.remove();
  });

  test("log-scraping: every line enriched, in order, to a real rsyslogd (RELP) and a json_lines receiver (double) before TASK_FINISHED; the sandbox gets every line", async () => {
    const sinks = `relp://127.0.0.1:${rsyslog.relpPort}?format=syslog tcp://127.0.0.1:${logstash.port}`;
    await withBerth({ launch: { env: { BERTH_LOG_SINKS: sinks } } }, async ({ executor }) => {
      executor.launch(
        shellTask("shipper", script, {
          labels: { labels: [label("log-scraping", "logstash"), label("log-scraping-all", "true"), label("scId", "42"), label("berth.log.field.team", "payments"), label("berth.log.multiline", "stacktrace")] },
        }),
      );
      await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 60_000 });
      // Delivered before the terminal status: nothing to wait for now.
      const events = logstash.events.filter((e) => e["task-id"] === "shipper");
      assert.deepEqual(logstash.problems, []);
      const json = events.filter((e) => typeof e.seq === "number");
      assert.equal(json.length, LINES, "every JSON line");
      assert.deepEqual(json.map((e) => e.seq), Array.from({ length: LINES }, (_, i) => i), "in order");
      const first = json[0]!;
      assert.equal(first.message, "line 00000");
      assert.equal(first.level, "info");
      assert.equal(first.scid, 42);
      assert.equal(first.team, "payments");
      assert.equal(first.stream, "stdout");
      assert.equal(first["instance-id"], executor.executorId);
      assert.equal(first["@version"], "1");
      assert.ok(events.some((e) => e.message === "plain text line"), "log-scraping-all ships plain text");
      const trace = events.find((e) => e.stream === "stderr");
      assert.equal(trace?.message, "Exception: boom\n  at a()\n  at b()", "a stack trace joined into one record");

      const syslog = rsyslog.lines().filter((l) => l.includes("line "));
      assert.equal(syslog.length, LINES, "every JSON line reached rsyslog");
      assert.match(syslog[0]!, /^<14>1 \S+ \S+ .*line 00000/);

      const stdout = readFileSync(join(executor.sandbox, "stdout"), "utf8");
      assert.equal(stdout.split("\n").filter((l) => l.startsWith('{"level"')).length, LINES, "the sandbox's stdout has every raw line");
      assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /^Exception: boom$/m);
    });
  });

  test("without log-scraping nothing is shipped; the sandbox files still get every line", async () => {
    const before = logstash.events.length;
    await withBerth({ launch: { env: { BERTH_LOG_SINKS: `tcp://127.0.0.1:${logstash.port}` } } }, async ({ executor }) => {
      executor.launch(shellTask("quiet", "echo to-stdout; echo to-stderr >&2"));
      await executor.waitForUpdate((s) => s.state === "TASK_FINISHED", { timeoutMs: 30_000 });
      assert.equal(logstash.events.length, before);
      await executor.waitForExit({ timeoutMs: 20_000 });
      assert.match(readFileSync(join(executor.sandbox, "stdout"), "utf8"), /^to-stdout$/m);
      assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /^to-stderr$/m);
    });
  });

  test("bad log settings and labels: the executor exits 2 naming the variable; a task with a bad log label gets TASK_ERROR naming it", async () => {
    await withBerth({ launch: { env: { BERTH_LOG_SINKS: "ftp://x:1" } } }, async ({ executor }) => {
      assert.equal((await executor.waitForExit({ timeoutMs: 20_000 })).code, 2);
      assert.match(readFileSync(join(executor.sandbox, "stderr"), "utf8"), /BERTH_LOG_SINKS: sink protocol "ftp"/);
    });
    await withBerth({}, async ({ executor }) => {
      executor.launch(shellTask("bad", "true", { labels: { labels: [label("berth.log.multiline", "("), label("berth.log.sinks", "tcp://10.0.0.1:5000")] } }));
      const error = await executor.waitForUpdate((s) => s.state === "TASK_ERROR", { timeoutMs: 20_000 });
      assert.match(error.message ?? "", /label berth\.log\.multiline: not a regular expression/);
      assert.match(error.message ?? "", /label berth\.log\.sinks: this agent does not let tasks choose sinks/);
    });
  });
});
