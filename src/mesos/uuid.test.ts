import assert from "node:assert/strict";
import { test } from "node:test";
import { isValidUuidBytes, newUuidBytes, uuidToString } from "./uuid.js";

test("new uuids are 16 raw bytes of a version-4 RFC 4122 uuid", () => {
  const uuid = newUuidBytes();
  assert.equal(uuid.length, 16);
  assert.ok(isValidUuidBytes(uuid));
  assert.match(uuidToString(uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notDeepEqual(newUuidBytes(), uuid);
});

test("rejects what stout's UUID::fromBytes rejects", () => {
  assert.equal(isValidUuidBytes(Buffer.alloc(16)), false); // version 0, variant 0
  assert.equal(isValidUuidBytes(Buffer.from("0123456789abcdef0123456789abcdef01234", "utf8")), false); // 37 bytes
  assert.equal(isValidUuidBytes(undefined), false);
});
