// A small client for HAProxy's Runtime API (the "stats socket" CLI, management guide §9.3), over a unix socket or
// TCP. One command per connection: HAProxy answers a non-interactive command and closes, so an answer is everything
// read until the close — no framing to get wrong, no session state to lose when HAProxy reloads. Every call is
// bounded by an AbortSignal. HAProxy answers errors as plain text with no status, so each command's answer is
// checked against the text it gives on success (verified on 2.6.12) and anything else becomes a typed error.
import { connect, type Socket } from "node:net";
import { BerthError } from "../../berthError.js";

/** Where the Runtime API listens: a unix socket path (absolute) or a TCP host and port. */
export type RuntimeApiAddress = { readonly path: string } | { readonly host: string; readonly port: number };

/**
 * Parses `BERTH_HAPROXY_SOCKET`: an absolute path (`/run/haproxy/admin.sock`, `unix@` prefix allowed as HAProxy
 * writes it) or `host:port` (`127.0.0.1:9999`, `[::1]:9999`, `ipv4@…` prefix allowed). Undefined when invalid.
 */
export function parseRuntimeApiAddress(text: string): RuntimeApiAddress | undefined {
  let value = text.trim();
  if (value.startsWith("unix@")) value = value.slice(5);
  if (value.startsWith("/")) return value.includes("\0") ? undefined : { path: value };
  value = value.replace(/^ipv[46]@/, "");
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!(port >= 1 && port <= 65535)) return undefined;
  return { host: (match[1] ?? match[2]) as string, port };
}

export function describeAddress(address: RuntimeApiAddress): string {
  return "path" in address ? address.path : `${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
}

export type HaproxyErrorKind =
  /** The unix socket does not exist (ENOENT), or the path is not a socket. */
  | "socket-missing"
  /** Nothing listens there (ECONNREFUSED), or permission denied. */
  | "unreachable"
  /** The signal ended the call (deadline). */
  | "aborted"
  | "no-such-backend"
  | "no-such-server"
  | "server-exists"
  /** `add server` on a backend whose balance algorithm is static (static-rr, first, consistent hash…). */
  | "static-backend"
  /** `del server` refused: not in maintenance yet, or still has connections / a queue. Retry. */
  | "server-busy"
  /** The socket's level is below admin. */
  | "permission"
  /** Any other answer than the command's success answer. */
  | "command-failed"
  /** An answer that does not parse. */
  | "bad-answer";

/** An HAProxy Runtime API failure (code HAPROXY_<KIND>); the message names the socket and the command. */
export class HaproxyError extends BerthError {
  readonly kind: HaproxyErrorKind;
  /** HAProxy's own answer, when it gave one. */
  readonly answer: string | undefined;

  constructor(kind: HaproxyErrorKind, message: string, options?: { cause?: unknown; answer?: string }) {
    super(`HAPROXY_${kind.toUpperCase().replaceAll("-", "_")}`, message, options);
    this.kind = kind;
    this.answer = options?.answer;
  }
}

/** A server's line of `show servers state <backend>` (the fields Berth uses). */
export interface ServerState {
  readonly backend: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly operationalState: number;
  /** srv_admin_state bit field: 0x01 forced maintenance, 0x08 forced drain (see the management guide). */
  readonly adminState: number;
  readonly weight: number;
}

/** A server's line of `show stat` (the fields Berth uses). */
export interface ServerStat {
  readonly backend: string;
  readonly name: string;
  /** Current sessions. */
  readonly scur: number;
  /** Queued requests. */
  readonly qcur: number;
  /** UP, DOWN, MAINT, DRAIN, NOLB… (as HAProxy prints it). */
  readonly status: string;
}

/** Server names HAProxy accepts (2.6: letters, digits, '-', '_', '.', ':'). */
export const SERVER_NAME = /^[A-Za-z0-9_.:-]+$/;
/** Backend names HAProxy accepts (the same character set as proxies). */
export const BACKEND_NAME = /^[A-Za-z0-9_.:-]+$/;

/** The longest answer read; `show stat` of a large configuration is big, but not this big. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export class RuntimeApi {
  readonly address: RuntimeApiAddress;
  readonly where: string;

  constructor(address: RuntimeApiAddress) {
    this.address = address;
    this.where = `HAProxy socket ${describeAddress(address)}`;
  }

  /** Sends one command (one line, no newline or ';' in it) and returns HAProxy's whole answer. */
  command(line: string, signal: AbortSignal): Promise<string> {
    // The CLI splits commands on ';' and lines on '\n': names are validated before, this is a backstop.
    if (/[\n\r;\0]/.test(line)) return Promise.reject(new HaproxyError("command-failed", `refusing to send a command with a newline, ';' or NUL to the ${this.where}`));
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) {
        reject(this.abortError(line, signal));
        return;
      }
      const socket: Socket = "path" in this.address ? connect({ path: this.address.path }) : connect({ host: this.address.host, port: this.address.port });
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (error: Error | undefined, answer?: string): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        socket.destroy();
        if (error) reject(error);
        else resolve(answer as string);
      };
      const onAbort = (): void => finish(this.abortError(line, signal));
      signal.addEventListener("abort", onAbort, { once: true });
      socket.on("connect", () => socket.end(`${line}\n`));
      socket.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) finish(new HaproxyError("bad-answer", `${this.where} answered more than ${MAX_ANSWER_BYTES} bytes to ${JSON.stringify(verb(line))}`));
        else chunks.push(chunk);
      });
      socket.on("end", () => finish(undefined, Buffer.concat(chunks).toString("utf8")));
      socket.on("error", (error: NodeJS.ErrnoException) => finish(this.connectError(error, line)));
    });
  }

  /** `show servers state <backend>`: the backend's servers. */
  async serversState(backend: string, signal: AbortSignal): Promise<ServerState[]> {
    checkName("backend", backend);
    const answer = await this.command(`show servers state ${backend}`, signal);
    const lines = answer.split("\n").filter((l) => l.trim() !== "");
    if (lines[0]?.trim() !== "1" || !lines[1]?.startsWith("# ")) {
      throw this.answerError(answer, `show servers state ${backend}`, { backend });
    }
    const header = lines[1].slice(2).trim().split(/\s+/);
    const at = (name: string): number => header.indexOf(name);
    const idx = { be: at("be_name"), name: at("srv_name"), addr: at("srv_addr"), op: at("srv_op_state"), admin: at("srv_admin_state"), weight: at("srv_uweight"), port: at("srv_port") };
    if (Object.values(idx).some((i) => i < 0)) throw new HaproxyError("bad-answer", `${this.where}: unexpected "show servers state" header: ${lines[1]}`);
    return lines.slice(2).map((l) => {
      const f = l.trim().split(/\s+/);
      return {
        backend: f[idx.be] ?? "",
        name: f[idx.name] ?? "",
        address: f[idx.addr] ?? "",
        port: Number(f[idx.port]),
        operationalState: Number(f[idx.op]),
        adminState: Number(f[idx.admin]),
        weight: Number(f[idx.weight]),
      };
    });
  }

  /** The server's `show stat` line, or undefined when the backend has no such server. */
  async serverStat(backend: string, server: string, signal: AbortSignal): Promise<ServerStat | undefined> {
    checkName("backend", backend);
    checkName("server", server);
    // `show stat <proxy> <type> <sid>`: type 4 = servers, -1 = all of them (a name is accepted for the proxy).
    const answer = await this.command(`show stat ${backend} 4 -1`, signal);
    return parseStatCsv(answer, this.where).find((s) => s.backend === backend && s.name === server);
  }

  /**
   * `add server <backend>/<server> <address> [weight N] [check inter MS]`; the server starts in maintenance
   * (HAProxy adds dynamic servers so). `default-server` lines do not apply to dynamic servers.
   */
  async addServer(backend: string, server: string, address: string, options: { weight?: number; check?: boolean; checkIntervalMs?: number }, signal: AbortSignal): Promise<void> {
    checkName("backend", backend);
    checkName("server", server);
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(address)) throw new HaproxyError("command-failed", `not an address HAProxy can take: ${JSON.stringify(address)}`);
    let line = `add server ${backend}/${server} ${address}`;
    if (options.weight !== undefined) line += ` weight ${Math.trunc(options.weight)}`;
    if (options.check) line += ` check inter ${Math.max(1, Math.trunc(options.checkIntervalMs ?? 2000))}`;
    await this.expect(line, "New server registered.", { backend, server }, signal);
  }

  /** `enable server`: out of maintenance. */
  async enableServer(backend: string, server: string, signal: AbortSignal): Promise<void> {
    return this.serverCommand("enable server", backend, server, signal);
  }

  /** `enable health`: starts the checks of a server added with `check`. */
  async enableHealth(backend: string, server: string, signal: AbortSignal): Promise<void> {
    return this.serverCommand("enable health", backend, server, signal);
  }

  /** `set server <backend>/<server> state ready|drain|maint`. */
  async setState(backend: string, server: string, state: "ready" | "drain" | "maint", signal: AbortSignal): Promise<void> {
    checkName("backend", backend);
    checkName("server", server);
    return this.expect(`set server ${backend}/${server} state ${state}`, "", { backend, server }, signal);
  }

  /** `del server`: refused (kind server-busy) until the server is in maintenance with no connection and no queue. */
  async deleteServer(backend: string, server: string, signal: AbortSignal): Promise<void> {
    checkName("backend", backend);
    checkName("server", server);
    return this.expect(`del server ${backend}/${server}`, "Server deleted.", { backend, server }, signal);
  }

  private async serverCommand(verbText: string, backend: string, server: string, signal: AbortSignal): Promise<void> {
    checkName("backend", backend);
    checkName("server", server);
    return this.expect(`${verbText} ${backend}/${server}`, "", { backend, server }, signal);
  }

  private async expect(line: string, success: string, about: { backend?: string; server?: string }, signal: AbortSignal): Promise<void> {
    const answer = await this.command(line, signal);
    if (answer.trim() !== success) throw this.answerError(answer, line, about);
  }

  /** A typed error from one of HAProxy's error answers. */
  private answerError(answer: string, line: string, about: { backend?: string; server?: string }): HaproxyError {
    const text = answer.trim();
    const what = about.server !== undefined ? `server ${about.backend}/${about.server}` : `backend ${about.backend}`;
    const shown = text === "" ? "an empty answer" : JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
    const kind: HaproxyErrorKind = /No such backend|Can't find backend/i.test(text)
      ? "no-such-backend"
      : /No such server/i.test(text)
        ? "no-such-server"
        : /Already exists a server/i.test(text)
          ? "server-exists"
          : /dynamic load balancing/i.test(text)
            ? "static-backend"
            : /Only servers in maintenance|still has connections|has (?:queued|pending)|cannot remove/i.test(text)
              ? "server-busy"
              : /Permission denied|Access denied/i.test(text)
                ? "permission"
                : "command-failed";
    const explained: Partial<Record<HaproxyErrorKind, string>> = {
      "no-such-backend": `HAProxy has no backend ${about.backend}`,
      "no-such-server": `HAProxy has no server ${about.backend}/${about.server}`,
      "static-backend": `backend ${about.backend} uses a static balance algorithm (e.g. static-rr): servers cannot be added at run time; use a dynamic one such as roundrobin or leastconn`,
      permission: `the ${this.where} needs "level admin" to change servers`,
    };
    const reason = explained[kind] ?? `${what}: HAProxy answered ${shown}`;
    return new HaproxyError(kind, `${reason} (${JSON.stringify(verb(line))} on the ${this.where}${explained[kind] ? `, answer ${shown}` : ""})`, { answer: text });
  }

  private connectError(error: NodeJS.ErrnoException, line: string): HaproxyError {
    const code = error.code ?? "";
    const kind: HaproxyErrorKind = code === "ENOENT" || code === "ENOTSOCK" || code === "ENOTDIR" ? "socket-missing" : "unreachable";
    const reason = kind === "socket-missing" ? `no HAProxy socket at ${describeAddress(this.address)}` : `cannot reach the ${this.where}`;
    return new HaproxyError(kind, `${reason} (${code || error.message}; command ${JSON.stringify(verb(line))})`, { cause: error });
  }

  private abortError(line: string, signal: AbortSignal): HaproxyError {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "aborted");
    return new HaproxyError("aborted", `${JSON.stringify(verb(line))} on the ${this.where} did not finish: ${reason}`, { cause: signal.reason });
  }
}

/** The servers of a `show stat` CSV answer (frontend and backend lines left out). */
export function parseStatCsv(answer: string, where = "HAProxy"): ServerStat[] {
  const lines = answer.split("\n").filter((l) => l.trim() !== "");
  const headerLine = lines[0];
  if (!headerLine?.startsWith("# ")) throw new HaproxyError("bad-answer", `${where}: "show stat" did not answer CSV: ${JSON.stringify(answer.slice(0, 200))}`, { answer });
  const header = headerLine.slice(2).split(",");
  const at = (name: string): number => header.indexOf(name);
  const idx = { pxname: at("pxname"), svname: at("svname"), scur: at("scur"), qcur: at("qcur"), status: at("status") };
  if (Object.values(idx).some((i) => i < 0)) throw new HaproxyError("bad-answer", `${where}: "show stat" header lacks pxname, svname, scur, qcur or status`, { answer });
  const servers: ServerStat[] = [];
  for (const line of lines.slice(1)) {
    // Names cannot hold commas (HAProxy's character set), and the fields Berth reads come before any free text.
    const f = line.split(",");
    const name = f[idx.svname] ?? "";
    if (name === "FRONTEND" || name === "BACKEND") continue;
    const number = (i: number): number => (f[i] === undefined || f[i] === "" ? 0 : Number(f[i]));
    servers.push({ backend: f[idx.pxname] ?? "", name, scur: number(idx.scur), qcur: number(idx.qcur), status: f[idx.status] ?? "" });
  }
  return servers;
}

function checkName(what: "backend" | "server", name: string): void {
  if (!(what === "backend" ? BACKEND_NAME : SERVER_NAME).test(name)) {
    throw new HaproxyError("command-failed", `${JSON.stringify(name)} is not a valid HAProxy ${what} name (letters, digits, '-', '_', '.', ':')`);
  }
}

/** A command without its arguments beyond the names, for messages. */
function verb(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
