// Entry point of the packaged executor: scripts/package.mjs bundles it, with everything it imports, into one
// CommonJS file that both artifacts run (the tarball's berth-executor.cjs under the system's node, and the single
// executable). It always runs `berth executor`: Marathon appends the app's command words to the executor's command
// line, and Berth reads the command from ExecutorInfo, so the arguments are ignored.
import { reexecWithoutTokenInEnvironment } from "../../dist/src/mesos/agentToken.js";

const MIN_NODE_MAJOR = 20;
/** Exit status of a start-up error, as `berth executor` exits on a bad configuration. */
const EXIT_START_ERROR = 2;

const major = Number(process.versions.node.split(".")[0]);
if (!(major >= MIN_NODE_MAJOR)) {
  process.stderr.write(
    `berth-executor: needs Node.js ${MIN_NODE_MAJOR} or later, but ${process.execPath} is ${process.version}; ` +
      `put Node.js >= ${MIN_NODE_MAJOR} first on the agent's PATH, ` +
      "or use the single executable berth-executor-linux-*, which needs nothing installed\n",
  );
  process.exitCode = EXIT_START_ERROR;
} else {
  // First of all, before the executor's modules are even evaluated: a single executable (Node >= 22.15) started with
  // the agent's token in its environment re-execs itself through the hand-over, so the token leaves /proc/<pid>/environ
  // as early as possible. A failure is reported by executorCommand, which tries again.
  reexecWithoutTokenInEnvironment(process.env);
  import("../../dist/src/cli/executorCommand.js")
    .then(({ executorCommand }) => executorCommand())
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        process.stderr.write(`berth-executor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
      },
    );
}
