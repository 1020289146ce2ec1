import assert from "node:assert/strict";
import { test } from "node:test";
import { executorFields, Timeline } from "./timeline.js";

function recorder(): { timeline: Timeline; out: string[]; err: string[]; clock: { now: number } } {
  const out: string[] = [];
  const err: string[] = [];
  const clock = { now: 1_000 };
  const timeline = new Timeline({ out: (t) => out.push(t), err: (t) => err.push(t), now: () => clock.now, tty: false });
  return { timeline, out, err, clock };
}

test("lines carry the time since the start", () => {
  const { timeline, out, clock } = recorder();
  clock.now = 1_420;
  timeline.line("TASK_RUNNING");
  assert.deepEqual(out, ["  +0.420s  TASK_RUNNING\n"]);
});

test("an instance's diagnostics and output wait for its first status, then keep their order", () => {
  const { timeline, out, err } = recorder();
  timeline.addInstance(1, "app.1");
  timeline.output(1, "stderr", "berth: ts=2026-01-01T00:00:00Z level=info msg=subscribed executor=e task=app.1 pid=7\n");
  timeline.output(1, "stdout", "hello\npart");
  timeline.output(1, "stderr", "task's own complaint\n");
  assert.deepEqual(out, []);
  assert.deepEqual(err, []);
  timeline.line("TASK_STARTING");
  timeline.open(1);
  assert.deepEqual(out, ["  +0.000s  TASK_STARTING\n", "  +0.000s  executor: msg=subscribed pid=7\n", "hello\n"]);
  assert.deepEqual(err, ["task's own complaint\n"]);
  timeline.output(1, "stdout", "ial\n");
  assert.equal(out.at(-1), "partial\n");
  timeline.output(1, "stdout", "no newline");
  timeline.flush(1);
  assert.equal(out.at(-1), "no newline\n");
});

test("with several instances, every line names its instance", () => {
  const { timeline, out } = recorder();
  timeline.tagged = true;
  timeline.addInstance(2, "app.2");
  timeline.open(2);
  timeline.line("TASK_RUNNING", 2);
  timeline.output(2, "stdout", "hi\n");
  assert.deepEqual(out, ["  +0.000s  [2] TASK_RUNNING\n", "[2] hi\n"]);
});

test("executorFields keeps what the timeline does not already say", () => {
  assert.equal(executorFields("berth: ts=x level=warn msg=\"slow\" executor=e task=t1 k=v", "t1"), "level=warn msg=\"slow\" k=v");
  assert.equal(executorFields("berth: ts=x level=info msg=up executor=e"), "msg=up");
});
