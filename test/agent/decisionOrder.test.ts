// The executor endpoint's answers, in the order of Http::executor, in both encodings.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CONTENT_TYPE, encodeMessage, type Encoding } from "../../src/mesos/codec.js";
import type { Call } from "../../src/mesos/types.js";
import { launchSilent, task, withAgent } from "./agentHarness.js";
import { executorStatus, rawPost } from "./rawExecutor.js";

const TEXT_PLAIN = "text/plain; charset=utf-8";

for (const encoding of ["json", "protobuf"] as const satisfies readonly Encoding[]) {
  describe(`executor API status codes (${encoding})`, () => {
    test("404 off the API paths, both API paths served", () =>
      withAgent({}, async (agent) => {
        const { fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        assert.equal((await rawPost(agent.endpoint, { path: "/api/v1/scheduler", method: "POST" })).status, 404);
        const heartbeat = fake.callOf({ type: "HEARTBEAT" });
        for (const path of ["/api/v1/executor", "/slave(1)/api/v1/executor", "/slave%281%29/api/v1/executor"]) {
          assert.equal((await fake.send(heartbeat, { path })).status, 202, path);
        }
      }));

    test("405 with Allow: POST before any content check", () =>
      withAgent({}, async (agent) => {
        const res = await rawPost(agent.endpoint, { method: "GET", contentType: null });
        assert.equal(res.status, 405);
        assert.equal(res.headers["allow"], "POST");
        assert.equal(res.headers["content-type"], TEXT_PLAIN);
        assert.equal(res.text, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.");
      }));

    test("400 without Content-Type, 415 for any other type (parameters included), even with a bad body", () =>
      withAgent({}, async (agent) => {
        const { fake } = launchSilent(agent, { encoding });
        const body = encodeMessage("Call", fake.callOf({ type: "HEARTBEAT" }), encoding);
        const missing = await rawPost(agent.endpoint, { contentType: null, body });
        assert.deepEqual([missing.status, missing.text], [400, "Expecting 'Content-Type' to be present"]);
        assert.equal(missing.headers["content-type"], TEXT_PLAIN);
        for (const contentType of [`${CONTENT_TYPE[encoding]}; charset=utf-8`, "text/plain", "application/JSON"]) {
          const res = await rawPost(agent.endpoint, { contentType, body: "garbage" });
          assert.deepEqual([res.status, res.text], [415, "Expecting 'Content-Type' of application/json or application/x-protobuf"], contentType);
        }
      }));

    test("400 for an undecodable body", () =>
      withAgent({}, async (agent) => {
        const post = (body: string | Buffer) => rawPost(agent.endpoint, { contentType: CONTENT_TYPE[encoding], body });
        if (encoding === "json") {
          const notJson = await post("{nope");
          assert.equal(notJson.status, 400);
          assert.match(notJson.text, /^Failed to parse body into JSON: /);
          // Required field missing, and an enum given as a number (stout accepts names only).
          const noFramework = await post(JSON.stringify({ executor_id: { value: "e" }, type: "HEARTBEAT" }));
          assert.equal(noFramework.status, 400);
          assert.match(noFramework.text, /^Failed to convert JSON into Call protobuf: .*framework_id/);
          const numericEnum = await post(JSON.stringify({ executor_id: { value: "e" }, framework_id: { value: "f" }, type: 4 }));
          assert.equal(numericEnum.status, 400);
          assert.match(numericEnum.text, /^Failed to convert JSON into Call protobuf: /);
        } else {
          const garbage = await post(Buffer.from([0xff, 0xff, 0xff]));
          assert.deepEqual([garbage.status, garbage.text], [400, "Failed to parse body into Call protobuf"]);
          // framework_id (required) missing.
          const partial = await post(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x65]));
          assert.deepEqual([partial.status, partial.text], [400, "Failed to parse body into Call protobuf"]);
        }
      }));

    test("400 when validation fails, before any lookup", () =>
      withAgent({}, async (agent) => {
        const { fake } = launchSilent(agent, { encoding });
        const unknownIds = (call: Partial<Call>): Call => ({ executor_id: { value: "nobody" }, framework_id: { value: "nothing" }, ...call });
        const cases: [Call, string][] = [
          [unknownIds({}), "Expecting 'type' to be present"],
          [unknownIds({ type: "SUBSCRIBE" }), "Expecting 'subscribe' to be present"],
          [unknownIds({ type: "UPDATE" }), "Expecting 'update' to be present"],
          [unknownIds({ type: "MESSAGE" }), "Expecting 'message' to be present"],
        ];
        for (const [call, error] of cases) {
          const res = await fake.send(call);
          assert.deepEqual([res.status, res.text], [400, `Failed to validate Executor::Call: ${error}`]);
        }
        if (encoding === "json") {
          // An unknown enum name on an optional field is dropped, so the type is missing.
          const res = await rawPost(agent.endpoint, {
            contentType: CONTENT_TYPE.json,
            body: JSON.stringify({ executor_id: { value: "e" }, framework_id: { value: "f" }, type: "NOT_A_CALL" }),
          });
          assert.deepEqual([res.status, res.text], [400, "Failed to validate Executor::Call: Expecting 'type' to be present"]);
        } else {
          // An unknown enum number in proto2 goes to the unknown fields: the type is missing.
          const body = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x65, 0x12, 0x03, 0x0a, 0x01, 0x66, 0x18, 0x63]);
          const res = await rawPost(agent.endpoint, { contentType: CONTENT_TYPE.protobuf, body });
          assert.deepEqual([res.status, res.text], [400, "Failed to validate Executor::Call: Expecting 'type' to be present"]);
        }
      }));

    test("406 when Accept allows neither encoding, checked before the lookups", () =>
      withAgent({}, async (agent) => {
        const { fake } = launchSilent(agent, { encoding });
        for (const accept of ["text/html", "application/json;q=0, application/x-protobuf;q=0", ""]) {
          const reader = await fake.subscribe({ accept, headers: {} });
          assert.equal(reader.status, 406, accept);
          await reader.ended();
          assert.equal(reader.body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
        }
        const stranger = await fake.send(
          { executor_id: { value: "nobody" }, framework_id: { value: "nothing" }, type: "SUBSCRIBE", subscribe: {} },
          { accept: "text/html" },
        );
        assert.equal(stranger.status, 406);
      }));

    test("HEARTBEAT is 202 even with dummy IDs; other calls need known IDs", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const dummy = { executor_id: { value: "unused" }, framework_id: { value: "unused" } };
        const hb = await fake.send({ ...dummy, type: "HEARTBEAT" });
        assert.deepEqual([hb.status, hb.text], [202, ""]);
        const noFramework = await fake.send({ ...dummy, type: "MESSAGE", message: { data: Buffer.from("x") } });
        assert.deepEqual([noFramework.status, noFramework.text], [400, "Framework cannot be found"]);
        const noExecutor = await fake.send({ executor_id: { value: "unused" }, framework_id: { value: ex.frameworkId }, type: "MESSAGE", message: { data: Buffer.from("x") } });
        assert.deepEqual([noExecutor.status, noExecutor.text], [400, "Executor cannot be found"]);
      }));

    test("403 for anything but SUBSCRIBE before subscribing, then 200/202/202/501", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const early = await fake.update(executorStatus("t1", "TASK_RUNNING"));
        assert.deepEqual([early.status, early.text], [403, "Executor is not subscribed"]);
        assert.equal((await fake.send(fake.callOf({ type: "UNKNOWN" }))).status, 403, "UNKNOWN is refused as unsubscribed first");

        const reader = await fake.subscribe();
        assert.equal(reader.status, 200);
        assert.equal(reader.headers["content-type"], CONTENT_TYPE[encoding]);
        assert.equal(reader.headers["transfer-encoding"], "chunked");
        assert.equal((await reader.next()).type, "SUBSCRIBED");

        const update = await fake.update(executorStatus("t1", "TASK_RUNNING"));
        assert.deepEqual([update.status, update.body.length], [202, 0]);
        const message = await fake.message("hello");
        assert.deepEqual([message.status, message.body.length], [202, 0]);
        const unknown = await fake.send(fake.callOf({ type: "UNKNOWN" }));
        assert.equal(unknown.status, 501);

        assert.deepEqual(
          ex.calls.map((c) => [c.call?.type, c.status, c.encoding]),
          [
            ["UPDATE", 403, encoding],
            ["UNKNOWN", 403, encoding],
            ["SUBSCRIBE", 200, encoding],
            ["UPDATE", 202, encoding],
            ["MESSAGE", 202, encoding],
            ["UNKNOWN", 501, encoding],
          ],
        );
        reader.close();
      }));

    test("UPDATE validation over the wire", () =>
      withAgent({}, async (agent) => {
        const { fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.next();
        const bad = async (status: Parameters<typeof fake.update>[0], error: RegExp) => {
          const res = await fake.update(status);
          assert.equal(res.status, 400);
          assert.match(res.text, error);
        };
        await bad(executorStatus("t1", "TASK_RUNNING", { uuid: Buffer.from("0d5af8ac-4b6d-4c8c-b3b6-d94c2bd0eeb2X") }), /: Not a valid UUID$/);
        await bad(executorStatus("t1", "TASK_RUNNING", { source: "SOURCE_AGENT" }), /with invalid source, expecting 'SOURCE_EXECUTOR'$/);
        await bad(executorStatus("t1", "TASK_STAGING"), /Received TASK_STAGING from executor .* which is not allowed$/);
        await bad(executorStatus("t1", "TASK_RUNNING", { executor_id: { value: "someone-else" } }), /does not match ExecutorID in TaskStatus: someone-else$/);
        await bad(executorStatus("t1", "TASK_RUNNING", { check_status: { type: "COMMAND" } }), /Expecting 'command' to be set for COMMAND check's status$/);
        // TASK_STARTING is enum value 0: protobuf must still carry it (proto2 required).
        assert.equal((await fake.update(executorStatus("t1", "TASK_STARTING"))).status, 202);
        assert.equal((await fake.update(executorStatus("t1", "TASK_RUNNING", { check_status: { type: "TCP", tcp: { succeeded: true } } }))).status, 202);
        reader.close();
      }));
  });
}
