import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort } from "./freePort.js";

test("ports handed out in a run are never handed out again, even when the kernel offers them", async () => {
  const given = new Set<number>();
  const ports = [];
  for (let i = 0; i < 20; i++) ports.push(await freePort(given));
  assert.equal(new Set(ports).size, 20);
  assert.deepEqual([...given].sort(), [...ports].sort());
  for (const port of ports) assert.ok(port >= 1 && port <= 65535);
});
