import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmdirSync } from "node:fs";
import { describe, it } from "node:test";
import { withTimeout } from "../../test/helpers/waitFor.js";
import { Containment } from "./containment.js";
import { MARKER_VARIABLE } from "./envMarker.js";
import { cgroupAvailable } from "../../test/helpers/cgroupAvailable.js";

const cgroupUsable = cgroupAvailable;

/** Runs `sh -c 'cat /proc/self/cgroup; printenv MARKER'` through the containment; returns its output. */
async function probe(containment: Containment): Promise<string> {
  const child = containment.spawn({ PATH: "/usr/bin:/bin" }, (env) =>
    spawn("/bin/sh", ["-c", `grep ^0:: /proc/self/cgroup; printenv ${MARKER_VARIABLE} || true`], { env: { ...env }, stdio: ["ignore", "pipe", "ignore"] }),
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await withTimeout(new Promise((resolve) => child.once("close", resolve)), 15_000, "the probe to exit");
  return out;
}

describe("Containment", () => {
  it("marker: the child carries a random BERTH_TASK_MARKER; nothing to release", async () => {
    const containment = Containment.open({ label: "t", mode: "marker" });
    assert.equal(containment.mechanism, "marker");
    assert.equal(containment.where, MARKER_VARIABLE);
    assert.equal(containment.fallbackReason, "the marker was asked for");
    assert.match(await probe(containment), new RegExp(`^[0-9a-f]{32}$`, "m"));
    assert.equal(containment.killAll(), false);
    assert.equal(containment.release(), true);
  });

  it("auto: the child starts in the task's cgroup, without a marker", { skip: cgroupUsable ? false : "no cgroup can be made here" }, async () => {
    const containment = Containment.open({ label: "t", mode: "auto" });
    assert.equal(containment.mechanism, "cgroup");
    assert.equal(containment.fallbackReason, undefined);
    const out = await probe(containment);
    const path = containment.where.slice(containment.where.indexOf("/berth-"));
    assert.ok(out.startsWith(`0::`) && out.split("\n")[0]!.endsWith(path), out);
    assert.doesNotMatch(out, /^[0-9a-f]{32}$/m);
    assert.equal(containment.release(), true);
    assert.equal(existsSync(containment.where), false);
  });

  it("auto: falls back to the marker for this task when Berth cannot enter the group", { skip: cgroupUsable ? false : "no cgroup can be made here" }, async () => {
    const containment = Containment.open({ label: "t", mode: "auto" });
    const own = readFileSync("/proc/self/cgroup", "utf8");
    rmdirSync(containment.where); // cgroup.procs is gone with it
    const out = await probe(containment);
    assert.equal(containment.mechanism, "marker");
    assert.match(containment.fallbackReason ?? "", /cannot move into .*ENOENT/);
    assert.match(out, /^[0-9a-f]{32}$/m);
    assert.equal(readFileSync("/proc/self/cgroup", "utf8"), own);
  });
});
