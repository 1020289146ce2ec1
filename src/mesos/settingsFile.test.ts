import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readSettingsFile } from "./settingsFile.js";

const dir = mkdtempSync(join(tmpdir(), "berth-settings-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function read(content: string | undefined): { hooks: unknown[]; problems: string[] } {
  const path = join(dir, `settings-${Math.random().toString(16).slice(2)}.json`);
  if (content !== undefined) writeFileSync(path, content);
  const problems: string[] = [];
  const settings = readSettingsFile(path, problems);
  return { hooks: [...settings.hooks], problems: problems.map((p) => p.replace(path, "FILE")) };
}

describe("readSettingsFile (BERTH_CONFIG)", () => {
  it("no variable, no file: nothing to read, no problem", () => {
    const problems: string[] = [];
    assert.deepEqual(readSettingsFile(undefined, problems).hooks, []);
    assert.deepEqual(problems, []);
  });

  it("agent-wide hooks of every kind", () => {
    const { hooks, problems } = read(
      JSON.stringify({
        hooks: [
          { name: "audit", phases: ["poststart", "exited"], exec: ["/opt/audit", "--task"] },
          { name: "notify", phases: ["healthy"], http: { url: "http://127.0.0.1:9000/up", method: "POST" } },
          { name: "linger", phases: ["preKill"], sleepSeconds: 1 },
        ],
      }),
    );
    assert.deepEqual(problems, []);
    assert.equal(hooks.length, 3);
  });

  it("every problem is named with the variable, the file and its JSON path; a bad file yields no hooks", () => {
    assert.deepEqual(read(undefined).problems.map((p) => p.replace(/: ENOENT.*/, ": ENOENT")), ["BERTH_CONFIG (FILE): cannot be read: ENOENT"]);
    assert.match(read("{").problems[0]!, /^BERTH_CONFIG \(FILE\): not valid JSON: /);
    const bad = read(
      JSON.stringify({
        hook: [],
        hooks: [
          { name: "a", phases: ["sometime"], exec: ["x"] },
          { name: "b", phases: ["stop"], http: { url: "ftp://x" } },
          { name: "b", phases: ["stop"], sleepSeconds: 1 },
        ],
      }),
    );
    assert.deepEqual(bad.hooks, []);
    assert.equal(bad.problems.length, 3, bad.problems.join("\n"));
    assert.ok(bad.problems.includes("BERTH_CONFIG (FILE): hook: unknown key"));
    assert.ok(bad.problems.includes('BERTH_CONFIG (FILE): hooks.2.name: "b" is already the name of an earlier hook'));
    assert.ok(bad.problems.some((p) => p.startsWith("BERTH_CONFIG (FILE): hooks.0.phases.0: ")));
    const later = read(JSON.stringify({ hooks: [{ name: "b", phases: ["stop"], http: { url: "ftp://x" } }] }));
    assert.deepEqual(later.problems, ["BERTH_CONFIG (FILE): hooks.0: http: url must be http or https, not ftp:"]);
  });
});
