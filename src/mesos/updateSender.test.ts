// UpdateSender against an in-memory poster: order, retries, rejections, resends across streams, acknowledgements.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../logger.js";
import { waitFor } from "../../test/helpers/waitFor.js";
import { AgentCallError } from "./agentConnection.js";
import type { CallUpdate, TaskState } from "./types.js";
import { UpdateSender } from "./updateSender.js";

interface Posted {
  readonly state: TaskState | undefined;
  readonly uuid: Uint8Array;
}

/** A sender whose posts are recorded; `fail` decides per post whether (and how) it fails. */
function recordingSender(fail: (n: number) => Error | undefined = () => undefined): { sender: UpdateSender; posted: Posted[] } {
  const posted: Posted[] = [];
  let n = 0;
  const sender = new UpdateSender({
    executorId: "e1",
    logger: silentLogger,
    retryDelayMs: 1,
    post: async (update: CallUpdate) => {
      const error = fail(n++);
      if (error) throw error;
      posted.push({ state: update.status.state, uuid: update.status.uuid as Uint8Array });
    },
  });
  return { sender, posted };
}

const status = (state: TaskState) => ({ task_id: { value: "t" }, state });

describe("UpdateSender", () => {
  it("stamps each update and posts them in order, only while connected", async () => {
    const { sender, posted } = recordingSender();
    sender.send(status("TASK_STARTING"));
    assert.equal(posted.length, 0, "nothing is posted before a stream is up");
    const stream = new AbortController();
    sender.connected(new Set(), stream.signal);
    sender.send(status("TASK_RUNNING"));
    sender.send(status("TASK_FINISHED"));
    await waitFor(() => posted.length === 3, { what: "three posts" });
    assert.deepEqual(posted.map((p) => p.state), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    const { updates } = sender.unacknowledged();
    assert.equal(updates.length, 3, "posted is not acknowledged");
    assert.equal(updates[0]?.status.source, "SOURCE_EXECUTOR");
    assert.equal(updates[0]?.status.executor_id?.value, "e1");
    assert.equal(updates[0]?.status.uuid?.byteLength, 16);
  });

  it("retries a failure that may clear up, keeps order, and skips (but keeps) an update the agent rejects", async () => {
    const { sender, posted } = recordingSender((n) =>
      n === 0 ? new AgentCallError("agent unreachable", undefined) : n === 2 ? new AgentCallError("bad update", 400) : undefined,
    );
    sender.connected(new Set(), new AbortController().signal);
    const first = sender.send(status("TASK_STARTING"));
    const second = sender.send(status("TASK_RUNNING"));
    sender.send(status("TASK_FINISHED"));
    await waitFor(() => posted.length === 2, { what: "the posts" });
    assert.deepEqual(posted.map((p) => p.state), ["TASK_STARTING", "TASK_FINISHED"]);
    assert.ok(sender.pending(first) && sender.pending(second), "both stay unacknowledged: the next SUBSCRIBE resends them");
  });

  it("after a reconnect posts only what SUBSCRIBE did not carry; acknowledged updates are forgotten", async () => {
    const { sender, posted } = recordingSender();
    const first = new AbortController();
    sender.connected(new Set(), first.signal);
    sender.send(status("TASK_STARTING"));
    await waitFor(() => posted.length === 1, { what: "the first post" });
    first.abort(); // stream lost
    sender.send(status("TASK_RUNNING"));
    const carried = sender.unacknowledged();
    assert.equal(carried.updates.length, 2);
    sender.send(status("TASK_FINISHED")); // made after the SUBSCRIBE was built
    sender.connected(carried.keys, new AbortController().signal);
    await waitFor(() => posted.length === 2, { what: "the post after the reconnect" });
    assert.equal(posted[1]?.state, "TASK_FINISHED", "only the update SUBSCRIBE did not carry is posted");
    for (const update of sender.unacknowledged().updates) assert.ok(sender.acknowledge(update.status.uuid as Uint8Array));
    assert.equal(sender.unacknowledged().updates.length, 0);
    assert.equal(sender.acknowledge(posted[0]!.uuid), false, "a second ack for the same update is unknown");
  });
});
