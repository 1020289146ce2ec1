// Problems of a core check spec, in words a user can act on. Both front ends run these on what they built (Mesos:
// from HealthCheck/CheckInfo after its own proto validation; `berth run`: from its config file), so the checks are
// defensive about shapes the types rule out: the input may come from JSON.
import type { CheckSpec, HealthCheckSpec, Probe } from "./checkSpec.js";

type Loose = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Loose => typeof value === "object" && value !== null && !Array.isArray(value);
const show = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value));

function nonNegative(spec: Loose, key: string, problems: string[], integer = false): void {
  const value = spec[key];
  const valid = typeof value === "number" && Number.isFinite(value) && value >= 0 && (!integer || Number.isInteger(value));
  if (!valid) problems.push(`${key} must be a non-negative ${integer ? "integer" : "number"} (got ${show(value)})`);
}

function port(spec: Loose, problems: string[]): void {
  const value = spec.port;
  if (!(typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535)) {
    problems.push(`port must be an integer from 1 to 65535 (got ${show(value)})`);
  }
}

function optionalString(spec: Loose, key: string, problems: string[]): void {
  if (spec[key] !== undefined && (typeof spec[key] !== "string" || spec[key] === "")) {
    problems.push(`${key} must be a non-empty string when set (got ${show(spec[key])})`);
  }
}

function command(probe: Loose, problems: string[]): void {
  const cmd = probe.command;
  if (!isObject(cmd)) problems.push("command is missing");
  else if (cmd.kind === "shell") {
    if (typeof cmd.script !== "string" || cmd.script.trim() === "") problems.push("command.script must be a non-empty string");
  } else if (cmd.kind === "argv") {
    if (typeof cmd.file !== "string" || cmd.file === "") problems.push("command.file must be a non-empty string");
    if (!Array.isArray(cmd.args) || !cmd.args.every((a) => typeof a === "string")) problems.push("command.args must be a list of strings");
  } else problems.push(`command.kind must be "shell" or "argv" (got ${show(cmd.kind)})`);
  if (!isObject(probe.env) || !Object.values(probe.env).every((v) => typeof v === "string")) {
    problems.push("env must map names to string values");
  }
  if (typeof probe.cwd !== "string" || probe.cwd === "") problems.push("cwd must be a non-empty string");
  optionalString(probe, "user", problems);
}

/** Every problem of a probe; empty when it can run. */
export function validateProbe(probe: Probe): string[] {
  const loose: unknown = probe;
  if (!isObject(loose)) return ["probe must be an object"];
  const problems: string[] = [];
  switch (loose.kind) {
    case "command":
      command(loose, problems);
      break;
    case "http":
      if (loose.scheme !== "http" && loose.scheme !== "https") problems.push(`scheme must be "http" or "https" (got ${show(loose.scheme)})`);
      port(loose, problems);
      if (typeof loose.path !== "string" || !loose.path.startsWith("/")) problems.push(`path must start with "/" (got ${show(loose.path)})`);
      optionalString(loose, "host", problems);
      break;
    case "tcp":
      port(loose, problems);
      optionalString(loose, "host", problems);
      break;
    default:
      problems.push(`unknown probe kind ${show(loose.kind)} (expected "command", "http" or "tcp")`);
  }
  return problems;
}

/** Every problem of a health check or generalized check spec, its probe's prefixed with "probe: ". */
export function validateCheckSpec(spec: HealthCheckSpec | CheckSpec): string[] {
  const loose: unknown = spec;
  if (!isObject(loose)) return ["check must be an object"];
  const problems: string[] = [];
  for (const key of ["delayMs", "intervalMs", "timeoutMs"]) nonNegative(loose, key, problems);
  // Present only in a HealthCheckSpec.
  if ("consecutiveFailures" in loose) nonNegative(loose, "consecutiveFailures", problems, true);
  if ("gracePeriodMs" in loose) nonNegative(loose, "gracePeriodMs", problems);
  problems.push(...validateProbe(loose.probe as Probe).map((p) => `probe: ${p}`));
  return problems;
}
