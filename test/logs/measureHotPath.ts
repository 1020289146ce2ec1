// Measures the log pipeline's in-process hot path (split → parse → enrich → encode as JSON lines) on 200-byte JSON
// lines, in lines/s on one core. A measuring script, not a test: `node dist/test/logs/measureHotPath.js [lines]`.
// Prints one row per variant; the baseline is JSON.parse + JSON.stringify of the same lines, with no splitting.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeJsonLine } from "../../src/logs/jsonLinesEncoder.js";
import { LogCapture } from "../../src/logs/logCapture.js";
import { STACK_TRACE_CONTINUATION } from "../../src/logs/lineJoiner.js";
import { readStream } from "../../src/logs/readStream.js";
import { SandboxFile } from "../../src/logs/sandboxFile.js";
import { taskLogMetadata } from "../../src/logs/taskLogMetadata.js";
import { encodeLogfmt } from "../../src/logs/logfmtEncoder.js";
import { syslogEncoder } from "../../src/logs/syslogEncoder.js";

const PACED = process.argv[2] === "paced";
const LINES = PACED ? 1 : Number(process.argv[2] ?? 500_000);

function jsonLine(i: number): string {
  const base = `{"time":"2026-11-29T20:39:34.123Z","level":"info","msg":"request served","path":"/api/v1/items/${i % 1000}","status":200,"ms":${i % 97},"user":"u${i % 5000}","pad":"`;
  return `${base}${"x".repeat(Math.max(0, 199 - base.length - 2))}"}`;
}
function textLine(i: number): string {
  const base = `2026-11-29 20:39:34.123 INFO request served path=/api/v1/items/${i % 1000} status=200 `;
  return base + "y".repeat(199 - base.length);
}

function chunks(lines: readonly string[], size: number): Buffer[] {
  const all = Buffer.from(lines.join("\n") + "\n");
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; at += size) out.push(all.subarray(at, at + size));
  return out;
}

const metadata = taskLogMetadata(
  { taskId: "shop_cart.4f1c2d3e-1111-2222-3333-444455556666", executorId: "shop_cart.4f1c2d3e-1111-2222-3333-444455556666", frameworkId: "20261129-000000-0000-0000-0000", appName: "/shop/cart", scId: "1234", agentHost: "agent-7.dc1.example.com" },
  { CLOUD_REGION: "eu-west", CLOUD_AVAILABILITY_ZONE: "eu-west-1a" },
);

function run(name: string, input: Buffer[], lineCount: number, options: { encoder?: (e: import("../../src/logs/logEvent.js").LogEvent) => Buffer; sandbox?: string; multiline?: boolean } = {}): Promise<void> {
  const encode = options.encoder ?? encodeJsonLine;
  let bytesOut = 0;
  const sandboxFile = options.sandbox === undefined ? undefined : new SandboxFile({ path: options.sandbox, maxBytes: 0 });
  const capture = new LogCapture({
    stream: "stdout",
    metadata,
    onEvent: (event) => {
      bytesOut += encode(event).length;
    },
    ...(options.multiline ? { multiline: { pattern: STACK_TRACE_CONTINUATION } } : {}),
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const chunk of input) {
    sandboxFile?.write(chunk);
    capture.push(chunk);
  }
  capture.end();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Per CPU second: the machine is shared, so wall time measures the neighbours too.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const rate = lineCount / (cpuMs / 1000);
  console.log(
    `${name.padEnd(44)} ${Math.round(rate).toLocaleString("en").padStart(11)} lines/cpu-s  ${((lineCount * 200) / 1e6 / (cpuMs / 1000)).toFixed(0).padStart(4)} MB/cpu-s  ${(rate / baselineRate).toFixed(2)}× baseline  cpu ${cpuMs.toFixed(0)} ms / wall ${ms.toFixed(0)} ms  out ${(bytesOut / 1e6).toFixed(0)} MB  events ${capture.counters.events}`,
  );
  return sandboxFile?.close() ?? Promise.resolve();
}

const json = Array.from({ length: LINES }, (_, i) => jsonLine(i));
const text = Array.from({ length: LINES }, (_, i) => textLine(i));
console.log(`line length ${Buffer.byteLength(json[0] as string)} B (JSON), ${Buffer.byteLength(text[0] as string)} B (text); ${LINES} lines per run; node ${process.version}`);

// Baseline: the unavoidable part (parse and stringify each line), no splitting, no metadata.
let baselineRate = 1;
for (let round = 0; round < 2; round++) {
  const cpu0 = process.cpuUsage();
  let n = 0;
  for (const line of json) n += Buffer.from(JSON.stringify(JSON.parse(line))).length;
  const cpu = process.cpuUsage(cpu0);
  baselineRate = LINES / ((cpu.user + cpu.system) / 1e6);
  console.log(`${"baseline Buffer.from(stringify(parse(line)))".padEnd(44)} ${Math.round(baselineRate).toLocaleString("en").padStart(11)} lines/cpu-s  (${n} B)`);
}
const json64k = chunks(json, 65536);
if (!PACED) {
for (let round = 0; round < 2; round++) {
  run("JSON lines, 64 KiB reads → json_lines", json64k, LINES);
}
run("JSON lines, 64 KiB reads → logfmt", json64k, LINES, { encoder: encodeLogfmt });
run("JSON lines, 64 KiB reads → syslog octet", json64k, LINES, { encoder: syslogEncoder({ framing: "octet-counted" }) });
run("text lines, 64 KiB reads → json_lines", chunks(text, 65536), LINES);
run("JSON lines, multiline on → json_lines", json64k, LINES, { multiline: true });
run("JSON lines, one read per line → json_lines", json.map((line) => Buffer.from(`${line}\n`)), LINES);
const dir = mkdtempSync(join(tmpdir(), "berth-hotpath-"));
try {
  await run("JSON lines, 64 KiB reads + sandbox file", json64k, LINES, { sandbox: join(dir, "stdout") });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}

// Paced: a real child writes 10,000 JSON lines/s (a few lines per millisecond, as an app logging per request) for
// 3 s; this process captures them (sandbox file + JSON lines encoding). Its CPU over the wall time is the cost at
// that rate; the baseline reads the same pipe and discards it.
// Run on its own (`… paced`), so that the big arrays above do not make the garbage collector's work part of it.
if (PACED) void import("node:child_process").then(async ({ spawn }) => {
  const writer = `
    const line = ${JSON.stringify(json[0])} + "\\n";
    const start = performance.now(); let written = 0;
    const tick = () => {
      const due = Math.min(30000, Math.floor((performance.now() - start) * 10));
      if (due > written) { process.stdout.write(line.repeat(due - written)); written = due; }
      if (written < 30000) setTimeout(tick, 1); else process.stdout.end();
    };
    tick();`;
  for (const mode of ["pipe only (baseline)", "capture + json_lines", "capture + sandbox file + json_lines", "pipe only (baseline)", "capture + json_lines", "capture + sandbox file + json_lines"] as const) {
    const child = spawn(process.execPath, ["-e", writer], { stdio: ["ignore", "pipe", "inherit"] });
    const dir = mkdtempSync(join(tmpdir(), "berth-paced-"));
    const file = mode === "capture + sandbox file + json_lines" ? new SandboxFile({ path: join(dir, "stdout") }) : undefined;
    let bytesOut = 0;
    const capture = new LogCapture({ stream: "stdout", metadata, onEvent: (event) => (bytesOut += encodeJsonLine(event).length) });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (mode === "pipe only (baseline)") {
      await new Promise<void>((resolve) => {
        child.stdout.on("data", () => undefined);
        child.stdout.once("end", () => resolve());
      });
    } else {
      // As TaskLogs reads a task's pipe: the sandbox file first, then the capture.
      await readStream(child.stdout, (chunk) => {
        file?.write(chunk);
        capture.push(chunk);
      }, { downstream: [file] });
      capture.end();
      await file?.close();
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(`paced 10,000 lines/s for ${(wall / 1000).toFixed(1)} s, ${mode.padEnd(38)} cpu ${cpuMs.toFixed(0)} ms = ${((100 * cpuMs) / wall).toFixed(1)} % of a core  events ${capture.counters.events}  out ${(bytesOut / 1e6).toFixed(1)} MB`);
    rmSync(dir, { recursive: true, force: true });
  }
});
