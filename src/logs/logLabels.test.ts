import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STACK_TRACE_CONTINUATION } from "./lineJoiner.js";
import { readLogLabels } from "./logLabels.js";

const read = (labels: Record<string, string>): { settings: ReturnType<typeof readLogLabels>; problems: string[] } => {
  const problems: string[] = [];
  return { settings: readLogLabels(new Map(Object.entries(labels)), problems), problems };
};

describe("readLogLabels", () => {
  it("the predecessor's labels keep their meaning", () => {
    assert.deepEqual(read({}).settings, { ship: false, structuredOnly: false, scId: undefined, extraFields: {}, dropKeys: [], multiline: undefined, maxLineBytes: undefined, sinks: undefined });
    const { settings, problems } = read({ "log-scraping": "logstash", scId: "42" });
    assert.deepEqual(problems, []);
    assert.deepEqual([settings.ship, settings.structuredOnly, settings.scId], [true, true, "42"]);
    assert.equal(read({ "log-scraping": "logstash", "log-scraping-all": "true" }).settings.structuredOnly, false);
    assert.equal(read({ "log-scraping": "false" }).settings.ship, false);
    assert.match(read({ "log-scraping": "kafka" }).problems[0] ?? "", /log-scraping: expected logstash or true, got "kafka"/);
  });

  it("extra fields, dropped keys, multiline and the line bound from berth.log.* labels", () => {
    const { settings, problems } = read({
      "berth.log.field.team": "shop",
      "berth.log.field.env.name": "prod",
      "berth.log.drop": " password, token ,,",
      "berth.log.multiline": "stacktrace",
      "berth.log.multiline.max-lines": "50",
      "berth.log.max-line-bytes": "2048",
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.extraFields, { team: "shop", "env.name": "prod" });
    assert.deepEqual(settings.dropKeys, ["password", "token"]);
    assert.deepEqual(settings.multiline, { pattern: STACK_TRACE_CONTINUATION, maxLines: 50 });
    assert.equal(settings.maxLineBytes, 2048);
    assert.deepEqual(read({ "berth.log.multiline": "^\\s+at " }).settings.multiline?.pattern.source, "^\\s+at ");
  });

  it("every bad value is a problem naming its label", () => {
    const { problems } = read({
      "berth.log.field.": "x",
      "berth.log.field.srchost": "forged",
      "berth.log.field.a b": "x",
      "berth.log.multiline": "(",
      "berth.log.max-line-bytes": "12",
    });
    assert.equal(problems.length, 5, problems.join("\n"));
    assert.ok(problems.some((p) => p.includes("berth.log.field.srchost: srchost is set by Berth")));
    assert.ok(problems.some((p) => p.startsWith("label berth.log.multiline: not a regular expression")));
    assert.ok(problems.some((p) => p.includes("berth.log.max-line-bytes: expected an integer from 1024 to 1048576")));
    assert.deepEqual(read({ "berth.log.multiline.max-lines": "5" }).problems, ["label berth.log.multiline.max-lines needs berth.log.multiline"]);
    assert.match(read({ "berth.log.multiline": "a".repeat(257) }).problems[0] ?? "", /at most 256 characters/);
  });
});

describe("readLogLabels: unknown berth.log.* labels", () => {
  it("a misspelt berth.log label is a problem naming it and the known ones", () => {
    const problems: string[] = [];
    readLogLabels(new Map([["berth.log.multiline.maxlines", "5"]]), problems);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^label berth\.log\.multiline\.maxlines is not a Berth log label \(known: .*berth\.log\.multiline\.max-lines/);
  });
});
