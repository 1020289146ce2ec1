import assert from "node:assert/strict";
import { test } from "node:test";
import { DurationError, formatDuration, parseDuration } from "./duration.js";

test("parses stout durations", () => {
  assert.equal(parseDuration("5secs"), 5000);
  assert.equal(parseDuration("15mins"), 900_000);
  assert.equal(parseDuration("1.5secs"), 1500);
  assert.equal(parseDuration("2hrs"), 7_200_000);
  assert.equal(parseDuration("100ms"), 100);
  assert.equal(parseDuration("250us"), 0.25);
  assert.equal(parseDuration("1days"), 86_400_000);
  assert.equal(parseDuration("1weeks"), 604_800_000);
});

test("rejects bare numbers, unknown units and junk", () => {
  for (const bad of ["5", "5s", "five secs", "", "-1secs", "5 secs extra", "secs"]) {
    assert.throws(() => parseDuration(bad), DurationError, bad);
  }
});

test("formats durations that parse back to the same value", () => {
  for (const ms of [5000, 900_000, 1500, 100, 2_000, 3_600_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
  assert.equal(formatDuration(5000), "5secs");
  assert.equal(formatDuration(900_000), "15mins");
});
