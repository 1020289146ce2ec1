#!/usr/bin/env node
// The `berth` command line. Keep the subcommands stable: frameworks and other tools invoke them.
import { executorCommand } from "./executorCommand.js";
import { executorInfo, executorInfoRequest } from "./executorFlags.js";

async function runCli(argv: readonly string[]): Promise<void> {
  const { Command } = await import("commander");
  const { berthVersion } = await import("./version.js");
  // The config keys and variables for `berth run --help`, from the declarations: loaded only when help may be shown.
  const helpAsked = argv[2] === "help" || argv.slice(3).some((word) => word === "--help" || word === "-h");
  const runHelp = helpAsked ? (await import("./knobHelp.js")).runHelpDetails() : "";
  const program = new Command("berth")
    .description("A Mesos custom executor that gives every task a graceful, cloud-native lifecycle")
    .version(berthVersion(), "-V, --version", "display Berth's version")
    .helpOption("-h, --help", "display help for a command")
    .showHelpAfterError();

  program
    .command("executor")
    .description("run as a Mesos executor, configured by the MESOS_* environment the agent sets plus BERTH_* (`berth executor --help` lists every variable)")
    // Marathon appends the app's command words to the executor's command line; the task's command is read from
    // ExecutorInfo instead, so extra words are accepted and ignored.
    .allowExcessArguments(true)
    .allowUnknownOption(true)
    .action(async () => {
      process.exitCode = await executorCommand();
    });

  program
    .command("dev")
    .description("run a Marathon app definition locally: a built-in Mesos agent launches it through `berth executor`")
    .argument("<app.json>", "Marathon app definition (README: what berth dev does with each field)")
    .option("--encoding <json|protobuf>", "wire encoding between the executor and the built-in agent", "json")
    .option("--stop-after <seconds>", "kill the task gracefully after this many seconds")
    .option(
      "--executor-env <NAME=VALUE>",
      "a setting for the executor, as the agent's --executor_environment_variables (repeatable), e.g. BERTH_HAPROXY_SOCKET=/run/haproxy/admin.sock",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--haproxy", "start a local HAProxy (/usr/sbin/haproxy) with the backend(s) of the app's berth.haproxy.backend label and register the task in it")
    .option("--haproxy-port <port>", "the local HAProxy's frontend port on 127.0.0.1 (default: a free one; implies --haproxy)")
    .option("--instances <n>", "run N instances at once (default: the app's instances, else 1); r (on a terminal) or SIGUSR2 restarts them one by one per upgradeStrategy")
    .option("--executor <path>", "run this executor program instead of Berth's bin/berth-executor (to compare, or for an executor being written)")
    .option("--logs", "show the task's lines as the log pipeline ships them (parsed and enriched), from a local json_lines sink")
    // Usage errors exit 2, as bad app definitions do (and as berth run's do).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (appPath: string, options: { encoding: string; stopAfter?: string; executorEnv?: string[]; haproxy?: boolean; haproxyPort?: string; instances?: string; executor?: string; logs?: boolean }) => {
      const { devCommand } = await import("./devCommand.js");
      process.exitCode = await devCommand(appPath, options);
    });

  program
    .command("run")
    .description("run a command under Berth's lifecycle without Mesos (hooks, health checks, graceful kill)")
    .usage("[--config FILE] [--name NAME] -- CMD [ARGS...]")
    .argument("<cmd...>", "the command and its arguments, after --; run without a shell")
    .option("--config <file>", "JSON config: env, killGracePeriodSeconds, stopSignal, drainSeconds, checks, hooks")
    .option("--name <name>", "task name for messages and hooks (default: the config's name, else the program's)")
    .addHelpText("after", runHelp)
    // Usage errors exit 2 (as config errors do), so that a supervisor can tell them from the task's own codes.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (cmd: string[], options: { config?: string; name?: string }) => {
      const { runCommand } = await import("./runCommand.js");
      process.exitCode = await runCommand(cmd, options);
    });

  await program.parseAsync(argv);
}

// The executor path skips the CLI parser: every millisecond and megabyte of an executor is paid once per task. Its
// --help and --version (and `berth help executor`) are handled by hand, before anything of the executor runs.
const [command, ...rest] = process.argv.slice(2);
const executorRequest = command === "executor" ? executorInfoRequest(rest, process.env) : command === "help" && rest.length === 1 && rest[0] === "executor" ? "help" : undefined;
if (executorRequest !== undefined) process.stdout.write(await executorInfo(executorRequest));
else if (command === "executor") process.exitCode = await executorCommand();
else await runCli(process.argv);
