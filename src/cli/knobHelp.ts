// `--help` text from the knob declarations: `berth executor --help` (the command and every variable it reads) and
// what `berth run --help` adds (its variables and config keys). Loaded only for --help, so that no command's start
// pays for the registry.
import { defaultOf, typeOf, type EnvScope, type Knob } from "../knob.js";
import { ENV_KNOBS, RUN_CONFIG_KEYS } from "./knobRegistry.js";

const WIDTH = 100;
const INDENT = "      ";

/** Markdown's code spans as plain text. */
const plain = (text: string): string => text.replace(/`([^`]*)`/g, "$1");

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

const SETTERS = { agent: "set by the agent", launcher: "set by bin/berth-executor", operator: "yours" } as const;

/** "  NAME  (type, default X; extra)" and the description wrapped below it. */
function entry(name: string, knob: Knob, extra: string): string[] {
  const found = defaultOf(knob);
  const shown = found === undefined ? "" : "literal" in found ? `, default ${found.literal}` : `, default: ${plain(found.words)}`;
  return [`  ${name}  (${plain(typeOf(knob))}${shown}${extra})`, ...wrap(plain(knob.description), INDENT)];
}

function variables(scope: EnvScope): string[] {
  return ENV_KNOBS.filter(([, knob]) => knob.appliesTo.includes(scope)).flatMap(([name, knob]) =>
    entry(name, knob, `; ${SETTERS[knob.setBy]}${knob.secret ? "; a secret, never passed to tasks" : ""}`),
  );
}

export function executorHelp(): string {
  const lines = [
    "Usage: berth executor",
    "",
    "Run as a Mesos custom executor. Frameworks start it by path through bin/berth-executor (Marathon:",
    '"executor": "/opt/berth/bin/berth-executor"), which hands the agent\'s token over on a pipe; words after',
    "'executor' (Marathon appends the app's command) are ignored: the task's command comes from ExecutorInfo.",
    "It is configured only by its environment; a malformed or missing variable stops it at once (exit 2),",
    "naming every bad variable.",
    "",
    "Options:",
    "  -h, --help     display this help",
    "  -V, --version  display Berth's version",
    "",
    "Environment variables:",
    ...variables("executor"),
    "",
    'Reference: README.md, "Running under Mesos"; design: docs/ARCHITECTURE.md.',
  ];
  return `${lines.join("\n")}\n`;
}

/** What `berth run --help` shows after commander's usage and options. */
export function runHelpDetails(): string {
  const lines = [
    "",
    "Config file keys (JSON; every key optional, unknown keys are errors):",
    ...RUN_CONFIG_KEYS.flatMap(([name, knob]) => entry(name, knob, "")),
    "",
    "Environment variables (a malformed one is an error, exit 2):",
    ...variables("run"),
    "",
    'Reference: README.md, "berth run".',
  ];
  return lines.join("\n");
}
