// What to execute, as the process layer takes it. It lives here, below core/, because spawning is where it is used;
// core/taskSpec.ts re-exports it for the front ends.

/** `sh -c <script>` (Mesos CommandInfo.shell=true) or a direct exec of `file` with `args` (argv[1..]). */
export type CommandSpec = { kind: "shell"; script: string } | { kind: "argv"; file: string; args: readonly string[] };
