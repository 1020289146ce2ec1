import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { benchLine } from "./benchLines.js";
import { BenchReceiver } from "./receiver.js";

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  return socket;
}

function lines(from: number, to: number): string {
  let text = "";
  for (let seq = from; seq < to; seq++) text += benchLine(seq);
  return text;
}

test("counts the lines of every connection; an orderly end is answered by the receiver's own close", async () => {
  const receiver = await BenchReceiver.start();
  try {
    const socket = await open(receiver.port);
    socket.end(lines(0, 100));
    // The receiver closes its side once it has read ours: what a sender's flush waits for.
    await once(socket, "close");
    const stats = await receiver.stats(100);
    assert.equal(stats.distinct, 100);
    assert.equal(stats.missing, 0);
    assert.equal(stats.connections, 1);
    assert.equal(stats.open, 0);
    assert.ok(stats.firstAt !== undefined && stats.lastAt !== undefined && stats.lastAt >= stats.firstAt);
  } finally {
    await receiver.close();
  }
});

test("an outage: connections reset, the port refuses, then the same port accepts again; counts survive", async () => {
  const receiver = await BenchReceiver.start();
  try {
    const port = receiver.port;
    const socket = await open(port);
    socket.on("error", () => undefined);
    socket.write(lines(0, 10) + benchLine(10).slice(0, 50));
    await receiver.waitForDistinct(10, AbortSignal.timeout(30_000));
    const closed = once(socket, "close");
    const atStop = await receiver.stop();
    await closed; // destroyed by the receiver
    assert.equal(atStop.open, 0);
    assert.equal(atStop.broken, 1); // the half line it was reading
    const refused = connect({ host: "127.0.0.1", port });
    const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    assert.equal(error.code, "ECONNREFUSED");

    await receiver.restart();
    assert.equal(receiver.port, port);
    const again = await open(port);
    again.end(lines(10, 20));
    await once(again, "close");
    const stats = await receiver.stats(25);
    assert.equal(stats.distinct, 20);
    assert.equal(stats.missing, 5);
    assert.equal(stats.connections, 2);
    assert.equal(stats.duplicates, 0);
  } finally {
    await receiver.close();
  }
});

test("waitForDistinct rejects at its signal", async () => {
  const receiver = await BenchReceiver.start();
  try {
    const controller = new AbortController();
    const waiting = receiver.waitForDistinct(1, controller.signal);
    controller.abort(new Error("deadline"));
    await assert.rejects(waiting, /deadline/);
  } finally {
    await receiver.close();
  }
});
