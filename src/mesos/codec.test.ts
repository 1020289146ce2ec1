import assert from "node:assert/strict";
import { test } from "node:test";
import { CodecError, decodeCall, decodeEvent, encodeCall, encodeEvent, encodingOfContentType } from "./codec.js";
import type { Call, Event } from "./types.js";
import { newUuidBytes } from "./uuid.js";

const task = {
  name: "web",
  task_id: { value: "web.1" },
  agent_id: { value: "agent-1" },
  command: { value: "echo hi", environment: { variables: [{ name: "A", value: "1" }] } },
  kill_policy: { grace_period: { nanoseconds: 5_000_000_000 } },
  data: Buffer.from("payload"),
};

const update: Call = {
  executor_id: { value: "e" },
  framework_id: { value: "f" },
  type: "UPDATE",
  update: { status: { task_id: { value: "web.1" }, state: "TASK_STARTING", source: "SOURCE_EXECUTOR", uuid: newUuidBytes(), timestamp: 1.5 } },
};

for (const encoding of ["json", "protobuf"] as const) {
  test(`${encoding}: Call and Event survive a round trip`, () => {
    assert.deepEqual(decodeCall(encodeCall(update, encoding), encoding), update);
    const event: Event = { type: "LAUNCH", launch: { task } };
    const decoded = decodeEvent(encodeEvent(event, encoding), encoding);
    assert.deepEqual(decoded.launch?.task.data, task.data);
    assert.equal(decoded.launch?.task.kill_policy?.grace_period?.nanoseconds, 5_000_000_000);
    assert.equal(decoded.launch?.task.command?.environment?.variables?.[0]?.value, "1");
  });
}

test("protobuf serializes a required enum whose value is 0 (TASK_STARTING)", () => {
  const decoded = decodeCall(encodeCall(update, "protobuf"), "protobuf");
  assert.equal(decoded.update?.status.state, "TASK_STARTING");
});

test("JSON uses proto names, enum names, base64 bytes and numeric int64", () => {
  const json = JSON.parse(encodeCall(update, "json").toString()) as { update: { status: Record<string, unknown> } };
  assert.equal(json.update.status.state, "TASK_STARTING");
  assert.equal(json.update.status.source, "SOURCE_EXECUTOR");
  assert.equal(typeof json.update.status.uuid, "string");
  assert.equal(Buffer.from(json.update.status.uuid as string, "base64").length, 16);
  const launch = JSON.parse(encodeEvent({ type: "LAUNCH", launch: { task } }, "json").toString()) as {
    launch: { task: { kill_policy: { grace_period: { nanoseconds: unknown } } } };
  };
  assert.equal(launch.launch.task.kill_policy.grace_period.nanoseconds, 5_000_000_000);
});

test("JSON with defaults emits unset optional fields that declare a default, like the agent", () => {
  const json = JSON.parse(encodeEvent({ type: "LAUNCH", launch: { task } }, "json", { withDefaults: true }).toString()) as {
    launch: { task: { command: { shell: unknown } } };
  };
  assert.equal(json.launch.task.command.shell, true);
});

const decodeJson = (value: unknown): Event => decodeEvent(Buffer.from(JSON.stringify(value)), "json");

test("JSON decoding follows stout: unknown keys ignored, null unset, int64 strings accepted", () => {
  const event = decodeJson({
    type: "KILL",
    extra: 1,
    kill: { task_id: { value: "t", future: true }, kill_policy: { grace_period: { nanoseconds: "1000" } } },
    error: null,
  });
  assert.deepEqual(event, { type: "KILL", kill: { task_id: { value: "t" }, kill_policy: { grace_period: { nanoseconds: 1000 } } } });
});

test("JSON decoding drops an unknown enum name on an optional field", () => {
  assert.deepEqual(decodeJson({ type: "SOMETHING_NEW" }), {});
});

test("JSON decoding rejects numeric enums, missing required fields, bad base64 and wrong types", () => {
  assert.throws(() => decodeJson({ type: 3 }), CodecError);
  assert.throws(() => decodeJson({ type: "KILL", kill: {} }), /kill\.task_id: missing required/);
  assert.throws(() => decodeJson({ type: "MESSAGE", message: { data: "not base64!" } }), CodecError);
  assert.throws(() => decodeJson({ type: "ERROR", error: { message: 5 } }), CodecError);
  assert.throws(() => decodeEvent(Buffer.from("{not json"), "json"), /invalid JSON/);
  assert.throws(() => decodeJson([1, 2]), CodecError);
});

test("protobuf decoding rejects garbage and missing required fields", () => {
  assert.throws(() => decodeEvent(Buffer.from([0xff, 0xff, 0xff]), "protobuf"), CodecError);
  // A Kill (field 5) with an empty body lacks its required task_id.
  assert.throws(() => decodeEvent(Buffer.from([0x08, 0x03, 0x2a, 0x00]), "protobuf"), CodecError);
});

test("encoding refuses a message the schema rejects", () => {
  const bad = { executor_id: { value: "e" }, type: "SUBSCRIBE" } as unknown as Call;
  assert.throws(() => encodeCall(bad, "json"), /framework_id: missing required/);
  assert.throws(() => encodeCall(bad, "protobuf"), CodecError);
});

test("content types are matched exactly, as the agent does", () => {
  assert.equal(encodingOfContentType("application/json"), "json");
  assert.equal(encodingOfContentType("application/x-protobuf"), "protobuf");
  assert.equal(encodingOfContentType("application/json; charset=utf-8"), undefined);
});
