import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENV_KNOBS, RUN_CONFIG_KEYS } from "./knobRegistry.js";
import { runHelpDetails } from "./knobHelp.js";

describe("berth run --help details", () => {
  it("every config key and every variable berth run reads, none it does not, as plain text", () => {
    const lines = runHelpDetails().split("\n");
    for (const [name, knob] of RUN_CONFIG_KEYS) {
      const line = lines.find((l) => l.startsWith(`  ${name}  (`));
      assert.ok(line, name);
      if (typeof knob.default === "number") assert.ok(line.includes(`default ${knob.default}`), line);
    }
    for (const [name, knob] of ENV_KNOBS) {
      const listed = lines.some((l) => l.startsWith(`  ${name}  (`));
      assert.equal(listed, knob.appliesTo.includes("run"), `${name} listed iff berth run reads it`);
    }
    assert.ok(!lines.some((l) => l.startsWith("  MESOS_")), "no agent variable");
    assert.doesNotMatch(runHelpDetails(), /`/);
  });
});
