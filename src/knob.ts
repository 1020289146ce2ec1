// A knob is one setting an operator can turn: an environment variable, a task label or a key of a config file. Each
// is declared once, beside the code that reads it (`<layer>/<name>Knobs.ts`), with its type, default and meaning;
// the reader takes the name and the default from the declaration, and the README's reference tables and
// `berth executor --help` are generated from the same declarations (cli/knobRegistry.ts). Plain data: a declaration
// file imports nothing heavier than this, so that help and docs load no integration's code.

/** What a value is, as operators read it (README, --help). */
export type KnobType =
  | "duration" // stout's: 30secs, 5mins, 3hrs
  | "seconds" // a number of seconds, fractions allowed
  | "integer"
  | "boolean"
  | "enum"
  | "string"
  | "name" // an identifier (app, role, backend, variable)
  | "list" // comma-separated
  | "path"
  | "url"
  | "host" // host name or IP address
  | "address" // host:port, or a socket
  | "pem" // PEM text, or the absolute path of a PEM file
  | "json"
  | "signal"
  | "object"
  | "array";

export interface Knob {
  readonly type: KnobType;
  /** The values of an enum, as written. */
  readonly values?: readonly string[];
  /** The default, as written in the setting, when there is a literal one (`[]`, `{}` for a config file's lists and maps). */
  readonly default?: string | number | boolean | readonly [] | Readonly<Record<string, never>>;
  /** The default in words, when it is not a literal: "the agent endpoint's host", "off". */
  readonly defaultText?: string;
  /** One or more sentences of Markdown; `code` for names and values. */
  readonly description: string;
}

/** Who sets an environment variable. */
export type EnvSetter = "agent" | "launcher" | "operator";
/** The commands that read an environment variable. */
export type EnvScope = "executor" | "run";

export interface EnvKnob extends Knob {
  readonly setBy: EnvSetter;
  readonly appliesTo: readonly EnvScope[];
  /** A credential: never passed to tasks and never shown in logs or messages. */
  readonly secret?: boolean;
}

/** A task label (the key is the label's; `<name>` stands for a part the task chooses). */
export type LabelKnob = Knob;

/** A key of a JSON config file; nested keys are written with dots (`http.url`). */
export type ConfigKnob = Knob;

export type EnvKnobs = Readonly<Record<string, EnvKnob>>;
export type LabelKnobs = Readonly<Record<string, LabelKnob>>;
export type ConfigKnobs = Readonly<Record<string, ConfigKnob>>;

/** The default as written (a literal), the words, or undefined when there is none. */
export function defaultOf(knob: Knob): { literal: string } | { words: string } | undefined {
  if (knob.default !== undefined) return { literal: typeof knob.default === "string" ? knob.default : JSON.stringify(knob.default) };
  return knob.defaultText !== undefined ? { words: knob.defaultText } : undefined;
}

/** The type as shown to operators; an enum as its values. */
export function typeOf(knob: Knob): string {
  return knob.type === "enum" && knob.values ? knob.values.join(" | ") : knob.type;
}
