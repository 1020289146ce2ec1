// The README's reference tables, generated from the knob declarations (knobRegistry.ts). Each table sits between
// `<!-- knobs:<section>:begin -->` and `<!-- knobs:<section>:end -->` in README.md; `npm run docs` rewrites them, and
// knobDocs.test.ts fails when README.md differs from what the declarations say.
import { BerthError } from "../berthError.js";
import { defaultOf, typeOf, type ConfigKnob, type EnvKnob, type Knob } from "../knob.js";
import { ENV_KNOBS, HOOK_CONFIG_KEYS, LABEL_KNOBS, METRICS_ENV_KNOBS, RUN_CONFIG_KEYS, SETTINGS_FILE_KEYS } from "./knobRegistry.js";

export const DOCS_COMMAND = "npm run docs";

export class KnobDocsError extends BerthError {
  constructor(message: string) {
    super("KNOB_DOCS_INVALID", message);
  }
}

/** A table cell: one line, `|` escaped (also inside code spans, as GitHub's tables need). */
const cell = (text: string): string => text.replaceAll("\n", " ").replaceAll("|", "\\|");

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), `|${headers.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

function defaultCell(knob: Knob): string {
  const found = defaultOf(knob);
  if (found === undefined) return "—";
  return "literal" in found ? `\`${found.literal}\`` : found.words;
}

function typeCell(knob: Knob): string {
  return knob.type === "enum" && knob.values ? knob.values.map((value) => `\`${value}\``).join(", ") : typeOf(knob);
}

const SETTERS: Readonly<Record<EnvKnob["setBy"], string>> = { agent: "agent", launcher: "`bin/berth-executor`", operator: "you" };

function envTable(): string {
  const rows = ENV_KNOBS.map(([name, knob]) => [
    `\`${name}\``,
    SETTERS[knob.setBy],
    knob.appliesTo.map((scope) => `\`berth ${scope}\``).join(", "),
    typeCell(knob),
    defaultCell(knob),
    knob.description,
  ]);
  return table(["variable", "set by", "read by", "type", "default", "meaning"], rows);
}

function keyTable(title: string, knobs: readonly (readonly [string, Knob])[]): string {
  return table([title, "type", "default", "meaning"], knobs.map(([name, knob]) => [`\`${name}\``, typeCell(knob), defaultCell(knob), knob.description]));
}

/** Every generated section by name, as written between its markers. */
export function knobSections(): Readonly<Record<string, string>> {
  return {
    env: envTable(),
    "metrics-env": keyTable("variable", METRICS_ENV_KNOBS),
    labels: keyTable("label", LABEL_KNOBS),
    "settings-file": keyTable("key", SETTINGS_FILE_KEYS as readonly (readonly [string, ConfigKnob])[]),
    "run-config": keyTable("key", RUN_CONFIG_KEYS),
    "hook-config": keyTable("key", HOOK_CONFIG_KEYS),
  };
}

const begin = (name: string): string => `<!-- knobs:${name}:begin -->`;
const end = (name: string): string => `<!-- knobs:${name}:end -->`;

/** The text between a section's markers; a KnobDocsError when the markers are missing or out of order. */
function bounds(text: string, name: string): [start: number, stop: number] {
  const start = text.indexOf(begin(name));
  const stop = text.indexOf(end(name));
  if (start < 0 || stop < start || text.indexOf(begin(name), start + 1) >= 0) {
    throw new KnobDocsError(`README.md needs exactly one ${begin(name)} … ${end(name)} pair, in that order`);
  }
  return [start + begin(name).length, stop];
}

/** The README with every section's text replaced by the declarations' (a generated section is its own paragraph). */
export function withKnobSections(readme: string, sections: Readonly<Record<string, string>> = knobSections()): string {
  let text = readme;
  for (const [name, body] of Object.entries(sections)) {
    const [start, stop] = bounds(text, name);
    text = `${text.slice(0, start)}\n${body}\n${text.slice(stop)}`;
  }
  return text;
}

/** The sections whose text in the README differs from the declarations'. */
export function staleKnobSections(readme: string, sections: Readonly<Record<string, string>> = knobSections()): string[] {
  return Object.entries(sections)
    .filter(([name, body]) => {
      const [start, stop] = bounds(readme, name);
      return readme.slice(start, stop) !== `\n${body}\n`;
    })
    .map(([name]) => name);
}
