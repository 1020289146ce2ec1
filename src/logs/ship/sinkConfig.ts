// What a log sink is: a plain typed value from the agent's settings (file or environment) or a task's labels, written
// as a URL so that one string says it all: `tcp://logstash:5000`, `udp://host:514?format=syslog`,
// `tls://host:6514?ca=/etc/ssl/ca.pem`, `relp://host:2514`, `file:///var/log/tasks.log`. Validation collects nothing
// silently: each problem is a SinkConfigError with a stable code, naming the option (never echoing a secret path's
// contents, only the path).
import { BerthError } from "../../berthError.js";

export type SinkProtocol = "tcp" | "udp" | "tls" | "relp" | "file";
export type SinkFormat = "json_lines" | "logfmt" | "syslog" | "gelf";
/** How records are delimited on the wire: the encoder adds it (see framingFor). */
export type SinkFraming = "newline" | "octet-counted" | "nul" | "none";

export type SinkConfigErrorCode =
  | "SINK_URL_INVALID"
  | "SINK_PROTOCOL_UNSUPPORTED"
  | "SINK_FORMAT_UNKNOWN"
  | "SINK_FORMAT_UNSUPPORTED"
  | "SINK_HOST_MISSING"
  | "SINK_PORT_INVALID"
  | "SINK_PATH_INVALID"
  | "SINK_OPTION_UNKNOWN"
  | "SINK_OPTION_INVALID"
  | "SINK_TLS_OPTION_WITHOUT_TLS"
  | "SINK_CERT_WITHOUT_KEY"
  | "SINK_NAME_DUPLICATE";

export class SinkConfigError extends BerthError {
  declare readonly code: SinkConfigErrorCode;

  constructor(code: SinkConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface SinkTlsConfig {
  /** PEM CA bundle that verifies the server; the system's CAs when absent. Verification is always on. */
  readonly caFile?: string;
  /** Client certificate and key (PEM), both or neither. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Name checked against the certificate (default: the host). */
  readonly serverName?: string;
}

export interface SinkConfig {
  /** Names the sink in counters and diagnostics (default: protocol://host:port or the path). */
  readonly name: string;
  readonly protocol: SinkProtocol;
  readonly format: SinkFormat;
  /** Network sinks. */
  readonly host?: string;
  readonly port?: number;
  /** File sink: an absolute path. */
  readonly path?: string;
  /** Verified TLS for `tls` (RELP over TLS is not built: TLS options on any other protocol are refused). */
  readonly tls?: SinkTlsConfig;
  /** Memory queue bound in bytes of encoded records. */
  readonly memoryBytes: number;
  /** Disk spool bound in bytes; 0 disables the spool (memory only). */
  readonly spoolBytes: number;
  /** UDP: a larger record is dropped and counted as `oversize`. */
  readonly maxDatagramBytes: number;
  /** How long a resolved address is used before it is looked up again. */
  readonly resolveTtlMs: number;
  /** Reconnect backoff: first delay and cap (exponential with jitter in between). */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly connectTimeoutMs: number;
}

export const SINK_DEFAULTS = {
  memoryBytes: 8 * 1024 * 1024,
  spoolBytes: 256 * 1024 * 1024,
  maxDatagramBytes: 65_507,
  resolveTtlMs: 60_000,
  backoffMinMs: 100,
  backoffMaxMs: 30_000,
  connectTimeoutMs: 10_000,
} as const;

const FORMATS: readonly SinkFormat[] = ["json_lines", "logfmt", "syslog", "gelf"];
const PROTOCOLS: readonly SinkProtocol[] = ["tcp", "udp", "tls", "relp", "file"];
const DEFAULT_FORMAT: Record<SinkProtocol, SinkFormat> = { tcp: "json_lines", udp: "json_lines", tls: "syslog", relp: "syslog", file: "json_lines" };
const NUMBER_OPTIONS = {
  memory: "memoryBytes",
  spool: "spoolBytes",
  max_datagram: "maxDatagramBytes",
  resolve_ttl: "resolveTtlMs",
  backoff_min: "backoffMinMs",
  backoff_max: "backoffMaxMs",
  connect_timeout: "connectTimeoutMs",
} as const;
const TLS_OPTIONS = { ca: "caFile", cert: "certFile", key: "keyFile", servername: "serverName" } as const;
const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { "": 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The framing a sink's encoder must produce: syslog over a stream is octet-counted (RFC 6587), RELP and UDP frame themselves. */
export function framingFor(config: Pick<SinkConfig, "protocol" | "format">): SinkFraming {
  if (config.protocol === "udp" || config.protocol === "relp") return "none";
  if (config.format === "gelf") return "nul"; // GELF over TCP is NUL-delimited
  return config.format === "syslog" ? "octet-counted" : "newline";
}

function parseAmount(option: string, raw: string, units: Record<string, number>): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = match ? units[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new SinkConfigError("SINK_OPTION_INVALID", `sink option ${option}=${JSON.stringify(raw)} is not an amount (units: ${Object.keys(units).filter(Boolean).join(", ")})`);
  }
  const value = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(value)) throw new SinkConfigError("SINK_OPTION_INVALID", `sink option ${option}=${JSON.stringify(raw)} is too large`);
  return value;
}

/**
 * Parses one sink URL. Options (query): format, name, memory, spool (sizes: 512k, 64m, 1g), max_datagram, resolve_ttl,
 * backoff_min, backoff_max, connect_timeout (durations: 500ms, 30s, 5m), and for TLS ca, cert, key, servername.
 */
export function parseSinkUrl(text: string, defaults: Partial<Omit<SinkConfig, "name" | "protocol" | "host" | "port" | "path" | "tls">> = {}): SinkConfig {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch (cause) {
    throw new SinkConfigError("SINK_URL_INVALID", `sink ${JSON.stringify(text)} is not a URL (expected e.g. tcp://host:5000 or file:///path)`, { cause });
  }
  const protocol = url.protocol.replace(/:$/, "") as SinkProtocol;
  if (!PROTOCOLS.includes(protocol)) {
    throw new SinkConfigError("SINK_PROTOCOL_UNSUPPORTED", `sink protocol ${JSON.stringify(protocol)} is not one of ${PROTOCOLS.join(", ")}`);
  }
  if (url.username || url.password) throw new SinkConfigError("SINK_URL_INVALID", "a sink URL carries no user or password");
  const { format: defaultFormat, ...defaultNumbers } = defaults;
  const numbers: Record<string, number> = { ...SINK_DEFAULTS, ...defaultNumbers };
  let format: SinkFormat = defaultFormat ?? DEFAULT_FORMAT[protocol];
  let name: string | undefined;
  const tls: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (key === "format") {
      if (!FORMATS.includes(value as SinkFormat)) throw new SinkConfigError("SINK_FORMAT_UNKNOWN", `sink format ${JSON.stringify(value)} is not one of ${FORMATS.join(", ")}`);
      format = value as SinkFormat;
    } else if (key === "name") {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) throw new SinkConfigError("SINK_OPTION_INVALID", `sink name ${JSON.stringify(value)}: letters, digits, _ . - (at most 64)`);
      name = value;
    } else if (key in NUMBER_OPTIONS) {
      const field = NUMBER_OPTIONS[key as keyof typeof NUMBER_OPTIONS];
      numbers[field] = parseAmount(key, value, field.endsWith("Ms") ? TIME_UNITS : SIZE_UNITS);
    } else if (key in TLS_OPTIONS) {
      if (value === "") throw new SinkConfigError("SINK_OPTION_INVALID", `sink option ${key} is empty`);
      tls[TLS_OPTIONS[key as keyof typeof TLS_OPTIONS]] = value;
    } else {
      throw new SinkConfigError("SINK_OPTION_UNKNOWN", `unknown sink option ${JSON.stringify(key)} (known: format, name, ${[...Object.keys(NUMBER_OPTIONS), ...Object.keys(TLS_OPTIONS)].join(", ")})`);
    }
  }
  if (Object.keys(tls).length > 0 && protocol !== "tls") {
    throw new SinkConfigError("SINK_TLS_OPTION_WITHOUT_TLS", `sink options ${Object.keys(tls).join(", ")} need the tls:// protocol (${protocol}:// is not encrypted)`);
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new SinkConfigError("SINK_CERT_WITHOUT_KEY", "a client certificate needs both cert and key");
  }
  if (protocol === "udp" && format === "gelf") {
    throw new SinkConfigError("SINK_FORMAT_UNSUPPORTED", "GELF over UDP needs chunking, which is not built: use tcp:// for gelf");
  }
  if (numbers.memoryBytes! < 64 * 1024) throw new SinkConfigError("SINK_OPTION_INVALID", "sink option memory must be at least 64k");
  if (numbers.maxDatagramBytes! < 64 || numbers.maxDatagramBytes! > 65_507) throw new SinkConfigError("SINK_OPTION_INVALID", "sink option max_datagram must be within 64..65507");
  if (numbers.backoffMinMs! < 1 || numbers.backoffMaxMs! < numbers.backoffMinMs!) throw new SinkConfigError("SINK_OPTION_INVALID", "sink backoff: need 1 ms ≤ backoff_min ≤ backoff_max");
  if (numbers.connectTimeoutMs! < 1) throw new SinkConfigError("SINK_OPTION_INVALID", "sink option connect_timeout must be positive");
  const common = {
    format,
    memoryBytes: numbers.memoryBytes!,
    spoolBytes: numbers.spoolBytes!,
    maxDatagramBytes: numbers.maxDatagramBytes!,
    resolveTtlMs: numbers.resolveTtlMs!,
    backoffMinMs: numbers.backoffMinMs!,
    backoffMaxMs: numbers.backoffMaxMs!,
    connectTimeoutMs: numbers.connectTimeoutMs!,
  };
  if (protocol === "file") {
    const path = decodeURIComponent(url.pathname);
    if (url.host !== "" || !path.startsWith("/") || path.endsWith("/") || path.includes("\0")) {
      throw new SinkConfigError("SINK_PATH_INVALID", `file sink ${JSON.stringify(text)}: expected file:///absolute/path/to/file`);
    }
    return { name: name ?? `file:${path}`, protocol, path, ...common };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new SinkConfigError("SINK_HOST_MISSING", `sink ${JSON.stringify(text)} names no host`);
  const port = Number(url.port);
  if (url.port === "" || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SinkConfigError("SINK_PORT_INVALID", `sink ${JSON.stringify(text)} needs a port within 1..65535`);
  }
  if (url.pathname !== "" && url.pathname !== "/") throw new SinkConfigError("SINK_URL_INVALID", `sink ${JSON.stringify(text)}: a network sink has no path`);
  return {
    name: name ?? `${protocol}://${url.host}`,
    protocol,
    host,
    port,
    ...(protocol === "tls" ? { tls: tls as SinkTlsConfig } : {}),
    ...common,
  };
}

/** Several sinks, separated by whitespace or newlines (an environment variable or a settings file's list); names must differ. */
export function parseSinkList(text: string, defaults: Parameters<typeof parseSinkUrl>[1] = {}): SinkConfig[] {
  const sinks = text.split(/\s+/).filter(Boolean).map((item) => parseSinkUrl(item, defaults));
  const seen = new Set<string>();
  for (const sink of sinks) {
    if (seen.has(sink.name)) throw new SinkConfigError("SINK_NAME_DUPLICATE", `two sinks are named ${JSON.stringify(sink.name)}: give one a name=… option`);
    seen.add(sink.name);
  }
  return sinks;
}
