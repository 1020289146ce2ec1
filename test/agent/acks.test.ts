// Acknowledgement rules, lost events, and the withhold-acks switch.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { launchSilent, task, withAgent } from "./agentHarness.js";
import { executorStatus, type EventReader } from "./rawExecutor.js";

const uuidOf = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString("hex");
const acksIn = (reader: EventReader): string[] => reader.events.filter((e) => e.type === "ACKNOWLEDGED").map((e) => uuidOf(e.acknowledged?.uuid));

for (const encoding of ["json", "protobuf"] as const) {
  describe(`acknowledgements (${encoding})`, () => {
    test("an accepted update is acknowledged with its task id and uuid; a duplicate is re-acked, not re-recorded", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        const running = executorStatus("t1", "TASK_RUNNING");
        assert.equal((await fake.update(running)).status, 202);
        const ack = await reader.find((e) => e.type === "ACKNOWLEDGED");
        assert.equal(ack.acknowledged?.task_id.value, "t1");
        assert.equal(uuidOf(ack.acknowledged?.uuid), uuidOf(running.uuid));

        assert.equal((await fake.update(running)).status, 202);
        await reader.find((e) => e.type === "ACKNOWLEDGED" && reader.events.filter((x) => x.type === "ACKNOWLEDGED").length === 2);
        assert.deepEqual(acksIn(reader), [uuidOf(running.uuid), uuidOf(running.uuid)]);
        assert.equal(ex.updates("t1").length, 1);
        assert.deepEqual(ex.updateLog.map((u) => [u.disposition, u.ack]), [["accepted", "sent"], ["duplicate", "sent"]]);
        const [update] = ex.updates();
        assert.equal(update?.status.agent_id?.value, agent.agentId, "the agent fills in its id");
        reader.close();
      }));

    test("after a terminal update, further updates are dropped but acknowledged", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        const statuses = [executorStatus("t1", "TASK_RUNNING"), executorStatus("t1", "TASK_FINISHED"), executorStatus("t1", "TASK_FAILED"), executorStatus("t1", "TASK_RUNNING")];
        for (const status of statuses) assert.equal((await fake.update(status)).status, 202);
        await reader.find(() => acksIn(reader).length === 4, 5000, "four acks");
        assert.deepEqual(acksIn(reader), statuses.map((s) => uuidOf(s.uuid)));
        assert.deepEqual(ex.updates().map((u) => u.status.state), ["TASK_RUNNING", "TASK_FINISHED"]);
        assert.deepEqual(ex.updateLog.slice(2).map((u) => [u.disposition, u.detail]), [
          ["dropped", "Task is already terminated with state TASK_FINISHED"],
          ["dropped", "Task is already terminated with state TASK_FINISHED"],
        ]);
        assert.equal(ex.taskState("t1"), "TASK_FINISHED");
        reader.close();
      }));

    test("no acknowledgement for a foreign agent_id or an unknown task", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        const foreign = executorStatus("t1", "TASK_RUNNING", { agent_id: { value: "another-agent-S1" } });
        const unknown = executorStatus("nobody-knows", "TASK_RUNNING");
        const good = executorStatus("t1", "TASK_RUNNING");
        for (const status of [foreign, unknown, good]) assert.equal((await fake.update(status)).status, 202);
        await reader.find((e) => e.type === "ACKNOWLEDGED");
        // Acks go out in order, so once the last update is acked the earlier ones never will be.
        assert.deepEqual(acksIn(reader), [uuidOf(good.uuid)]);
        assert.deepEqual(ex.updateLog.map((u) => [u.disposition, u.ack]), [["ignored", "none"], ["unknown-task", "none"], ["accepted", "sent"]]);
        reader.close();
      }));

    test("events and acks written while no stream is open are lost; a closed stream is not a dead executor", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        ex.cutStream();
        assert.equal(await reader.ended(), "error");
        ex.kill("t1", { gracePeriodMs: 1500 });
        const kill = ex.events.at(-1);
        assert.deepEqual([kill?.type, kill?.delivered, kill?.lost], ["KILL", false, "stream-closed"]);
        assert.equal(kill?.event.kill?.kill_policy?.grace_period?.nanoseconds, 1.5e9);
        const running = executorStatus("t1", "TASK_RUNNING");
        assert.equal((await fake.update(running)).status, 202, "other calls still work without a stream");
        await ex.waitForEvent((e) => e.type === "ACKNOWLEDGED");
        assert.equal(ex.updateLog.at(-1)?.ack, "lost");
        assert.equal(ex.state, "RUNNING");
        assert.equal(ex.exit, undefined);

        const again = await fake.subscribe({ unacknowledged_updates: [running] });
        assert.equal((await again.next()).type, "SUBSCRIBED");
        assert.equal(uuidOf((await again.next()).acknowledged?.uuid), uuidOf(running.uuid));
        again.close();
      }));

    test("withheld acks: the executor must resend on re-SUBSCRIBE after the stream is cut", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        ex.withholdAcks(true);
        const running = executorStatus("t1", "TASK_RUNNING");
        assert.equal((await fake.update(running)).status, 202);
        assert.deepEqual(ex.updates().map((u) => [u.status.state, u.ack]), [["TASK_RUNNING", "withheld"]]);
        ex.cutStream({ mode: "rst" });
        assert.equal(await reader.ended(), "error");
        ex.withholdAcks(false, { drop: true }); // they would have gone to the dead stream
        assert.equal(ex.updates()[0]?.ack, "discarded");

        const again = await fake.subscribe({ unacknowledged_tasks: [], unacknowledged_updates: [running] });
        await again.find((e) => e.type === "ACKNOWLEDGED");
        assert.deepEqual(acksIn(again), [uuidOf(running.uuid)]);
        assert.equal(ex.updates().length, 1, "the resent update is a duplicate");
        assert.equal(acksIn(reader).length, 0);
        again.close();
      }));

    test("withheld acks are sent in order when released", () =>
      withAgent({}, async (agent) => {
        const { ex, fake } = launchSilent(agent, { encoding, tasks: [task("t1")] });
        const reader = await fake.subscribe();
        await reader.find((e) => e.type === "LAUNCH");
        ex.withholdAcks(true);
        const statuses = [executorStatus("t1", "TASK_STARTING"), executorStatus("t1", "TASK_RUNNING")];
        for (const status of statuses) await fake.update(status);
        assert.equal(acksIn(reader).length, 0);
        ex.withholdAcks(false);
        await reader.find(() => acksIn(reader).length === 2, 5000, "two acks");
        assert.deepEqual(acksIn(reader), statuses.map((s) => uuidOf(s.uuid)));
        reader.close();
      }));
  });
}
