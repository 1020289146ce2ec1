// Where the log thread's code comes from: the compiled file beside this module. scripts/package.mjs replaces this
// module in the bundled executor by one that returns the thread's own bundle as source (started with `eval`), since
// a single executable has no file beside it to start a worker from.

export interface LogThreadScript {
  /** `script` is source code, not a file. */
  readonly eval: boolean;
  readonly script: string | URL;
}

export function logThreadScript(): LogThreadScript {
  return { eval: false, script: new URL("./logThreadMain.js", import.meta.url) };
}
