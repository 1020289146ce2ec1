import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DOCS_COMMAND, KnobDocsError, knobSections, staleKnobSections, withKnobSections } from "./knobDocs.js";
import { ENV_KNOBS, HOOK_CONFIG_KEYS, LABEL_KNOBS, RUN_CONFIG_KEYS, SETTINGS_FILE_KEYS } from "./knobRegistry.js";

/** The repository's README (this test runs as dist/src/cli/knobDocs.test.js). */
const README = new URL("../../../README.md", import.meta.url);

const markers = (name: string, body = ""): string => `<!-- knobs:${name}:begin -->${body}<!-- knobs:${name}:end -->`;
const skeleton = (): string => Object.keys(knobSections()).map((name) => `## ${name}\n\n${markers(name, "\nold\n")}\n`).join("\n");

describe("README's generated tables", () => {
  it("README.md says what the declarations say", () => {
    const stale = staleKnobSections(readFileSync(README, "utf8"));
    assert.deepEqual(stale, [], `README.md's tables ${stale.join(", ")} differ from the declarations (src/**/*Knobs.ts): run \`${DOCS_COMMAND}\``);
  });

  it("every declared knob has its row, with its default", () => {
    const sections = knobSections();
    for (const [name, knob] of ENV_KNOBS) {
      const row = sections.env!.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      assert.ok(row, name);
      if (typeof knob.default === "string") assert.ok(row.includes(`\`${knob.default}\``), `${name}'s default in ${row}`);
    }
    for (const [section, knobs] of [["labels", LABEL_KNOBS], ["run-config", RUN_CONFIG_KEYS], ["settings-file", SETTINGS_FILE_KEYS], ["hook-config", HOOK_CONFIG_KEYS]] as const) {
      for (const [name] of knobs) assert.ok(sections[section]!.includes(`| \`${name}\` |`), `${section}: ${name}`);
    }
  });

  it("writes each section between its markers, leaves the rest, and is stable", () => {
    const before = `# Title\n\n${skeleton()}\nThe end.\n`;
    assert.deepEqual(staleKnobSections(before).sort(), Object.keys(knobSections()).sort());
    const after = withKnobSections(before);
    assert.deepEqual(staleKnobSections(after), []);
    assert.equal(withKnobSections(after), after, "a second run changes nothing");
    assert.ok(after.startsWith("# Title\n\n") && after.endsWith("\nThe end.\n"));
    assert.ok(!after.includes("\nold\n"));
  });

  it("notices a changed declaration", () => {
    const sections = { ...knobSections() };
    const readme = withKnobSections(skeleton(), sections);
    sections.env = sections.env!.replace("`3secs`", "`5secs`");
    assert.deepEqual(staleKnobSections(readme, sections), ["env"]);
  });

  it("a missing, repeated or reversed marker is an error naming it", () => {
    const sections = { env: "| a |" };
    for (const readme of ["no markers", `${markers("env")}${markers("env")}`, "<!-- knobs:env:end --><!-- knobs:env:begin -->"]) {
      assert.throws(() => withKnobSections(readme, sections), (error: unknown) => error instanceof KnobDocsError && /<!-- knobs:env:begin -->/.test(error.message));
    }
  });

  it("a | in a cell is escaped, so that it does not split the row", () => {
    const row = knobSections().env!.split("\n").find((line) => line.startsWith("| `BERTH_MESOS_ENCODING` |"));
    assert.equal(row?.split(/(?<!\\)\|/).length, 8, row);
  });
});
