import assert from "node:assert/strict";
import { test } from "node:test";
import type { Call, TaskStatus } from "../mesos/types.js";
import { newUuidBytes } from "../mesos/uuid.js";
import { isAgentAcceptedUuid, validateCall } from "./validateCall.js";

const ids = { executor_id: { value: "e1" }, framework_id: { value: "f1" } };
const status = (extra: Partial<TaskStatus> = {}): TaskStatus => ({
  task_id: { value: "t1" },
  state: "TASK_RUNNING",
  source: "SOURCE_EXECUTOR",
  uuid: newUuidBytes(),
  ...extra,
});
const update = (extra: Partial<TaskStatus> = {}): Call => ({ ...ids, type: "UPDATE", update: { status: status(extra) } });

test("type and per-type sub-messages are required", () => {
  assert.equal(validateCall({ ...ids }), "Expecting 'type' to be present");
  assert.equal(validateCall({ ...ids, type: "SUBSCRIBE" }), "Expecting 'subscribe' to be present");
  assert.equal(validateCall({ ...ids, type: "SUBSCRIBE", subscribe: {} }), undefined);
  assert.equal(validateCall({ ...ids, type: "UPDATE" }), "Expecting 'update' to be present");
  assert.equal(validateCall({ ...ids, type: "MESSAGE" }), "Expecting 'message' to be present");
  assert.equal(validateCall({ ...ids, type: "HEARTBEAT" }), undefined);
  assert.equal(validateCall({ ...ids, type: "UNKNOWN" }), undefined);
});

test("UPDATE: uuid present, 16 bytes, known version", () => {
  assert.equal(validateCall(update()), undefined);
  const { uuid: _, ...noUuid } = status();
  assert.equal(validateCall({ ...ids, type: "UPDATE", update: { status: noUuid } }), "Expecting 'uuid' to be present");
  // The executor-http-api.md example uuid, base64-decoded, is 37 bytes of text.
  assert.equal(validateCall(update({ uuid: Buffer.from("0d5af8ac-4b6d-4c8c-b3b6-d94c2bd0eeb2X") })), "Not a valid UUID");
  const v0 = newUuidBytes();
  v0[6] = (v0[6] as number) & 0x0f;
  assert.equal(validateCall(update({ uuid: v0 })), "Not a valid UUID");
  // stout checks the version only, not the variant bits.
  const oddVariant = newUuidBytes();
  oddVariant[8] = (oddVariant[8] as number) & 0x3f;
  assert.equal(isAgentAcceptedUuid(oddVariant), true);
});

test("UPDATE: executor_id must match, source must be SOURCE_EXECUTOR, no TASK_STAGING", () => {
  assert.equal(validateCall(update({ executor_id: { value: "e1" } })), undefined);
  assert.equal(validateCall(update({ executor_id: { value: "other" } })), "ExecutorID in Call: e1 does not match ExecutorID in TaskStatus: other");
  const { source: _, ...noSource } = status();
  assert.match(validateCall({ ...ids, type: "UPDATE", update: { status: noSource } }) ?? "", /with invalid source, expecting 'SOURCE_EXECUTOR'$/);
  assert.match(validateCall(update({ source: "SOURCE_AGENT" })) ?? "", /^Received Call from executor e1 of framework f1 with invalid source/);
  assert.equal(validateCall(update({ state: "TASK_STAGING" })), "Received TASK_STAGING from executor e1 of framework f1 which is not allowed");
});

test("UPDATE: check_status needs a type and the matching sub-message", () => {
  assert.equal(validateCall(update({ check_status: {} })), "CheckStatusInfo must specify 'type'");
  assert.equal(validateCall(update({ check_status: { type: "COMMAND" } })), "Expecting 'command' to be set for COMMAND check's status");
  assert.equal(validateCall(update({ check_status: { type: "HTTP" } })), "Expecting 'http' to be set for HTTP check's status");
  assert.equal(validateCall(update({ check_status: { type: "TCP" } })), "Expecting 'tcp' to be set for TCP check's status");
  assert.equal(validateCall(update({ check_status: { type: "UNKNOWN" } })), "'UNKNOWN' is not a valid check's status type");
  assert.equal(validateCall(update({ check_status: { type: "HTTP", http: {} } })), undefined);
});
