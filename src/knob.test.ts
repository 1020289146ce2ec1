import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultOf, typeOf } from "./knob.js";

describe("knob", () => {
  it("a default is a literal, words or nothing", () => {
    assert.deepEqual(defaultOf({ type: "duration", default: "3secs", description: "" }), { literal: "3secs" });
    assert.deepEqual(defaultOf({ type: "integer", default: 0, description: "" }), { literal: "0" }, "0 is a default, not none");
    assert.deepEqual(defaultOf({ type: "boolean", default: false, description: "" }), { literal: "false" });
    assert.deepEqual(defaultOf({ type: "array", default: [], description: "" }), { literal: "[]" });
    assert.deepEqual(defaultOf({ type: "host", defaultText: "the agent's host", description: "" }), { words: "the agent's host" });
    assert.equal(defaultOf({ type: "string", description: "" }), undefined);
  });

  it("an enum's type is its values", () => {
    assert.equal(typeOf({ type: "enum", values: ["json", "protobuf"], description: "" }), "json | protobuf");
    assert.equal(typeOf({ type: "duration", description: "" }), "duration");
  });
});
