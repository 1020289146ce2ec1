// `berth dev APP.json` end to end: the built-in agent (our Mesos agent simulator) launches `berth executor` with
// Marathon's command line; the task really serves HTTP; Ctrl-C (SIGINT) kills it gracefully.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { taggedProcesses } from "../helpers/berthHarness.js";
import { runDev } from "../helpers/devRun.js";
import { repoRoot } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/waitFor.js";

/** The example app (and its server, beside it) with a tag in its env, so that every process it starts can be found afterwards. */
function taggedExample(): { appPath: string; tag: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "berth-dev-test-"));
  copyFileSync(join(repoRoot, "examples/hello/server.py"), join(dir, "server.py"));
  const tag = randomUUID();
  const app = JSON.parse(readFileSync(join(repoRoot, "examples/hello/app.json"), "utf8")) as { env: Record<string, string> };
  app.env.E2E_RUN_TAG = tag;
  const appPath = join(dir, "app.json");
  writeFileSync(appPath, JSON.stringify(app));
  return { appPath, tag, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("berth dev", () => {
  test("runs the example app through berth executor; Ctrl-C kills it gracefully and shows the timeline", async () => {
    const { appPath, tag, cleanup } = taggedExample();
    const dev = runDev(appPath);
    try {
      const port = await waitFor(() => /Serving HTTP on 127\.0\.0\.1 port (\d+)/.exec(dev.output())?.[1], { timeoutMs: 30_000, what: "the app to serve HTTP" });
      await waitFor(() => dev.output().includes("TASK_RUNNING"), { timeoutMs: 30_000, what: "TASK_RUNNING in the timeline" });
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 200, "the task serves its sandbox");
      await response.arrayBuffer();
      assert.match(dev.output(), /hello from \/demo\/hello/);
      process.kill(dev.pid, "SIGINT");
      assert.equal(await dev.exited, 0);
      // The timeline's own lines ("  +1.234s  TASK_…"), not the executor's diagnostics interleaved with them.
      const states = [...dev.output().matchAll(/^\s*\+\d+\.\d+s\s+(TASK_[A-Z_]+)/gm)].map((m) => m[1]);
      assert.deepEqual(states, ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]);
      assert.match(dev.output(), /executor exited \(code 0\)/);
    } finally {
      if (dev.running()) process.kill(dev.pid, "SIGKILL");
      await dev.exited;
      const left = taggedProcesses(tag);
      for (const line of left) process.kill(Number(line.split(" ")[0]), "SIGKILL");
      cleanup();
      assert.deepEqual(left, [], "processes left behind");
    }
  });

  test("an invalid app definition is refused with every problem named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-dev-test-"));
    try {
      const appPath = join(dir, "app.json");
      writeFileSync(appPath, JSON.stringify({ id: "/x", env: { "BAD NAME": "1" }, portDefinitions: [{ port: -1 }] }));
      const dev = runDev(appPath);
      assert.equal(await dev.exited, 2);
      assert.match(dev.output(), new RegExp(`${appPath.replaceAll("/", "\\/")} is not a valid Marathon app`));
      assert.match(dev.output(), /env\.BAD NAME/);
      assert.match(dev.output(), /portDefinitions\.0\.port/);
      writeFileSync(appPath, "{ not json");
      const broken = runDev(appPath);
      assert.equal(await broken.exited, 2);
      assert.match(broken.output(), /is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
