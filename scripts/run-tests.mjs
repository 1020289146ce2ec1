// Runs every compiled test file with Node's test runner (Node 20 has no glob support in --test).
// Usage: node scripts/run-tests.mjs [filter-substring...]
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const filters = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.js") && (filters.length === 0 || filters.some((f) => path.includes(f)))) files.push(path);
  }
}
walk("dist");
if (files.length === 0) {
  console.error("run-tests: no test files found under dist/ (did the build run?)");
  process.exit(1);
}
// Integration tests start real processes; two at a time fits a 2-core machine.
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", "--test-timeout=120000", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
