import assert from "node:assert/strict";
import { test } from "node:test";
import { APP_FIELDS, closestName } from "./appFields.js";

test("a misspelt field suggests the closest known one; something unrelated suggests nothing", () => {
  const known = Object.keys(APP_FIELDS);
  assert.equal(closestName("healthcheck", known), "healthChecks");
  assert.equal(closestName("helthChecks", known), "healthChecks");
  assert.equal(closestName("portDefinition", known), "portDefinitions");
  assert.equal(closestName("taskKillGracePeriod", known), "taskKillGracePeriodSeconds");
  assert.equal(closestName("CMD", known), "cmd");
  assert.equal(closestName("zzzzzzzz", known), undefined);
});

test("every field Marathon's App type has is known, with a use; unsupported ones say why", () => {
  for (const field of ["id", "cmd", "args", "container", "constraints", "acceptedResourceRoles", "fetch", "healthChecks", "readinessChecks", "upgradeStrategy", "killSelection", "networks", "secrets", "unreachableStrategy", "residency", "version"]) {
    assert.ok(Object.hasOwn(APP_FIELDS, field), field);
  }
  for (const [field, info] of Object.entries(APP_FIELDS)) {
    if (info.use === "unsupported") assert.ok(info.why && info.why.length > 5, field);
  }
});
