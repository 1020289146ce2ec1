// `berth dev --executor-env NAME=VALUE`: agent-level settings for the executor, as an operator gives them with the
// Mesos agent's --executor_environment_variables (BERTH_HAPROXY_SOCKET, CONSUL_HTTP_ADDR, BERTH_ADVERTISE_ADDRESS …).
// Names are validated; MESOS_* and LIBPROCESS_* are the agent's own and refused.
import { BerthError } from "../berthError.js";

export class ExecutorEnvError extends BerthError {
  constructor(message: string) {
    super("DEV_EXECUTOR_ENV_INVALID", message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses every NAME=VALUE (VALUE may be empty or contain '='); throws one ExecutorEnvError naming every problem. */
export function parseExecutorEnv(assignments: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const assignment of assignments) {
    const eq = assignment.indexOf("=");
    const name = eq < 0 ? assignment : assignment.slice(0, eq);
    if (eq < 0) problems.push(`${JSON.stringify(name)}: expected NAME=VALUE`);
    else if (!NAME.test(name)) problems.push(`${JSON.stringify(name)} is not a valid environment variable name`);
    else if (/^(MESOS|LIBPROCESS)_/.test(name)) problems.push(`${name}: MESOS_* and LIBPROCESS_* variables are set by the agent`);
    else if (Object.hasOwn(env, name)) problems.push(`${name} is given twice`);
    else env[name] = assignment.slice(eq + 1);
  }
  if (problems.length > 0) throw new ExecutorEnvError(`--executor-env: ${problems.join("; ")}`);
  return env;
}
