import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { executorInfo, executorInfoRequest } from "./executorFlags.js";
import { ENV_KNOBS } from "./knobRegistry.js";

describe("berth executor --help / --version", () => {
  it("a lone flag outside an agent's environment", () => {
    for (const flag of ["--help", "-h"]) assert.equal(executorInfoRequest([flag], {}), "help");
    for (const flag of ["--version", "-V"]) assert.equal(executorInfoRequest([flag], {}), "version");
  });

  it("never the words of a task's command line, nor under an agent", () => {
    assert.equal(executorInfoRequest([], {}), undefined);
    assert.equal(executorInfoRequest(["python", "app.py", "--help"], {}), undefined);
    assert.equal(executorInfoRequest(["--help", "--version"], {}), undefined);
    assert.equal(executorInfoRequest(["--helpme"], {}), undefined);
    assert.equal(executorInfoRequest(["constructor"], {}), undefined);
    assert.equal(executorInfoRequest(["--help"], { MESOS_EXECUTOR_ID: "ex" }), undefined, "Marathon appended an app command that is just --help");
  });

  it("--version is package.json's", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    assert.match(version, /^\d+\.\d+\.\d+/);
    assert.equal(await executorInfo("version"), `${version}\n`);
  });

  it("--help lists every variable the executor reads, with its default, in lines of at most 100 characters but the names'", async () => {
    const help = await executorInfo("help");
    assert.match(help, /^Usage: berth executor\n/);
    const lines = help.split("\n");
    for (const [name, knob] of ENV_KNOBS) {
      if (!knob.appliesTo.includes("executor")) continue;
      const line = lines.find((l) => l.startsWith(`  ${name}  (`));
      assert.ok(line, name);
      if (knob.default !== undefined) assert.ok(line.includes(`default ${String(knob.default)}`), line);
    }
    for (const line of lines.filter((l) => l.startsWith("      "))) assert.ok(line.length <= 100, line);
    assert.doesNotMatch(help, /`/, "plain text, not Markdown");
  });
});
