import assert from "node:assert/strict";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import { agentHostName, scIdValue, streamLogMetadata, taskLogMetadata } from "./taskLogMetadata.js";

describe("taskLogMetadata", () => {
  it("uses the predecessor's field names where it had them, and leaves absent values out", () => {
    const metadata = taskLogMetadata(
      { taskId: "t1", executorId: "e1", frameworkId: "f1", scId: "42", extraFields: { team: "shop", "task-id": "never" } },
      { MESOS_HOSTNAME: "agent-1", CLOUD_REGION: "eu", CLOUD_AVAILABILITY_ZONE: "eu-1a", MARATHON_APP_ID: "/shop/cart" },
    );
    assert.deepEqual(metadata, {
      "task-id": "t1",
      "instance-id": "e1",
      "framework-id": "f1",
      app: "/shop/cart",
      scid: 42,
      srchost: "agent-1",
      region: "eu",
      zone: "eu-1a",
      team: "shop",
    });
    assert.ok(Object.isFrozen(metadata));
    assert.deepEqual(taskLogMetadata({ agentHost: "h" }, {}), { srchost: "h" });
  });

  it("drops configured keys; an extra field never replaces a task field; __proto__ is refused", () => {
    const metadata = taskLogMetadata({ taskId: "t1", appName: "a", dropKeys: ["region", "app"], extraFields: { "task-id": "x", __proto__: "p", ok: "1" } }, { CLOUD_REGION: "eu", MESOS_HOSTNAME: "h" });
    assert.deepEqual(metadata, { "task-id": "t1", srchost: "h", ok: "1" });
  });

  it("the host: MESOS_HOSTNAME, then CLOUD_HOSTNAME, then the OS host name", () => {
    assert.equal(agentHostName({ MESOS_HOSTNAME: "m", CLOUD_HOSTNAME: "c" }), "m");
    assert.equal(agentHostName({ CLOUD_HOSTNAME: "c" }), "c");
    assert.equal(agentHostName({}), hostname());
  });

  it("scId is a number when it is an integer, else kept as text", () => {
    assert.equal(scIdValue("0042"), 42);
    assert.equal(scIdValue("-7"), -7);
    assert.equal(scIdValue("12a"), "12a");
    assert.equal(scIdValue(undefined), undefined);
  });

  it("streamLogMetadata adds the stream and a hook's name", () => {
    const base = taskLogMetadata({ taskId: "t" }, { MESOS_HOSTNAME: "h" });
    assert.deepEqual(streamLogMetadata(base, "hook", "warm-up"), { "task-id": "t", srchost: "h", stream: "hook", hook: "warm-up" });
    assert.deepEqual(streamLogMetadata(base, "stderr", undefined, ["stream"]), { "task-id": "t", srchost: "h" });
    assert.deepEqual(streamLogMetadata(base, "stderr", undefined, ["srchost"]), { "task-id": "t", stream: "stderr" });
  });
});
