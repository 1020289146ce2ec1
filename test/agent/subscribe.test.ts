// SUBSCRIBE: Accept negotiation, the SUBSCRIBED event, queued task delivery, stream replacement, replays and the
// agent's SHUTDOWN-instead-of-SUBSCRIBED rule.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CONTENT_TYPE, type Encoding } from "../../src/mesos/codec.js";
import type { TaskInfo } from "../../src/mesos/types.js";
import { launchSilent, task, withAgent } from "./agentHarness.js";
import { executorStatus } from "./rawExecutor.js";

describe("Accept negotiation", () => {
  const cases: [string | null, Encoding][] = [
    [null, "json"],
    [CONTENT_TYPE.protobuf, "protobuf"],
    [`${CONTENT_TYPE.protobuf}, ${CONTENT_TYPE.json}`, "json"],
    ["application/*", "json"],
    ["*/*", "json"],
    [`${CONTENT_TYPE.json};q=0, ${CONTENT_TYPE.protobuf}`, "protobuf"],
  ];
  for (const [accept, expected] of cases) {
    test(`Accept: ${accept ?? "(none)"} -> ${expected}`, () =>
      withAgent({}, async (agent) => {
        // The request encoding does not matter: only Accept chooses the stream's.
        const { ex, fake } = launchSilent(agent, { encoding: expected === "json" ? "protobuf" : "json", tasks: [task("t1")] });
        const reader = await fake.subscribe({ accept });
        assert.equal(reader.status, 200);
        assert.equal(reader.headers["content-type"], CONTENT_TYPE[expected]);
        assert.equal((await reader.next()).type, "SUBSCRIBED");
        assert.equal(ex.calls.at(-1)?.streamEncoding, expected);
        reader.close();
      }));
  }
});

for (const encoding of ["json", "protobuf"] as const) {
  describe(`SUBSCRIBE (${encoding})`, () => {
    test("SUBSCRIBED carries executor, framework, agent and container; then LAUNCH per task, LAUNCH_GROUP per group", () =>
      withAgent({ frameworkCapabilities: ["TASK_KILLING_STATE"] }, async (agent) => {
        const { ex, fake } = launchSilent(agent, {
          encoding,
          tasks: [task("t1")],
          taskGroups: [[task("g1", { command: { value: "true" } }), task("g2", { command: { value: "true" } })]],
        });
        ex.launch(task("t2"));
        const reader = await fake.subscribe();
        const subscribed = (await reader.next()).subscribed;
        assert.ok(subscribed);
        assert.equal(subscribed.executor_info.executor_id.value, ex.executorId);
        assert.equal(subscribed.executor_info.framework_id?.value, ex.frameworkId);
        assert.deepEqual(subscribed.executor_info.command?.arguments, ["sleep", "60"]);
        assert.equal(subscribed.framework_info.id?.value, ex.frameworkId);
        assert.equal(subscribed.framework_info.checkpoint, true);
        assert.deepEqual(subscribed.framework_info.capabilities, [{ type: "TASK_KILLING_STATE" }]);
        assert.equal(subscribed.agent_info.id?.value, agent.agentId);
        assert.equal(subscribed.agent_info.port, agent.port);
        assert.equal(subscribed.container_id?.value, ex.containerId);

        const launch1 = await reader.next();
        const launch2 = await reader.next();
        const group = await reader.next();
        assert.deepEqual([launch1.type, launch2.type, group.type], ["LAUNCH", "LAUNCH", "LAUNCH_GROUP"]);
        assert.equal(launch1.launch?.task.task_id.value, "t1");
        assert.equal(launch1.launch?.task.agent_id.value, agent.agentId);
        assert.equal(launch1.launch?.task.executor?.executor_id.value, ex.executorId);
        assert.equal(launch2.launch?.task.task_id.value, "t2");
        assert.deepEqual(group.launch_group?.task_group.tasks?.map((t) => t.task_id.value), ["g1", "g2"]);
        assert.equal(ex.taskState("g1"), "TASK_STAGING");

        // A task launched on a subscribed executor goes out at once.
        ex.launch(task("t3"));
        assert.equal((await reader.next()).launch?.task.task_id.value, "t3");
        reader.close();
      }));

    test("re-SUBSCRIBE closes the previous stream (EOF) and replays unacknowledged updates as normal updates", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const first = await fake.subscribe();
        await first.find((e) => e.type === "LAUNCH");
        first.close(); // the executor lost its connection (the agent does not notice)
        assert.equal(ex.state, "RUNNING");

        const running = executorStatus("t1", "TASK_RUNNING");
        const second = await fake.subscribe({ unacknowledged_tasks: [], unacknowledged_updates: [running] });
        const third = await fake.subscribe({ unacknowledged_updates: [running] });
        assert.equal(await second.ended(), "eof", "a replaced stream ends cleanly");
        assert.deepEqual(second.events.map((e) => e.type), ["SUBSCRIBED", "ACKNOWLEDGED"]);
        const ack = await third.find((e) => e.type === "ACKNOWLEDGED");
        assert.deepEqual(Buffer.from(ack.acknowledged?.uuid ?? []), Buffer.from(running.uuid ?? []));
        assert.equal(third.events[0]?.type, "SUBSCRIBED", "SUBSCRIBED precedes the replay acknowledgements");
        // Replayed once, deduplicated the second time (both acknowledged).
        assert.deepEqual(ex.updates().map((u) => [u.status.state, u.via]), [["TASK_RUNNING", "replay"]]);
        assert.deepEqual(ex.updateLog.map((u) => u.disposition), ["accepted", "duplicate"]);
        assert.equal(ex.taskState("t1"), "TASK_RUNNING");
        assert.equal(ex.events.filter((e) => e.type === "LAUNCH").length, 1, "a delivered task is not delivered again");
        third.close();
      }));

    test("SUBSCRIBE retries are idempotent while the executor lists its task", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const readers = [];
        let launched: TaskInfo | undefined;
        for (let i = 0; i < 3; i++) {
          const reader = await fake.subscribe(launched ? { unacknowledged_tasks: [launched] } : {});
          readers.push(reader);
          launched ??= (await reader.find((e) => e.type === "LAUNCH")).launch?.task;
        }
        for (const reader of readers.slice(0, -1)) assert.equal(await reader.ended(), "eof");
        await ex.waitForSubscribed({ count: 3 });
        assert.equal(ex.taskState("t1"), "TASK_STAGING");
        assert.deepEqual(ex.updateLog, []);
        readers.at(-1)?.close();
      }));

    test("a STAGING task the executor does not list is TASK_LOST (TASK_DROPPED when partition-aware)", async () => {
      for (const [capabilities, expected] of [[[], "TASK_LOST"], [["PARTITION_AWARE"], "TASK_DROPPED"]] as const) {
        await withAgent({ frameworkCapabilities: capabilities }, async (agent) => {
          const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1"), task("t2")] });
          const first = await fake.subscribe();
          const t1 = (await first.find((e) => e.launch?.task.task_id.value === "t1")).launch?.task;
          await first.find((e) => e.launch?.task.task_id.value === "t2");
          first.close();
          const second = await fake.subscribe({ unacknowledged_tasks: t1 ? [t1] : [] });
          const lost = await ex.waitForUpdate((s) => s.task_id.value === "t2");
          assert.equal(lost.state, expected);
          assert.equal(lost.source, "SOURCE_AGENT");
          assert.equal(lost.reason, "REASON_AGENT_RESTARTED");
          assert.equal(lost.message, "Task launched during agent restart");
          assert.equal(ex.taskState("t1"), "TASK_STAGING");
          assert.equal((await second.next()).type, "SUBSCRIBED");
          second.close();
        });
      }
    });

    test("an executor never sent a task gets SHUTDOWN instead of SUBSCRIBED, then is killed after the grace period", () =>
      withAgent({ shutdownGracePeriodMs: 300 }, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding });
        const reader = await fake.subscribe();
        assert.equal(reader.status, 200);
        assert.equal((await reader.next()).type, "SHUTDOWN");
        assert.equal(ex.state, "TERMINATING");
        const exit = await ex.waitForExit();
        assert.equal(exit.signal, "SIGKILL");
        const shutdownAt = ex.events.find((e) => e.type === "SHUTDOWN")?.at ?? 0;
        assert.ok(agent.now() - shutdownAt >= 290, "killed only after the grace period");
        assert.equal(reader.events.some((e) => e.type === "SUBSCRIBED"), false);
      }));

    test("SUBSCRIBE of a terminating executor gets SHUTDOWN and the stream closes", () =>
      withAgent({ shutdownGracePeriodMs: 5000 }, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        ex.shutdown();
        assert.equal(ex.events.at(-1)?.lost, "no-stream", "the SHUTDOWN of an unsubscribed executor is lost");
        const reader = await fake.subscribe();
        assert.equal(await reader.ended(), "eof");
        assert.deepEqual(reader.events.map((e) => e.type), ["SHUTDOWN"]);
      }));
  });
}
