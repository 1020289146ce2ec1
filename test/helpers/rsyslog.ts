// A real rsyslogd (Debian's 8.2302) for the log shipping tests: its own config, work directory and pid file in a temp
// dir; imtcp (optionally over TLS with the gtls driver) and imrelp on 127.0.0.1 free ports; every message written raw
// (`%rawmsg%`, one per line) to out.log. Started in the foreground (-n) in its own process group, stopped by PID;
// restart() starts it again on the same ports (a receiver outage in the middle of a stream).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/dev/freePort.js";
import { waitFor } from "./waitFor.js";

export const RSYSLOGD_BIN = "/usr/sbin/rsyslogd";

export interface RsyslogTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface RsyslogOptions {
  /** Adds an imtcp input over TLS (gtls driver, server authenticated only: clients need no certificate). */
  readonly tls?: RsyslogTls;
  /** Adds an imrelp input. */
  readonly relp?: boolean;
}

export interface TestRsyslog {
  readonly dir: string;
  /** Plain imtcp (octet-counted or newline-framed). */
  readonly tcpPort: number;
  readonly tlsPort?: number;
  readonly relpPort?: number;
  readonly outFile: string;
  pid(): number | undefined;
  /** The messages written so far (one per line, `%rawmsg%`). */
  lines(): string[];
  /** rsyslogd's own output. */
  log(): string;
  /** SIGTERM (rsyslog's orderly shutdown), SIGKILL after 10 s; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same config and ports; resolves once every input accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
}

function config(dir: string, outFile: string, tcpPort: number, tlsPort: number | undefined, relpPort: number | undefined, options: RsyslogOptions): string {
  const lines = [
    `global(workDirectory="${join(dir, "work")}" maxMessageSize="64k"`,
    ...(options.tls
      ? [`  defaultNetstreamDriverCAFile="${options.tls.caFile}" defaultNetstreamDriverCertFile="${options.tls.certFile}"`,
        `  defaultNetstreamDriverKeyFile="${options.tls.keyFile}"`]
      : []),
    ")",
    // One imtcp module per driver is not possible in 8.2302; the TLS listener takes the driver per input.
    `module(load="imtcp" maxSessions="100")`,
    `input(type="imtcp" address="127.0.0.1" port="${tcpPort}")`,
    ...(tlsPort !== undefined
      ? [`input(type="imtcp" address="127.0.0.1" port="${tlsPort}" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")`]
      : []),
    ...(relpPort !== undefined ? [`module(load="imrelp")`, `input(type="imrelp" address="127.0.0.1" port="${relpPort}")`] : []),
    `template(name="raw" type="string" string="%rawmsg%\\n")`,
    `action(type="omfile" file="${outFile}" template="raw")`,
    "",
  ];
  return lines.join("\n");
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

export async function startRsyslog(options: RsyslogOptions = {}): Promise<TestRsyslog> {
  const dir = mkdtempSync(join(tmpdir(), "berth-rsyslog-"));
  mkdirSync(join(dir, "work"));
  const outFile = join(dir, "out.log");
  // Distinct ports: two calls of freePort can return the same one (then one input cannot bind, and a RELP client
  // would talk to imtcp).
  const taken = new Set<number>();
  const distinctPort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return taken.add(port), port;
    }
  };
  const tcpPort = await distinctPort();
  const tlsPort = options.tls ? await distinctPort() : undefined;
  const relpPort = options.relp ? await distinctPort() : undefined;
  const configFile = join(dir, "rsyslog.conf");
  writeFileSync(configFile, config(dir, outFile, tcpPort, tlsPort, relpPort, options));
  const pidFile = join(dir, "rsyslogd.pid");
  const logFile = join(dir, "rsyslogd.log");
  let child: ChildProcess | undefined;
  let gone: Promise<void> = Promise.resolve();
  let exited = true;

  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const pid = child?.pid;
    if (exited || pid === undefined) return;
    const kill = (s: NodeJS.Signals): void => {
      try {
        process.kill(-pid, s);
      } catch {
        /* already gone */
      }
    };
    kill(signal);
    const timer = setTimeout(() => kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const start = async (): Promise<void> => {
    if (!exited) throw new Error("rsyslogd is already running");
    rmSync(pidFile, { force: true });
    const logBefore = existsSync(logFile) ? readFileSync(logFile, "utf8").length : 0;
    const out = openSync(logFile, "a");
    try {
      child = spawn(RSYSLOGD_BIN, ["-n", "-f", configFile, "-i", pidFile], { stdio: ["ignore", out, out], detached: true });
    } finally {
      closeSync(out);
    }
    exited = false;
    const current = child;
    // rsyslogd runs in its own process group: should this test process die without its after hooks (a test
    // runner's timeout), take the daemon along.
    const killOnExit = (): void => {
      try {
        if (current.pid !== undefined) process.kill(-current.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    };
    process.once("exit", killOnExit);
    gone = new Promise<void>((resolve) => current.once("exit", () => ((exited = true), process.off("exit", killOnExit), resolve())));
    current.once("error", () => undefined);
    const ports = [tcpPort, tlsPort, relpPort].filter((p): p is number => p !== undefined);
    try {
      await waitFor(
        async () => {
          if (exited) throw new Error(`rsyslogd exited: ${readFileSync(logFile, "utf8")}`);
          for (const port of ports) if (!(await accepts(port))) return false;
          return true;
        },
        { what: "rsyslogd's inputs to accept connections", timeoutMs: 20_000 },
      );
      // An input that could not bind its port (taken meanwhile) shows only in rsyslogd's output.
      const output = readFileSync(logFile, "utf8").slice(logBefore);
      if (/could not activate|error while binding|Could not create tcp listener/i.test(output)) throw new Error(`rsyslogd could not open an input: ${output}`);
    } catch (error) {
      await stop("SIGKILL");
      throw error;
    }
  };

  await start();
  return {
    dir,
    tcpPort,
    tlsPort,
    relpPort,
    outFile,
    pid: () => (exited ? undefined : child?.pid),
    lines: () => {
      if (!existsSync(outFile)) return [];
      const text = readFileSync(outFile, "utf8");
      return text === "" ? [] : text.replace(/\n$/, "").split("\n");
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
