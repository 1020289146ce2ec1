// Build step after tsc: turns each .proto schema under src/ into protobufjs JSON next to the compiled code
// (dist/src/.../<name>.json), so that run time needs neither the .proto file nor protobufjs' parser.
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".proto")) {
      // keepCase: proto field names (snake_case) are what the Mesos JSON encoding uses.
      const root = new protobuf.Root().loadSync(path, { keepCase: true });
      const out = join("dist", path.replace(/\.proto$/, ".json"));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify(root.toJSON()));
    }
  }
}
walk("src");
