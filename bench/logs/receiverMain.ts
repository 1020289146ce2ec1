// The benchmark's TCP sink, a child process of the benchmark (bench/logs/receiver.ts forks it and talks to it over
// IPC): listens on 127.0.0.1, reads every connection as fast as it can and counts the numbered lines (SeqCounter). A
// separate process, so that the agent and the benchmark's bookkeeping never slow the sink, and so that its CPU is its
// own. "stop" is a receiver outage: the listener closes and every connection is destroyed at once, as the kernel does
// when a receiver process dies (what it had not read is lost with it); "listen" opens the same port again.
import { createServer, type Server, type Socket } from "node:net";
import { SeqCounter, type LineFeed, type SeqCounts } from "./seqCounter.js";

export type ReceiverRequest =
  | { readonly id: number; readonly type: "listen"; readonly port: number }
  | { readonly id: number; readonly type: "stop" }
  | { readonly id: number; readonly type: "stats"; readonly total?: number }
  | { readonly id: number; readonly type: "await"; readonly distinct: number };

export interface ReceiverStats extends SeqCounts {
  /** Numbers of 0 … total-1 never received (when asked with a total). */
  readonly missing?: number;
  /** Connections accepted so far; open now. */
  readonly connections: number;
  readonly open: number;
  /** performance.now() of this process at each accepted connection (the first 100). */
  readonly acceptedAt: readonly number[];
  /** performance.now() of this process at the first and the last byte received (undefined: none yet). */
  readonly firstAt: number | undefined;
  readonly lastAt: number | undefined;
  /** This process's clock now, to relate firstAt/lastAt to the benchmark's (only differences are used). */
  readonly now: number;
}

export type ReceiverReply =
  | { readonly id: number; readonly ok: true; readonly port?: number; readonly stats?: ReceiverStats }
  | { readonly id: number; readonly ok: false; readonly error: string };

const counter = new SeqCounter();
const sockets = new Map<Socket, LineFeed>();
let server: Server | undefined;
let connections = 0;
const acceptedAt: number[] = [];
let firstAt: number | undefined;
let lastAt: number | undefined;
let awaiting: { id: number; distinct: number }[] = [];

function stats(total?: number): ReceiverStats {
  return {
    ...counter.counts,
    ...(total !== undefined ? { missing: counter.missing(total) } : {}),
    connections,
    open: sockets.size,
    acceptedAt: [...acceptedAt],
    firstAt,
    lastAt,
    now: performance.now(),
  };
}

function reply(message: ReceiverReply): void {
  process.send?.(message);
}

function checkAwaiting(): void {
  if (awaiting.length === 0) return;
  const distinct = counter.counts.distinct;
  const done = awaiting.filter((a) => distinct >= a.distinct);
  if (done.length === 0) return;
  awaiting = awaiting.filter((a) => distinct < a.distinct);
  for (const a of done) reply({ id: a.id, ok: true, stats: stats() });
}

function accept(socket: Socket): void {
  connections++;
  if (acceptedAt.length < 100) acceptedAt.push(performance.now());
  const feed = counter.stream();
  sockets.set(socket, feed);
  socket.on("data", (chunk: Buffer) => {
    const now = performance.now();
    firstAt ??= now;
    lastAt = now;
    feed.push(chunk);
    checkAwaiting();
  });
  // The sender's orderly end: count an unterminated last line; the socket then closes its side too (no half-open),
  // which tells a sender waiting in end() that everything it sent was read.
  socket.on("end", () => feed.end());
  socket.on("error", () => undefined); // a reset by the sender: close follows
  socket.on("close", () => {
    if (sockets.delete(socket)) feed.abandon();
  });
}

function listen(port: number): Promise<number> {
  if (server !== undefined) return Promise.reject(new Error("already listening"));
  return new Promise((resolve, reject) => {
    const created = createServer(accept);
    created.once("error", reject);
    created.listen({ host: "127.0.0.1", port }, () => {
      created.off("error", reject);
      server = created;
      const address = created.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** The outage: no listener, every connection destroyed now (unread bytes are lost, as with a dead process). */
async function stop(): Promise<void> {
  const closing = server;
  server = undefined;
  for (const [socket, feed] of sockets) {
    sockets.delete(socket);
    feed.abandon();
    socket.destroy();
  }
  if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
}

process.on("message", (raw: ReceiverRequest) => {
  const id = raw.id;
  const run = async (): Promise<void> => {
    switch (raw.type) {
      case "listen":
        reply({ id, ok: true, port: await listen(raw.port) });
        return;
      case "stop":
        await stop();
        reply({ id, ok: true, stats: stats() });
        return;
      case "stats":
        reply({ id, ok: true, stats: stats(raw.total) });
        return;
      case "await":
        awaiting.push({ id, distinct: raw.distinct });
        checkAwaiting();
        return;
    }
  };
  run().catch((error: unknown) => reply({ id, ok: false, error: error instanceof Error ? error.message : String(error) }));
});
// The benchmark going away ends this process too.
process.on("disconnect", () => process.exit(0));
