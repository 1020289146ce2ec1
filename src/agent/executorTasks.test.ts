import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskInfo, TaskState, TaskStatus } from "../mesos/types.js";
import { newUuidBytes } from "../mesos/uuid.js";
import { ExecutorTasks } from "./executorTasks.js";

const info = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: "a" } });
const status = (id: string, state: TaskState): TaskStatus => ({ task_id: { value: id }, state, uuid: newUuidBytes() });

test("launched task: states, terminal moves it, later updates are refused", () => {
  const tasks = new ExecutorTasks();
  tasks.addLaunched(info("t"));
  assert.equal(tasks.state("t"), "TASK_STAGING");
  assert.equal(tasks.updateTaskState(status("t", "TASK_RUNNING")), undefined);
  assert.equal(tasks.updateTaskState(status("t", "TASK_RUNNING")), undefined);
  assert.equal(tasks.record("t")?.statuses.length, 1, "a repeated state replaces the previous status");
  assert.equal(tasks.updateTaskState(status("t", "TASK_FINISHED")), undefined);
  assert.equal(tasks.updateTaskState(status("t", "TASK_FAILED")), "Task is already terminated with state TASK_FINISHED");
  assert.equal(tasks.updateTaskState(status("t", "TASK_RUNNING")), "Task is already terminated with state TASK_FINISHED");
  assert.equal(tasks.updateTaskState(status("nope", "TASK_RUNNING")), "Task is unknown");
});

test("queued task: only terminal updates; groups leave the queue together", () => {
  const tasks = new ExecutorTasks();
  tasks.enqueueGroup([info("g1"), info("g2")]);
  assert.equal(tasks.updateTaskState(status("g1", "TASK_RUNNING")), "Cannot send non-terminal update for queued task");
  assert.deepEqual(tasks.queuedGroupOf("g2")?.map((t) => t.task_id.value), ["g1", "g2"]);
  assert.equal(tasks.updateTaskState(status("g1", "TASK_KILLED")), undefined);
  assert.equal(tasks.queuedGroups.length, 1);
  assert.equal(tasks.updateTaskState(status("g2", "TASK_KILLED")), undefined);
  assert.equal(tasks.queuedGroups.length, 0);
  assert.equal(tasks.everSentTask(), false, "agent-generated updates do not count as sent");
});
