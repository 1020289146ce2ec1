import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readLogLabels } from "./logLabels.js";
import { readLogSettings, readTaskLogSettings, taskSinks } from "./logSettings.js";

const settings = (env: Record<string, string>): { value: ReturnType<typeof readTaskLogSettings>; problems: string[] } => {
  const problems: string[] = [];
  return { value: readTaskLogSettings(env, problems), problems };
};
const labels = (map: Record<string, string>) => readLogLabels(new Map(Object.entries(map)), []);

describe("readTaskLogSettings", () => {
  it("defaults: no sinks, labelled tasks only, no task sinks, 5 s flush", () => {
    const { value, problems } = settings({});
    assert.deepEqual(problems, []);
    assert.deepEqual([value.sinks, value.shipAll, value.taskSinksAllowed, value.flushTimeoutMs], [[], false, false, 5_000]);
  });

  it("every bad value names its variable", () => {
    const { problems } = settings({ BERTH_LOG_SINKS: "tcp://h", BERTH_LOG_SHIP_ALL: "yes", BERTH_LOG_TASK_SINKS: "1", BERTH_LOG_FLUSH_TIMEOUT: "5" });
    assert.equal(problems.length, 4, problems.join("\n"));
    for (const name of ["BERTH_LOG_SINKS", "BERTH_LOG_SHIP_ALL", "BERTH_LOG_TASK_SINKS", "BERTH_LOG_FLUSH_TIMEOUT"]) assert.ok(problems.some((p) => p.startsWith(`${name}:`)), name);
  });
});

describe("taskSinks", () => {
  const agent = settings({ BERTH_LOG_SINKS: "tcp://logstash:5000 relp://rsyslog:2514?format=syslog" }).value;

  it("the agent's sinks for labelled tasks only (the predecessor's log-scraping); plain text only with log-scraping-all", () => {
    assert.deepEqual(taskSinks(agent, labels({}), []), { sinks: [], structuredOnly: false });
    const scraped = taskSinks(agent, labels({ "log-scraping": "logstash" }), []);
    assert.deepEqual([scraped.sinks.map((s) => s.name), scraped.structuredOnly], [["tcp://logstash:5000", "relp://rsyslog:2514"], true]);
    assert.equal(taskSinks(agent, labels({ "log-scraping": "true", "log-scraping-all": "x" }), []).structuredOnly, false);
  });

  it("BERTH_LOG_SHIP_ALL ships every task, plain text too", () => {
    const all = settings({ BERTH_LOG_SINKS: "tcp://logstash:5000", BERTH_LOG_SHIP_ALL: "true" }).value;
    assert.deepEqual(taskSinks(all, labels({}), []).structuredOnly, false);
    assert.equal(taskSinks(all, labels({}), []).sinks.length, 1);
  });

  it("a task's own sinks only where the agent allows them, never files or TLS files of the host", () => {
    const problems: string[] = [];
    taskSinks(agent, labels({ "berth.log.sinks": "tcp://mine:1" }), problems);
    assert.match(problems[0] ?? "", /does not let tasks choose sinks/);
    const open = settings({ BERTH_LOG_TASK_SINKS: "true" }).value;
    const refused: string[] = [];
    taskSinks(open, labels({ "berth.log.sinks": "file:///etc/passwd tls://h:1?ca=/etc/shadow" }), refused);
    assert.equal(refused.length, 2, refused.join("\n"));
    const ok = taskSinks(open, labels({ "berth.log.sinks": "udp://graylog:12201?format=syslog" }), []);
    assert.deepEqual(ok.sinks.map((s) => s.name), ["task:udp://graylog:12201"]);
  });
});

describe("readLogSettings", () => {
  it("defaults, values, and problems naming the variable", () => {
    const problems: string[] = [];
    assert.deepEqual(readLogSettings({}, problems), { maxLineBytes: 65536, dropKeys: [], sandboxMaxBytes: 10485760, sandboxKeep: 9, bufferBytes: 16777216, backlogBytes: 268435456 });
    assert.deepEqual(readLogSettings({ BERTH_LOG_MAX_LINE_BYTES: "4096", BERTH_LOG_DROP_KEYS: "a,b", BERTH_SANDBOX_LOG_MAX_BYTES: "0", BERTH_SANDBOX_LOG_KEEP: "3", BERTH_LOG_BUFFER_BYTES: "1048576", BERTH_LOG_BACKLOG_BYTES: "0" }, problems), {
      maxLineBytes: 4096,
      dropKeys: ["a", "b"],
      sandboxMaxBytes: 0,
      sandboxKeep: 3,
      bufferBytes: 1048576,
      backlogBytes: 0,
    });
    assert.deepEqual(problems, []);
    readLogSettings({ BERTH_SANDBOX_LOG_KEEP: "-1", BERTH_LOG_BUFFER_BYTES: "1000" }, problems);
    assert.deepEqual(problems, ['BERTH_SANDBOX_LOG_KEEP: expected an integer from 0 to 1000, got "-1"', 'BERTH_LOG_BUFFER_BYTES: expected an integer from 1048576 to 1073741824, got "1000"']);
  });
});
