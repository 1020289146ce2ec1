// Copies the non-TypeScript files the compiled code loads at run time (the protobuf schema) next to it in dist/.
// Test fixtures are used from the source tree, so they are not copied.
import { cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const assetExt = [".proto"];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (assetExt.some((ext) => name.endsWith(ext))) cpSync(path, join("dist", path));
  }
}
for (const root of ["src", "test", "bench"]) if (existsSync(root)) walk(root);
