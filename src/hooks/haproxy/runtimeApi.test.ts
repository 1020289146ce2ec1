import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { describe, it } from "node:test";
import { HaproxyError, parseRuntimeApiAddress, parseStatCsv, RuntimeApi } from "./runtimeApi.js";

describe("parseRuntimeApiAddress", () => {
  it("takes an absolute path or host:port, as HAProxy writes them too", () => {
    assert.deepEqual(parseRuntimeApiAddress("/run/haproxy/admin.sock"), { path: "/run/haproxy/admin.sock" });
    assert.deepEqual(parseRuntimeApiAddress("unix@/run/haproxy/admin.sock"), { path: "/run/haproxy/admin.sock" });
    assert.deepEqual(parseRuntimeApiAddress("127.0.0.1:9999"), { host: "127.0.0.1", port: 9999 });
    assert.deepEqual(parseRuntimeApiAddress("ipv4@127.0.0.1:9999"), { host: "127.0.0.1", port: 9999 });
    assert.deepEqual(parseRuntimeApiAddress("[::1]:9999"), { host: "::1", port: 9999 });
    assert.deepEqual(parseRuntimeApiAddress("lb.example:9999"), { host: "lb.example", port: 9999 });
    for (const bad of ["admin.sock", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:9999", "host:port", ""]) {
      assert.equal(parseRuntimeApiAddress(bad), undefined, bad);
    }
  });
});

describe("parseStatCsv", () => {
  it("reads scur, qcur and status of server lines, leaving FRONTEND and BACKEND out", () => {
    const csv = "# pxname,svname,qcur,qmax,scur,smax,status\nfe,FRONTEND,,,3,3,OPEN\nbe,s1,2,2,5,6,DRAIN\nbe,s2,,,0,0,UP\nbe,BACKEND,0,0,5,6,UP\n\n";
    assert.deepEqual(parseStatCsv(csv), [
      { backend: "be", name: "s1", scur: 5, qcur: 2, status: "DRAIN" },
      { backend: "be", name: "s2", scur: 0, qcur: 0, status: "UP" },
    ]);
  });

  it("refuses an answer that is not the CSV", () => {
    assert.throws(() => parseStatCsv("Unknown command.\n"), (error: unknown) => error instanceof HaproxyError && error.kind === "bad-answer");
  });
});

describe("RuntimeApi", () => {
  it("a socket that accepts but never answers is cut at the signal", async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as { port: number };
      const api = new RuntimeApi({ host: "127.0.0.1", port });
      const started = performance.now();
      await assert.rejects(api.serversState("be", AbortSignal.timeout(300)), (error: unknown) => {
        assert.ok(error instanceof HaproxyError && error.kind === "aborted", String(error));
        assert.match(error.message, /show servers state be/);
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        return true;
      });
      assert.ok(performance.now() - started < 3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it("never sends a name that could end the command or start another", async () => {
    const api = new RuntimeApi({ path: "/nonexistent/admin.sock" });
    await assert.rejects(api.enableServer("be", "x;shutdown", AbortSignal.timeout(1000)), /not a valid HAProxy server name/);
    await assert.rejects(api.command("show info\nshow stat", AbortSignal.timeout(1000)), /newline/);
  });
});
