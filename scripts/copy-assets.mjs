// Copies non-TypeScript assets (the protobuf schema, shell fixtures) next to the compiled files.
import { cpSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const assetExt = [".proto", ".sh", ".json", ".go"];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (assetExt.some((ext) => name.endsWith(ext))) cpSync(path, join("dist", path));
  }
}
for (const root of ["src", "test", "bench"]) walk(root);
