import assert from "node:assert/strict";
import { test } from "node:test";
import { signJwt, verifyJwt } from "./jwt.js";

test("a signed token verifies and yields its claims", () => {
  const token = signJwt({ fid: "f", eid: "e", cid: "c" }, "s3cret");
  assert.deepEqual(verifyJwt(token, "s3cret"), { ok: true, claims: { fid: "f", eid: "e", cid: "c" } });
});

test("wrong secret, tampered payload and garbage are refused", () => {
  const token = signJwt({ fid: "f" }, "s3cret");
  assert.equal(verifyJwt(token, "other").ok, false);
  const [h, , s] = token.split(".");
  const forged = `${h}.${Buffer.from(JSON.stringify({ fid: "x" })).toString("base64url")}.${s}`;
  assert.equal(verifyJwt(forged, "s3cret").ok, false);
  assert.equal(verifyJwt("not-a-token", "s3cret").ok, false);
});
