// `berth executor --help`: the command and every environment variable it reads, from the declarations. Loaded only
// for --help, so that the executor's start never pays for the registry.
import { defaultOf, typeOf } from "../knob.js";
import { ENV_KNOBS } from "./knobRegistry.js";

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
  ];
  for (const [name, knob] of ENV_KNOBS) {
    if (!knob.appliesTo.includes("executor")) continue;
    const found = defaultOf(knob);
    const shown = found === undefined ? "" : "literal" in found ? `, default ${found.literal}` : `, default: ${plain(found.words)}`;
    lines.push(`  ${name}  (${plain(typeOf(knob))}${shown}; ${SETTERS[knob.setBy]}${knob.secret ? "; a secret, never passed to tasks" : ""})`);
    lines.push(...wrap(plain(knob.description), INDENT));
  }
  lines.push("", "Reference: README.md, \"Running under Mesos\"; design: docs/ARCHITECTURE.md.");
  return `${lines.join("\n")}\n`;
}
