// A tiny real executor process for agent tests (run with node): it reads the agent's environment variables,
// subscribes, answers LAUNCH with STARTING/RUNNING, KILL with KILLED, keeps every update until acknowledged,
// resubscribes with them after a disconnection (checkpoint mode), and exits once its task is terminal and acked,
// or on SHUTDOWN. Not Berth's executor: just enough protocol to hold the agent against a live process.
import { request, type IncomingMessage } from "node:http";
import { CONTENT_TYPE, decodeEvent, encodeCall, type Encoding } from "../../src/mesos/codec.js";
import { RecordIODecoder } from "../../src/mesos/recordio.js";
import type { Call, TaskInfo, TaskState, TaskStatus } from "../../src/mesos/types.js";
import { newUuidBytes } from "../../src/mesos/uuid.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) {
    process.stderr.write(`missing ${name}\n`);
    process.exit(2);
  }
  return value;
};

const [host, port] = env("MESOS_AGENT_ENDPOINT").split(":") as [string, string];
const ids = { executor_id: { value: env("MESOS_EXECUTOR_ID") }, framework_id: { value: env("MESOS_FRAMEWORK_ID") } };
const encoding: Encoding = process.env["SCRIPTED_ENCODING"] === "protobuf" ? "protobuf" : "json";
const checkpoint = process.env["MESOS_CHECKPOINT"] === "1";
const token = process.env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"];
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const unackedUpdates = new Map<string, TaskStatus>();
const unackedTasks = new Map<string, TaskInfo>();
let finished = false;

function post(call: Call, accept?: string): Promise<IncomingMessage> {
  const body = encodeCall(call, encoding);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "Content-Type": CONTENT_TYPE[encoding], "Content-Length": String(body.length) };
    if (accept) headers["Accept"] = accept;
    if (token) headers["Authorization"] = `Bearer ${token}`;
    const req = request({ host, port: Number(port), path: "/api/v1/executor", method: "POST", headers, agent: false }, resolve);
    req.once("error", reject);
    req.end(body);
  });
}

async function update(task: TaskInfo, state: TaskState): Promise<void> {
  const status: TaskStatus = { task_id: task.task_id, state, source: "SOURCE_EXECUTOR", uuid: newUuidBytes(), timestamp: Date.now() / 1000 };
  unackedUpdates.set(Buffer.from(status.uuid as Uint8Array).toString("hex"), status);
  if (state === "TASK_KILLED" || state === "TASK_FINISHED") finished = true;
  // A refused or failed UPDATE stays unacknowledged and goes out again with the next SUBSCRIBE.
  const res = await post({ ...ids, type: "UPDATE", update: { status } }).catch(() => undefined);
  res?.resume();
  log(`update ${state} -> ${res?.statusCode ?? "error"}`);
}

function maybeExit(): void {
  if (finished && unackedUpdates.size === 0) {
    log("all acknowledged, exiting");
    process.exit(0);
  }
}

async function subscribe(): Promise<void> {
  const res = await post(
    { ...ids, type: "SUBSCRIBE", subscribe: { unacknowledged_tasks: [...unackedTasks.values()], unacknowledged_updates: [...unackedUpdates.values()].map((status) => ({ status })) } },
    CONTENT_TYPE[encoding],
  );
  log(`subscribe -> ${res.statusCode}`);
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`SUBSCRIBE answered ${res.statusCode}`);
  }
  const decoder = new RecordIODecoder();
  await new Promise<void>((resolve) => {
    res.on("data", (chunk: Buffer) => {
      for (const record of decoder.decode(chunk)) {
        const event = decodeEvent(record, encoding);
        log(`event ${event.type}`);
        if (event.type === "LAUNCH" && event.launch) {
          const task = event.launch.task;
          unackedTasks.set(task.task_id.value, task);
          void update(task, "TASK_STARTING").then(() => update(task, "TASK_RUNNING"));
        } else if (event.type === "KILL" && event.kill) {
          const task = unackedTasks.get(event.kill.task_id.value) ?? ({ task_id: event.kill.task_id } as TaskInfo);
          void update(task, "TASK_KILLED");
        } else if (event.type === "ACKNOWLEDGED" && event.acknowledged) {
          unackedUpdates.delete(Buffer.from(event.acknowledged.uuid).toString("hex"));
          unackedTasks.delete(event.acknowledged.task_id.value);
          maybeExit();
        } else if (event.type === "SHUTDOWN") {
          log("shutdown");
          process.exit(0);
        }
      }
    });
    res.once("close", resolve);
  });
  log("disconnected");
}

// Connect; after a disconnection keep retrying (checkpoint) or give up (no checkpoint), like the executor library.
const deadline = Date.now() + 30_000;
for (;;) {
  try {
    await subscribe();
    if (!checkpoint) process.exit(1);
  } catch (error) {
    log(`subscribe failed: ${(error as Error).message}`);
  }
  if (Date.now() > deadline) process.exit(3);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
