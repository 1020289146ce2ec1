// AgentConnection against raw HTTP servers written for each test (not the agent simulator: these answers are ones
// no agent gives). What it reads from the agent is bounded: an error body, a record, and the time a stream may stay
// silent. Memory is judged by what the server managed to write before the connection closed, not by RSS.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { withTimeout } from "../../test/helpers/waitFor.js";
import { AgentCallError, AgentConnection, MAX_ERROR_BODY_BYTES, streamSilenceLimitMs, type SubscriptionHandlers } from "./agentConnection.js";
import { CONTENT_TYPE, encodeEvent } from "./codec.js";
import { encodeRecord, MAX_RECORD_BYTES } from "./recordio.js";
import type { Call } from "./types.js";
import { writeEndlessBody, type EndlessBody } from "../../test/helpers/endlessBody.js";

const ids = { framework_id: { value: "fw" }, executor_id: { value: "ex" } };
const SUBSCRIBE: Call = { ...ids, type: "SUBSCRIBE", subscribe: {} };
const HEARTBEAT: Call = { ...ids, type: "HEARTBEAT" };
const UPDATE: Call = {
  ...ids,
  type: "UPDATE",
  update: { status: { task_id: { value: "t" }, state: "TASK_RUNNING", source: "SOURCE_EXECUTOR", uuid: new Uint8Array(16).fill(0x41) } },
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A raw HTTP server on 127.0.0.1 for one test; every connection is cut when the test ends. */
async function withServer(handler: Handler, body: (connection: AgentConnection) => Promise<void>, options: { callTimeoutMs?: number; agentHeartbeatIntervalMs?: number } = {}): Promise<void> {
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    req.resume();
    req.once("end", () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const connection = new AgentConnection({ apiUrl: new URL(`http://127.0.0.1:${port}/api/v1/executor`), encoding: "json", ...options });
  try {
    await body(connection);
  } finally {
    connection.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A promise and the function that resolves it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const noEvents = (onClose: (reason: string) => void = () => undefined): SubscriptionHandlers => ({ onEvent: () => undefined, onClose });

function assertCutError(error: unknown, status: number, what: string): void {
  assert.ok(error instanceof AgentCallError, `an AgentCallError, got ${String(error)}`);
  assert.equal(error.status, status);
  assert.match(error.message, new RegExp(`^${what} answered ${status}: x+ \\(body cut at ${MAX_ERROR_BODY_BYTES} bytes\\)$`));
  assert.ok(error.message.length < MAX_ERROR_BODY_BYTES + 100, `message of ${error.message.length} characters`);
}

describe("an endless error body is cut at the bound and the connection closed", () => {
  test("SUBSCRIBE answered 503", async () => {
    const served = deferred<EndlessBody>();
    await withServer(
      (_req, res) => {
        res.writeHead(503, { "Content-Type": "text/plain" });
        void writeEndlessBody(res).then(served.resolve);
      },
      async (connection) => {
        const error = await withTimeout(connection.subscribe(SUBSCRIBE, noEvents()).then(() => undefined, (e: unknown) => e), 20_000, "SUBSCRIBE to fail");
        assertCutError(error, 503, "SUBSCRIBE");
        const result = await withTimeout(served.promise, 20_000, "the connection to close");
        assert.ok(result.closedByClient, `the executor closed the connection (the server wrote ${result.written} bytes)`);
      },
    );
  });

  for (const call of [UPDATE, HEARTBEAT]) {
    test(`${call.type} answered 500`, async () => {
      const served = deferred<EndlessBody>();
      await withServer(
        (_req, res) => {
          res.writeHead(500, { "Content-Type": "text/plain" });
          void writeEndlessBody(res).then(served.resolve);
        },
        async (connection) => {
          const error = await withTimeout(connection.send(call).then(() => undefined, (e: unknown) => e), 20_000, `${call.type} to fail`);
          assertCutError(error, 500, call.type as string);
          const result = await withTimeout(served.promise, 20_000, "the connection to close");
          assert.ok(result.closedByClient, `the executor closed the connection (the server wrote ${result.written} bytes)`);
        },
      );
    });
  }

  test("a 202 with an endless body is accepted and its connection closed", async () => {
    const served = deferred<EndlessBody>();
    await withServer(
      (_req, res) => {
        res.writeHead(202);
        void writeEndlessBody(res).then(served.resolve);
      },
      async (connection) => {
        await withTimeout(connection.send(HEARTBEAT), 20_000, "HEARTBEAT to be accepted");
        const result = await withTimeout(served.promise, 20_000, "the connection to close");
        assert.ok(result.closedByClient, `the executor closed the connection (the server wrote ${result.written} bytes)`);
      },
    );
  });
});

describe("an error body that trickles forever ends at the call timeout", () => {
  test("SUBSCRIBE answered 503, one byte now and then", async () => {
    let trickle: NodeJS.Timeout | undefined;
    await withServer(
      (_req, res) => {
        res.writeHead(503, { "Content-Type": "text/plain" });
        trickle = setInterval(() => res.write("y"), 50);
        res.once("close", () => clearInterval(trickle));
      },
      async (connection) => {
        const error = await withTimeout(connection.subscribe(SUBSCRIBE, noEvents()).then(() => undefined, (e: unknown) => e), 20_000, "SUBSCRIBE to fail");
        assert.ok(error instanceof AgentCallError);
        assert.equal(error.status, 503);
        assert.match(error.message, /^SUBSCRIBE answered 503: y+ \(no complete answer within 500 ms\)$/);
      },
      { callTimeoutMs: 500 },
    );
    clearInterval(trickle);
  });
});

/** A SUBSCRIBE answer that opens the stream, writes `first`, then calls `then` (which may write more). */
function streamHandler(first: Buffer, then: (res: ServerResponse) => void = () => undefined): Handler {
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": CONTENT_TYPE.json });
    res.write(first);
    then(res);
  };
}

const subscribed = encodeRecord(
  encodeEvent(
    {
      type: "SUBSCRIBED",
      subscribed: {
        executor_info: { executor_id: { value: "ex" }, framework_id: { value: "fw" } },
        framework_info: { user: "u", name: "f", id: { value: "fw" } },
        agent_info: { hostname: "h" },
        container_id: { value: "c" },
      },
    },
    "json",
  ),
);

describe("an oversized record is rejected from its length prefix", () => {
  test("a prefix one byte above the bound closes the stream before any of the record arrives", async () => {
    const closed = deferred<string>();
    const events: unknown[] = [];
    await withServer(streamHandler(Buffer.concat([subscribed, Buffer.from(`${MAX_RECORD_BYTES + 1}\n`)])), async (connection) => {
      await connection.subscribe(SUBSCRIBE, { onEvent: (event) => events.push(event.type), onClose: closed.resolve });
      const reason = await withTimeout(closed.promise, 20_000, "the stream to close");
      assert.match(reason, new RegExp(`^undecodable event stream: record of ${MAX_RECORD_BYTES + 1} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit$`));
      assert.deepEqual(events, ["SUBSCRIBED"], "the event before it was handled");
    });
  });

  test("a prefix whose digits already exceed the bound is rejected before its newline", async () => {
    const closed = deferred<string>();
    const digits = String(MAX_RECORD_BYTES * 10).slice(0, String(MAX_RECORD_BYTES).length + 1);
    await withServer(streamHandler(Buffer.concat([subscribed, Buffer.from(digits)])), async (connection) => {
      await connection.subscribe(SUBSCRIBE, noEvents(closed.resolve));
      const reason = await withTimeout(closed.promise, 20_000, "the stream to close");
      assert.match(reason, /exceeds the \d+-byte limit/);
    });
  });
});

describe("a silent stream is a dead stream", () => {
  test("the silence limit is the agent's heartbeat interval plus half of it, at least 5 s more", () => {
    assert.equal(streamSilenceLimitMs(30 * 60_000), 45 * 60_000);
    assert.equal(streamSilenceLimitMs(1_000), 6_000);
    assert.equal(streamSilenceLimitMs(60 * 24 * 3_600_000), 90 * 24 * 3_600_000, "beyond setTimeout's range");
    assert.equal(streamSilenceLimitMs(0), Infinity, "0: no limit");
  });

  test("no bytes after SUBSCRIBED: closed once the limit has passed, with the reason", async () => {
    const closed = deferred<string>();
    const opened = deferred<number>();
    await withServer(
      streamHandler(subscribed, () => opened.resolve(performance.now())),
      async (connection) => {
        await connection.subscribe(SUBSCRIBE, noEvents(closed.resolve));
        const reason = await withTimeout(closed.promise, 30_000, "the silent stream to be closed");
        const silentMs = performance.now() - (await opened.promise);
        assert.match(reason, /^no bytes from the agent for \d+ms, beyond its heartbeat interval of 100ms: presumed dead$/);
        assert.ok(silentMs >= streamSilenceLimitMs(100) - 50, `closed after ${silentMs} ms of silence, not before the limit`);
      },
      { agentHeartbeatIntervalMs: 100 },
    );
  });

  test("bytes keep it alive: heartbeat records more often than the limit, then silence", async () => {
    const closed = deferred<string>();
    const lastByte = deferred<number>();
    const limit = streamSilenceLimitMs(100);
    const heartbeat = encodeRecord(encodeEvent({ type: "HEARTBEAT" }, "json"));
    let timer: NodeJS.Timeout | undefined;
    await withServer(
      streamHandler(subscribed, (res) => {
        // Heartbeats every second for twice the limit: without them the stream would be closed halfway.
        const until = performance.now() + 2 * limit;
        timer = setInterval(() => {
          res.write(heartbeat);
          if (performance.now() >= until) {
            clearInterval(timer);
            lastByte.resolve(performance.now());
          }
        }, 1_000);
        res.once("close", () => clearInterval(timer));
      }),
      async (connection) => {
        const heartbeats: number[] = [];
        await connection.subscribe(SUBSCRIBE, { onEvent: (event) => event.type === "HEARTBEAT" && heartbeats.push(performance.now()), onClose: closed.resolve });
        await withTimeout(closed.promise, 60_000, "the stream to be closed once silent");
        const stoppedAt = await lastByte.promise;
        assert.ok(heartbeats.length >= 9, `${heartbeats.length} heartbeats handled`);
        assert.ok(performance.now() - stoppedAt >= limit - 50, "closed only after the heartbeats stopped and the limit passed");
      },
      { agentHeartbeatIntervalMs: 100 },
    );
    clearInterval(timer);
  });
});
