import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HostResolver } from "./hostResolver.js";
import { ShipError } from "./shipError.js";

describe("HostResolver", () => {
  it("looks a name up once per TTL, again after it, keeps the last address through a failed lookup, and passes IPs through", async () => {
    let now = 0;
    const answers: (string | Error)[] = ["10.0.0.1", "10.0.0.2", new Error("SERVFAIL")];
    const asked: string[] = [];
    const resolver = new HostResolver({
      ttlMs: 1000,
      staleMs: 5000,
      now: () => now,
      lookup: async (host) => {
        asked.push(host);
        const answer = answers.shift()!;
        if (answer instanceof Error) throw answer;
        return { address: answer, family: 4 };
      },
    });
    const signal = new AbortController().signal;
    assert.equal(await resolver.resolve("logs.example", signal), "10.0.0.1");
    now = 999;
    assert.equal(await resolver.resolve("logs.example", signal), "10.0.0.1");
    now = 1000;
    assert.equal(await resolver.resolve("logs.example", signal), "10.0.0.2");
    now = 2500;
    assert.equal(await resolver.resolve("logs.example", signal), "10.0.0.2", "a failed lookup falls back to the last address");
    assert.equal(await resolver.resolve("127.0.0.1", signal), "127.0.0.1");
    assert.deepEqual(asked, ["logs.example", "logs.example", "logs.example"]);
  });

  it("fails with a typed error for an unresolvable name (real resolver, .invalid never resolves)", async () => {
    const resolver = new HostResolver({ ttlMs: 1000 });
    await assert.rejects(resolver.resolve("berth-no-such-host.invalid", AbortSignal.timeout(20_000)), (error: unknown) => {
      assert.ok(error instanceof ShipError);
      assert.equal(error.code, "SHIP_RESOLVE_FAILED");
      assert.match(error.message, /berth-no-such-host\.invalid/);
      return true;
    });
  });

  it("stops waiting when the signal aborts", async () => {
    const resolver = new HostResolver({ ttlMs: 1000, lookup: () => new Promise(() => undefined) });
    const controller = new AbortController();
    const pending = resolver.resolve("slow.example", controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(pending, /stop/);
  });
});
