import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FileTransport } from "./fileTransport.js";
import { RelpTransport } from "./relpTransport.js";
import { parseSinkUrl } from "./sinkConfig.js";
import { StreamTransport } from "./streamTransport.js";
import { transportFor } from "./transportFor.js";
import { UdpTransport } from "./udpTransport.js";

describe("transportFor", () => {
  it("gives each protocol its transport, with the configured limits", () => {
    assert.ok(transportFor(parseSinkUrl("tcp://h:1")) instanceof StreamTransport);
    const tls = transportFor(parseSinkUrl("tls://h:1?ca=/ca.pem"));
    assert.ok(tls instanceof StreamTransport);
    assert.equal(tls.peer, "tls://h:1");
    const udp = transportFor(parseSinkUrl("udp://h:1?max_datagram=1400"));
    assert.ok(udp instanceof UdpTransport);
    assert.equal(udp.maxRecordBytes, 1400);
    assert.ok(transportFor(parseSinkUrl("relp://h:1")) instanceof RelpTransport);
    assert.ok(transportFor(parseSinkUrl("file:///x.log")) instanceof FileTransport);
  });
});
