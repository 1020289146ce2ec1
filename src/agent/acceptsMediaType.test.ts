import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptsMediaType } from "./acceptsMediaType.js";

const JSON_TYPE = "application/json";
const PROTO = "application/x-protobuf";

test("a missing Accept header accepts everything", () => {
  assert.equal(acceptsMediaType(undefined, JSON_TYPE), true);
  assert.equal(acceptsMediaType(undefined, PROTO), true);
});

test("exact, type/* and */* candidates", () => {
  assert.equal(acceptsMediaType(PROTO, PROTO), true);
  assert.equal(acceptsMediaType(PROTO, JSON_TYPE), false);
  assert.equal(acceptsMediaType("application/*", JSON_TYPE), true);
  assert.equal(acceptsMediaType("*/*", PROTO), true);
  assert.equal(acceptsMediaType("text/html", JSON_TYPE), false);
  assert.equal(acceptsMediaType("APPLICATION/JSON", JSON_TYPE), true);
});

test("q values: 0 refuses, > 0 or malformed-count accepts, unparsable refuses", () => {
  assert.equal(acceptsMediaType("application/json;q=0", JSON_TYPE), false);
  assert.equal(acceptsMediaType("application/json; q=0.0", JSON_TYPE), false);
  assert.equal(acceptsMediaType("application/json;q=0.5", JSON_TYPE), true);
  assert.equal(acceptsMediaType("application/json;q=abc", JSON_TYPE), false);
  assert.equal(acceptsMediaType("application/json;q=1;q=0", JSON_TYPE), true);
  // The exact entry decides before a wildcard is looked at.
  assert.equal(acceptsMediaType("*/*, application/json;q=0", JSON_TYPE), false);
  assert.equal(acceptsMediaType("*/*;q=0", JSON_TYPE), false);
});

test("spaces and tabs are ignored; an empty header accepts nothing", () => {
  assert.equal(acceptsMediaType(" application / json ", JSON_TYPE), true);
  assert.equal(acceptsMediaType("", JSON_TYPE), false);
});
