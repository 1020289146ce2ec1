// The log thread: a worker thread that runs one task's TaskLogPipeline (parse, enrich, encode, ship), fed by the main
// thread's LogThread. Its diagnostics go back to the main thread's logger; it never touches the task's pipes.
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { LogFields, Logger } from "../../logger.js";
import type { FromLogThread, ToLogThread } from "./logThreadMessages.js";
import { COUNTERS_INTERVAL_MS, SHARED_CONSUMED, SHARED_WAKE_AT } from "./logThreadMessages.js";
import { TaskLogPipeline, type TaskLogPipelineOptions } from "./taskLogPipeline.js";

function ownPort(): MessagePort {
  if (!parentPort) throw new Error("logThreadMain runs in a worker thread (started by LogThread)");
  return parentPort;
}
const port = ownPort();
const send = (message: FromLogThread): void => port.postMessage(message);

function portLogger(fields: LogFields = {}): Logger {
  return {
    log: (level, message, extra = {}) => send({ type: "log", level, message, fields: { ...fields, ...extra } }),
    child: (more) => portLogger({ ...fields, ...more }),
  };
}

const { pipeline: options, shared } = workerData as { pipeline: TaskLogPipelineOptions; shared: SharedArrayBuffer };
const counters = new BigInt64Array(shared);
const pipeline = new TaskLogPipeline(options, portLogger());
const reporter = setInterval(() => send({ type: "counters", counters: pipeline.counters() }), COUNTERS_INTERVAL_MS);
send({ type: "counters", counters: pipeline.counters() });
let flushing: AbortController | undefined;

// One message per event-loop turn: the port hands over everything queued at once, and the sinks' pumps (one per
// turn) must get their turn between chunks, or a burst would fill their memory queues and go to the disk spool.
const backlog: ToLogThread[] = [];
let working = false;
port.on("message", (message: ToLogThread) => {
  backlog.push(message);
  if (!working) {
    working = true;
    setImmediate(work);
  }
});

function work(): void {
  const message = backlog.shift();
  if (message) handle(message);
  if (backlog.length > 0) setImmediate(work);
  else working = false;
}

function consumed(bytes: number): void {
  const total = Atomics.add(counters, SHARED_CONSUMED, BigInt(bytes)) + BigInt(bytes);
  const wakeAt = Atomics.load(counters, SHARED_WAKE_AT);
  if (wakeAt !== 0n && total >= wakeAt) {
    Atomics.store(counters, SHARED_WAKE_AT, 0n);
    send({ type: "room" });
  }
}

function handle(message: ToLogThread): void {
  switch (message.type) {
    case "chunk":
      pipeline.push(message.stream, Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
      consumed(message.bytes.byteLength);
      break;
    case "hook":
      pipeline.hookLine(message.hook, message.line);
      break;
    case "end":
      pipeline.end(message.stream);
      break;
    case "flush": {
      const controller = new AbortController();
      flushing = controller;
      void pipeline.flush(controller.signal).then((result) => send({ type: "flushed", ...result, counters: pipeline.counters() }));
      break;
    }
    case "abort":
      flushing?.abort();
      break;
    case "close": {
      clearInterval(reporter);
      const dropped = pipeline.close();
      send({ type: "closed", dropped, counters: pipeline.counters() });
      port.close();
      break;
    }
  }
}
