// Berth's version, from package.json: read as a file (no module loaded), so that `--version` costs nothing.
import { readFileSync } from "node:fs";

/** package.json beside dist/ (this file runs as dist/src/cli/version.js). */
const PACKAGE_JSON = new URL("../../../package.json", import.meta.url);

export function berthVersion(): string {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version?: unknown };
  if (typeof version !== "string") throw new Error(`${PACKAGE_JSON.pathname} has no version`);
  return version;
}
