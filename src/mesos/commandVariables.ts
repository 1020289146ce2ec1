// A CommandInfo's environment variables, validated the same way for a task and for its COMMAND checks: names and
// values reach execve as C strings, and a variable the executor cannot resolve must not be dropped silently.
import type { EnvironmentVariable } from "./types.js";

/**
 * Adds `variables` to `env` (later ones win), or a problem per bad variable: an empty name, `=` or NUL in a name,
 * NUL in a value, a SECRET (resolved by the agent's secret resolver, which a custom executor does not have).
 */
export function addCommandVariables(env: Record<string, string>, variables: readonly EnvironmentVariable[], where: string, problems: string[]): void {
  for (const [i, variable] of variables.entries()) {
    const at = `${where}[${i}]`;
    if (!variable.name || variable.name.includes("=") || variable.name.includes("\0")) {
      problems.push(`${at}.name ${quoted(variable.name)} is not a valid variable name`);
      continue;
    }
    if (variable.type === "SECRET") {
      problems.push(`${at} (${quoted(variable.name)}) is a SECRET variable, which Berth cannot resolve`);
      continue;
    }
    const value = variable.value ?? "";
    if (value.includes("\0")) {
      problems.push(`${at} (${quoted(variable.name)}) contains a NUL byte`);
      continue;
    }
    // Defined, not assigned: `env["__proto__"] = value` would hit the prototype setter and drop the variable.
    Object.defineProperty(env, variable.name, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** A name as it appears in a problem: quoted and cut, so that a hostile megabyte name does not become the message. */
function quoted(name: string | undefined): string {
  const text = JSON.stringify(name ?? "");
  return text.length > 66 ? `${text.slice(0, 64)}…"` : text;
}
