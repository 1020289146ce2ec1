import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, it } from "node:test";
import { waitFor } from "../../../test/helpers/waitFor.js";
import { freePort } from "../../dev/freePort.js";
import { HostResolver } from "./hostResolver.js";
import type { ShipError } from "./shipError.js";
import { UdpTransport } from "./udpTransport.js";

const resolver = new HostResolver({ ttlMs: 60_000 });

describe("UdpTransport", () => {
  it("sends one datagram per record and confirms each", async () => {
    const socket = createSocket("udp4");
    const got: string[] = [];
    socket.on("message", (m) => got.push(m.toString()));
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    let confirmed = 0;
    const transport = new UdpTransport({ host: "127.0.0.1", port: socket.address().port, resolver, maxDatagramBytes: 1200 });
    assert.equal(transport.maxRecordBytes, 1200);
    const connection = await transport.connect({ confirmed: (n) => void (confirmed += n), lost: () => assert.fail("lost") }, AbortSignal.timeout(5_000));
    connection.send([Buffer.from("one"), Buffer.from("two"), Buffer.from("three")], 11);
    await waitFor(() => got.length === 3 && confirmed === 3, { what: "three datagrams" });
    assert.deepEqual(got, ["one", "two", "three"]);
    await connection.end(AbortSignal.timeout(5_000));
    socket.close();
  });

  it("a port nobody listens on (ICMP port unreachable) makes the connection lost, so the sink keeps the lines", async () => {
    const port = await freePort();
    let lost: ShipError | undefined;
    const connection = await new UdpTransport({ host: "127.0.0.1", port, resolver, maxDatagramBytes: 1200 }).connect(
      { confirmed: () => undefined, lost: (error) => void (lost = error) },
      AbortSignal.timeout(5_000),
    );
    await waitFor(() => {
      if (!lost) connection.send([Buffer.from("probe")], 5);
      return lost;
    }, { what: "ECONNREFUSED", intervalMs: 50 });
    assert.equal(lost?.code, "SHIP_CONNECTION_LOST");
    assert.match(lost?.message ?? "", /ECONNREFUSED/);
  });
});
