// `berth executor --help` and `--version`, recognised by hand: the executor's path skips the CLI parser (start-up
// cost), and every other word after `executor` belongs to the task (Marathon appends the app's command).
export type ExecutorInfoRequest = "help" | "version";

const FLAGS: Readonly<Record<string, ExecutorInfoRequest>> = { "--help": "help", "-h": "help", "--version": "version", "-V": "version" };

/**
 * What `berth executor ARGS…` asks for instead of running: only a lone flag, and only outside an agent's executor
 * environment (MESOS_EXECUTOR_ID set), where the words are an app's command line, ignored, even `--help`.
 */
export function executorInfoRequest(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ExecutorInfoRequest | undefined {
  if (args.length !== 1 || env.MESOS_EXECUTOR_ID !== undefined) return undefined;
  return Object.hasOwn(FLAGS, args[0]!) ? FLAGS[args[0]!] : undefined;
}

/** The text to print for a request (loaded only now: the executor's start pays for none of it). */
export async function executorInfo(request: ExecutorInfoRequest): Promise<string> {
  if (request === "version") {
    const { berthVersion } = await import("./version.js");
    return `${berthVersion()}\n`;
  }
  const { executorHelp } = await import("./knobHelp.js");
  return executorHelp();
}
