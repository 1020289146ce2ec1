// RELP against hostile peers (scripted TCP servers in this file); RELP against the real rsyslog imrelp is in
// test/logs/rsyslogShipping.test.ts.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { describe, it } from "node:test";
import { waitFor } from "../../../test/helpers/waitFor.js";
import { HostResolver } from "./hostResolver.js";
import { encodeRelpFrame, RelpFrameParser } from "./relpFrame.js";
import { RelpTransport } from "./relpTransport.js";
import { ShipError } from "./shipError.js";

const resolver = new HostResolver({ ttlMs: 60_000 });

async function peer(onFrame: (socket: Socket, txnr: number, command: string) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    const parser = new RelpFrameParser();
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => {
      for (const frame of parser.push(chunk)) onFrame(socket, frame.txnr, frame.command);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const transport = (port: number, connectTimeoutMs = 5_000): RelpTransport => new RelpTransport({ host: "127.0.0.1", port, resolver, connectTimeoutMs, window: 8 });

describe("RelpTransport (hostile peers)", () => {
  it("confirms records as they are answered, in order, and closes with close/rsp (the receiver's serverclose after it is no loss)", async () => {
    const commands: string[] = [];
    const { server, port } = await peer((socket, txnr, command) => {
      commands.push(`${txnr} ${command}`);
      socket.write(encodeRelpFrame(txnr, "rsp", command === "open" ? "200 OK\nrelp_version=0\ncommands=syslog" : command === "close" ? "" : "200 OK"));
      // As rsyslog's imrelp (librelp) does: the answer to close, then serverclose, in one write.
      if (command === "close") socket.end(encodeRelpFrame(0, "serverclose", ""));
    });
    let confirmed = 0;
    const connection = await transport(port).connect({ confirmed: (n) => void (confirmed += n), lost: () => assert.fail("lost") }, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("<14>1 - - - - - - a"), Buffer.from("<14>1 - - - - - - b")], 38);
    await connection.end(AbortSignal.timeout(5_000));
    assert.deepEqual(commands, ["1 open", "2 syslog", "3 syslog", "4 close"]);
    assert.equal(confirmed, 2);
    server.close();
  });

  it("refuses a peer that refuses open, answers garbage, answers out of order, or does not answer", async () => {
    const refusing = await peer((socket, txnr) => socket.write(encodeRelpFrame(txnr, "rsp", "500 not today")));
    await assert.rejects(transport(refusing.port).connect({ confirmed: () => undefined, lost: () => undefined }, AbortSignal.timeout(5_000)), (error: unknown) =>
      error instanceof ShipError && error.code === "SHIP_RELP_REFUSED" && /500 not today/.test(error.message));
    const garbage = await peer((socket) => socket.write("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await assert.rejects(transport(garbage.port).connect({ confirmed: () => undefined, lost: () => undefined }, AbortSignal.timeout(5_000)), (error: unknown) =>
      error instanceof ShipError && error.code === "SHIP_RELP_PROTOCOL");
    const silent = await peer(() => undefined);
    await assert.rejects(transport(silent.port, 300).connect({ confirmed: () => undefined, lost: () => undefined }, AbortSignal.timeout(5_000)), (error: unknown) =>
      error instanceof ShipError && error.code === "SHIP_CONNECT_TIMEOUT");
    const confused = await peer((socket, txnr, command) => socket.write(encodeRelpFrame(command === "open" ? txnr : txnr + 5, "rsp", "200 OK")));
    let lost: ShipError | undefined;
    const connection = await transport(confused.port).connect({ confirmed: () => assert.fail("confirmed"), lost: (error) => void (lost = error) }, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("x")], 1);
    await waitFor(() => lost, { what: "the connection to be dropped" });
    assert.equal(lost?.code, "SHIP_RELP_PROTOCOL");
    assert.match(lost?.message ?? "", /answer to transaction 7, expected 2/);
    for (const p of [refusing, garbage, silent, confused]) p.server.close();
  });
});
