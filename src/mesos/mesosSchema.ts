// The Mesos schema (mesos.json, built from mesos.proto by scripts/copy-assets.mjs) as protobufjs JSON. Its own
// module so that the packaged executor (scripts/package.mjs) can replace it with one that carries the schema inline:
// a one-file bundle or a single executable has no mesos.json beside it.
import { readFileSync } from "node:fs";

export function mesosSchemaJson(): unknown {
  return JSON.parse(readFileSync(new URL("./mesos.json", import.meta.url), "utf8"));
}
