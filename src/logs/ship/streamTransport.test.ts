import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { after, before, describe, it } from "node:test";
import { makeTestCertificates, type TestCertificates } from "../../../test/helpers/certificates.js";
import { freePort } from "../../dev/freePort.js";
import { HostResolver } from "./hostResolver.js";
import { ShipError } from "./shipError.js";
import { StreamTransport } from "./streamTransport.js";
import type { ConnectionEvents } from "./transport.js";

const resolver = new HostResolver({ ttlMs: 60_000 });
let certs: TestCertificates;
before(() => (certs = makeTestCertificates()));
after(() => certs.remove());

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
};
function recorder(): { events: ConnectionEvents; confirmed: () => number; lost: Promise<ShipError> } {
  let confirmed = 0;
  let onLost: (error: ShipError) => void = () => undefined;
  const lost = new Promise<ShipError>((resolve) => (onLost = resolve));
  return { events: { confirmed: (n) => void (confirmed += n), lost: (error) => onLost(error) }, confirmed: () => confirmed, lost };
}

const rejectsWith = async (promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ShipError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
};

describe("StreamTransport", () => {
  it("TCP: sends batches, confirms them, ends once the peer has read and closed", async () => {
    let received = "";
    const server = createServer((socket) => {
      socket.on("data", (d) => (received += d.toString()));
      socket.on("end", () => socket.end());
    });
    const port = await listen(server);
    const rec = recorder();
    const connection = await new StreamTransport({ host: "127.0.0.1", port, resolver, connectTimeoutMs: 5_000 }).connect(rec.events, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("a\n"), Buffer.from("b\n")], 4);
    connection.send([Buffer.from("c\n")], 2);
    await connection.end(AbortSignal.timeout(5_000));
    assert.equal(received, "a\nb\nc\n");
    assert.equal(rec.confirmed(), 3);
    server.close();
  });

  it("TCP: a refused connection and a peer that closes are typed errors", async () => {
    const refused = await freePort();
    await rejectsWith(new StreamTransport({ host: "127.0.0.1", port: refused, resolver, connectTimeoutMs: 5_000 }).connect(recorder().events, AbortSignal.timeout(5_000)), "SHIP_CONNECT_FAILED", /ECONNREFUSED/);
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    const port = await listen(server);
    const rec = recorder();
    await new StreamTransport({ host: "127.0.0.1", port, resolver, connectTimeoutMs: 5_000 }).connect(rec.events, AbortSignal.timeout(5_000));
    await new Promise<void>((resolve) => (sockets.length > 0 ? resolve() : server.once("connection", () => resolve())));
    sockets[0]!.end();
    const lost = await rec.lost;
    assert.equal(lost.code, "SHIP_CONNECTION_LOST");
    assert.match(lost.message, /the receiver closed the connection/);
    server.close();
  });

  it("TLS: verified against the given CA; another CA, another name, an unreadable CA file and a silent peer are refused clearly", async () => {
    const tlsServer = (pair: { cert: string; key: string }): Server => {
      const server = createTlsServer({ cert: pair.cert, key: pair.key }, (socket) => {
        socket.on("data", () => undefined);
        socket.on("end", () => socket.end());
      });
      server.on("tlsClientError", () => undefined);
      return server;
    };
    const good = tlsServer(certs.server);
    const rogue = tlsServer(certs.rogueServer);
    const goodPort = await listen(good);
    const roguePort = await listen(rogue);
    const open = (port: number, tls: object, host = "localhost", connectTimeoutMs = 10_000): Promise<unknown> =>
      new StreamTransport({ host, port, resolver, connectTimeoutMs, tls }).connect(recorder().events, AbortSignal.timeout(20_000));

    const connection = (await open(goodPort, { caFile: certs.ca.certFile, certFile: certs.client.certFile, keyFile: certs.client.keyFile })) as { end(s: AbortSignal): Promise<void> };
    await connection.end(AbortSignal.timeout(5_000));
    const byIp = (await open(goodPort, { caFile: certs.ca.certFile }, "127.0.0.1")) as { destroy(): void };
    byIp.destroy();
    await rejectsWith(open(roguePort, { caFile: certs.ca.certFile }), "SHIP_TLS_VERIFY_FAILED", /certificate is refused \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    await rejectsWith(open(goodPort, { caFile: certs.ca.certFile, serverName: "other.example" }), "SHIP_TLS_VERIFY_FAILED", /ERR_TLS_CERT_ALTNAME_INVALID/);
    await rejectsWith(open(goodPort, {}), "SHIP_TLS_VERIFY_FAILED", /certificate is refused/);
    await rejectsWith(open(goodPort, { caFile: "/nonexistent/ca.pem" }), "SHIP_TLS_FILE_UNREADABLE", /ENOENT/);
    const silent = createServer((socket) => socket.pause());
    const silentPort = await listen(silent);
    await rejectsWith(open(silentPort, { caFile: certs.ca.certFile }, "localhost", 300), "SHIP_CONNECT_TIMEOUT", /no connection within 300 ms/);
    for (const server of [good, rogue, silent]) server.close();
  });
});
