// The warm-up against a real HTTP server on loopback: every request made, failures logged or fatal as asked.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { TaskSpec } from "../core/taskSpec.js";
import { validateWarmupOptions, warmupHook, type WarmupOptions } from "./warmupHook.js";

const seen: string[] = [];
let server: Server;
let port: number;

before(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? "");
    if (req.url === "/broken") res.statusCode = 500;
    if (req.url === "/hang") return;
    res.end("x");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const task = { taskId: "t-1", name: "t" } as TaskSpec;
const options = (more: Partial<WarmupOptions>): WarmupOptions => ({ port, paths: ["/a", "/b"], requests: 3, requestTimeoutMs: 5_000, required: false, ...more });

async function run(more: Partial<WarmupOptions>): Promise<string[]> {
  const lines: string[] = [];
  await warmupHook(options(more)).healthy!({ task, signal: AbortSignal.timeout(20_000), output: (line) => lines.push(line) });
  return lines;
}

describe("warmupHook (real HTTP server on loopback)", () => {
  it("requests every path the given number of times, in order, and reports it", async () => {
    seen.length = 0;
    const lines = await run({});
    assert.deepEqual(seen, ["/a", "/a", "/a", "/b", "/b", "/b"]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^warm-up: 6 request\(s\) to \/a, \/b, 0 failed; first [\d.]+ ms, median [\d.]+ ms$/);
  });

  it("failures are logged and not fatal unless required; a request that hangs ends at its own timeout", async () => {
    const lines = await run({ paths: ["/broken", "/hang"], requests: 1, requestTimeoutMs: 200 });
    assert.match(lines[1]!, /^2 of 2 warm-up request\(s\) failed \(first: GET \/broken: answered 500\); registering anyway/);
    await assert.rejects(run({ paths: ["/broken"], requests: 1, required: true }), { code: "WARMUP_FAILED", message: /1 of 1 warm-up request\(s\) failed/ });
  });

  it("refuses bad options", () => {
    assert.deepEqual(validateWarmupOptions(options({ port: 0, paths: ["a b"], requests: 0 })), [
      "port 0 is not a port (1-65535)",
      'path "a b" must start with "/" and hold no white space',
      "requests must be a whole number >= 1, at most 10000 in all (1 path(s))",
    ]);
  });
});
