// `npm run docs`: rewrites README.md's generated reference tables (between `<!-- knobs:<section>:begin -->` and
// `<!-- knobs:<section>:end -->`) from the knob declarations, compiled under dist/ by the build that runs first.
import { readFileSync, writeFileSync } from "node:fs";
import { withKnobSections, staleKnobSections } from "../dist/src/cli/knobDocs.js";

const path = new URL("../README.md", import.meta.url);
const before = readFileSync(path, "utf8");
const stale = staleKnobSections(before);
if (stale.length === 0) {
  console.log("docs: README.md is up to date");
} else {
  writeFileSync(path, withKnobSections(before));
  console.log(`docs: README.md rewritten (${stale.join(", ")})`);
}
