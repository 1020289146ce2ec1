import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, it } from "node:test";
import { waitFor } from "../../test/helpers/waitFor.js";
import { EnvMarker, MARKER_VARIABLE } from "./envMarker.js";
import { listProcStats } from "./procStat.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function sleeper(env: Record<string, string>): ChildProcess {
  const child = spawn("sleep", ["600"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: "ignore" });
  children.push(child);
  return child;
}

describe("EnvMarker", () => {
  it("finds exactly the processes whose environment carries its value", async () => {
    const marker = new EnvMarker();
    assert.match(marker.value, /^[0-9a-f]{32}$/);
    assert.deepEqual(Object.keys(marker.variable), [MARKER_VARIABLE]);
    const marked = sleeper({ A: "1", ...marker.variable });
    const other = sleeper({ [MARKER_VARIABLE]: new EnvMarker().value });
    const prefixed = sleeper({ [MARKER_VARIABLE]: `${marker.value}0` });
    // environ is readable once the child has exec'd sleep (before, it shows Node's environment).
    await waitFor(() => [marked, other, prefixed].every((c) => listProcStats().find((s) => s.pid === c.pid)?.comm === "sleep"), {
      what: "the sleepers to run",
    });
    const holders = marker.holders(listProcStats());
    assert.deepEqual(holders, [marked.pid]);
    assert.ok(!holders.includes(other.pid!) && !holders.includes(prefixed.pid!));
    assert.deepEqual(marker.holders(listProcStats()), [marked.pid], "the same answer from what it remembers");
  });
});
