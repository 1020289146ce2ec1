// A test double of a Consul agent's HTTP API (Consul cannot be installed here). It implements only what Berth uses,
// with Consul's documented status codes and JSON shapes (developer.hashicorp.com/consul/api-docs; messages as in
// agent/agent_endpoint.go):
//   PUT /v1/agent/service/register            200, empty body; 400 "Request decode failed: …", "Missing service name",
//                                             "Invalid service address", "Invalid check: …", "Status for checks must …"
//   PUT /v1/agent/service/deregister/:id      200; 404 `Unknown service ID "x". Ensure that the service ID is passed,
//                                             not the service name.`
//   GET /v1/health/service/:name[?passing][&index=N&wait=D]
//                                             200, [{Node, Service, Checks}], X-Consul-Index; blocking queries
//   ACL (optional required token, X-Consul-Token / ?token= / Authorization: Bearer): 403 "ACL not found" for an
//   unknown token, 403 "Permission denied: anonymous token lacks permission …" without one.
// It is stricter than Consul in one way, on purpose: an unknown field in a registration is a 400 (Consul ignores it),
// so that a misspelt field in Berth's body shows. Consul runs no checks here: a test sets check statuses.
// Catalog lag: a real agent deregisters locally at once, but /v1/health reads the servers' catalog, which anti-entropy
// updates a little later. `catalogLag` keeps deregistered instances in the health answers ("manual": until
// syncCatalog(); a number: for that many ms). Faults per endpoint: delay, hang, an error status, a reset connection.
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export type ConsulDoubleEndpoint = "register" | "deregister" | "health";

export type ConsulDoubleFault =
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "hang" }
  | { readonly kind: "status"; readonly status: number; readonly body?: string }
  | { readonly kind: "reset" };

export interface RecordedConsulRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The token the request carried, if any (X-Consul-Token, ?token= or Authorization: Bearer). */
  readonly token: string | undefined;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** Set once answered. */
  status?: number;
  /** The answer's body (error messages). */
  answer?: string;
}

export interface ConsulDoubleOptions {
  /** ACL mode: every request must carry this token. */
  readonly requiredToken?: string;
  readonly nodeName?: string;
  /** Serve HTTPS with this certificate (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Listen on this unix socket instead of 127.0.0.1. */
  readonly socketPath?: string;
}

type Status = "passing" | "warning" | "critical";
interface CheckState {
  CheckID: string;
  Name: string;
  Status: Status;
  Type: string;
  Definition: Record<string, unknown>;
}
interface Instance {
  readonly service: {
    ID: string;
    Service: string;
    Tags: string[];
    Address: string;
    Port: number;
    Meta: Record<string, string>;
    EnableTagOverride: boolean;
  };
  checks: CheckState[];
  createIndex: number;
  modifyIndex: number;
  /** Deregistered from the agent, still in the catalog (lag). */
  leaving: boolean;
}

class BadRequest extends Error {}

const SERVICE_FIELDS: Readonly<Record<string, "string" | "strings" | "int" | "bool" | "meta" | "check" | "checks">> = {
  ID: "string",
  Name: "string",
  Tags: "strings",
  Address: "string",
  Port: "int",
  Meta: "meta",
  EnableTagOverride: "bool",
  Check: "check",
  Checks: "checks",
};
const CHECK_FIELDS: Readonly<Record<string, "string" | "duration" | "bool" | "headers">> = {
  CheckID: "string",
  Name: "string",
  Notes: "string",
  HTTP: "string",
  Method: "string",
  Header: "headers",
  TCP: "string",
  TTL: "duration",
  TLSSkipVerify: "bool",
  Interval: "duration",
  Timeout: "duration",
  DeregisterCriticalServiceAfter: "duration",
  Status: "string",
};

const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in ms; undefined when Go would refuse it. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0" || text === "+0" || text === "-0") return 0;
  if (!GO_DURATION.test(text)) return undefined;
  const sign = text.startsWith("-") ? -1 : 1;
  let total = 0;
  for (const [, number, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(number) * (UNIT_MS[unit as string] as number);
  return sign * total;
}

function goType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : typeof value;
}

export class ConsulServerDouble extends EventEmitter {
  readonly requests: RecordedConsulRequest[] = [];
  readonly #server: Server;
  readonly #options: ConsulDoubleOptions;
  readonly #instances = new Map<string, Instance>();
  readonly #faults = new Map<ConsulDoubleEndpoint, ConsulDoubleFault>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #blocked = new Set<() => void>();
  #index = 1;
  #lag: "none" | "manual" | number = "none";
  #port = 0;

  private constructor(options: ConsulDoubleOptions) {
    super();
    this.#options = options;
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    this.#server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  }

  static async start(options: ConsulDoubleOptions = {}): Promise<ConsulServerDouble> {
    const double = new ConsulServerDouble(options);
    await new Promise<void>((resolve, reject) => {
      double.#server.once("error", reject);
      if (options.socketPath !== undefined) double.#server.listen(options.socketPath, () => resolve());
      else double.#server.listen(0, "127.0.0.1", () => resolve());
    });
    if (options.socketPath === undefined) double.#port = (double.#server.address() as AddressInfo).port;
    return double;
  }

  /** As CONSUL_HTTP_ADDR: "127.0.0.1:port", "https://127.0.0.1:port" or "unix:///path". */
  get address(): string {
    if (this.#options.socketPath !== undefined) return `unix://${this.#options.socketPath}`;
    return `${this.#options.tls ? "https://" : ""}127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** The current X-Consul-Index. */
  get index(): number {
    return this.#index;
  }

  /** Makes every later request to `endpoint` misbehave (undefined: behave again). */
  fault(endpoint: ConsulDoubleEndpoint, fault: ConsulDoubleFault | undefined): void {
    if (fault === undefined) this.#faults.delete(endpoint);
    else this.#faults.set(endpoint, fault);
  }

  /** How long deregistered instances stay in the catalog (and so in /v1/health answers). */
  set catalogLag(lag: "none" | "manual" | number) {
    this.#lag = lag;
  }

  /** Anti-entropy: removes every deregistered instance from the catalog now. */
  syncCatalog(): void {
    let changed = false;
    for (const [id, instance] of this.#instances) {
      if (instance.leaving) {
        this.#instances.delete(id);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  /** Sets the status of every check of the instance `serviceId` (what Consul's own checks would do). */
  setCheckStatus(serviceId: string, status: Status): void {
    const instance = this.#instances.get(serviceId);
    if (!instance) throw new Error(`the Consul double has no instance ${serviceId}`);
    for (const check of instance.checks) check.Status = status;
    instance.modifyIndex = this.#changed();
  }

  /** Services registered with the agent (not deregistered), by ID. */
  agentServices(): Map<string, { service: Instance["service"]; checks: readonly CheckState[] }> {
    return new Map([...this.#instances].filter(([, i]) => !i.leaving).map(([id, i]) => [id, { service: i.service, checks: i.checks }]));
  }

  /** Service IDs the catalog still lists (deregistered ones during the lag included). */
  catalogIds(): string[] {
    return [...this.#instances.keys()];
  }

  /** Resolves with a request matching `match` (one already recorded, or the next), rejects after `timeoutMs`. */
  waitForRequest(match: (request: RecordedConsulRequest) => boolean, timeoutMs = 15_000): Promise<RecordedConsulRequest> {
    const found = this.requests.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("request", listener);
        this.off("answered", listener);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for a request to the Consul double; got: ${this.requests.map((r) => `${r.method} ${r.path}`).join(", ")}`));
      }, timeoutMs);
      const listener = (request: RecordedConsulRequest): void => {
        if (!match(request)) return;
        clearTimeout(timer);
        this.off("request", listener);
        this.off("answered", listener);
        resolve(request);
      };
      // Checked when a request arrives and again once it is answered (a match on its status).
      this.on("request", listener);
      this.on("answered", listener);
    });
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const wake of this.#blocked) wake();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #changed(): number {
    this.#index += 1;
    for (const wake of [...this.#blocked]) wake();
    return this.#index;
  }

  #later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://consul");
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      const headerToken = req.headers["x-consul-token"];
      const token = (typeof headerToken === "string" ? headerToken : undefined) ?? url.searchParams.get("token") ?? bearer;
      const record: RecordedConsulRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        token: token === null ? undefined : token,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      this.requests.push(record);
      this.emit("request", record);
      const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
        record.status = status;
        record.answer = body;
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": status === 200 && body !== "" ? "application/json" : "text/plain; charset=utf-8", ...headers });
        res.end(body);
        this.emit("answered", record);
      };
      const endpoint = this.#endpointOf(record);
      const fault = endpoint ? this.#faults.get(endpoint) : undefined;
      const run = (): void => {
        try {
          this.#route(record, endpoint, answer, res);
        } catch (error) {
          if (error instanceof BadRequest) answer(400, error.message);
          else answer(500, (error as Error).message);
        }
      };
      if (!fault) return run();
      switch (fault.kind) {
        case "hang":
          return;
        case "reset":
          req.socket.destroy();
          return;
        case "status":
          return answer(fault.status, fault.body ?? "");
        case "delay":
          return this.#later(run, fault.ms);
      }
    });
  }

  #endpointOf(request: RecordedConsulRequest): ConsulDoubleEndpoint | undefined {
    if (request.path === "/v1/agent/service/register") return "register";
    if (request.path.startsWith("/v1/agent/service/deregister/")) return "deregister";
    if (request.path.startsWith("/v1/health/service/")) return "health";
    return undefined;
  }

  /** ACL: undefined when allowed, else the 403 message. */
  #denied(request: RecordedConsulRequest, permission: string): string | undefined {
    const required = this.#options.requiredToken;
    if (required === undefined) return undefined;
    if (request.token === undefined || request.token === "") return `Permission denied: anonymous token lacks permission '${permission}'`;
    if (request.token !== required) return "ACL not found";
    return undefined;
  }

  #route(
    request: RecordedConsulRequest,
    endpoint: ConsulDoubleEndpoint | undefined,
    answer: (status: number, body: string, headers?: Record<string, string>) => void,
    res: ServerResponse,
  ): void {
    if (endpoint === undefined) return answer(404, "404 page not found\n");
    const method = endpoint === "health" ? "GET" : "PUT";
    if (request.method !== method) return answer(405, `method ${request.method} not allowed`);
    if (endpoint === "register") {
      const service = this.#parseRegistration(request.body);
      const denied = this.#denied(request, `service:write on "${service.Name}"`);
      if (denied) return answer(403, denied);
      this.#register(service);
      return answer(200, "");
    }
    if (endpoint === "deregister") {
      const id = decodeURIComponent(request.path.slice("/v1/agent/service/deregister/".length));
      const instance = this.#instances.get(id);
      const denied = this.#denied(request, `service:write on "${instance?.service.Service ?? id}"`);
      if (denied) return answer(403, denied);
      if (!instance || instance.leaving) return answer(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
      this.#deregister(id, instance);
      return answer(200, "");
    }
    const name = decodeURIComponent(request.path.slice("/v1/health/service/".length));
    if (name === "") return answer(400, "Missing service name");
    const denied = this.#denied(request, `service:read on "${name}"`);
    if (denied) return answer(403, denied);
    this.#health(request, name, answer, res);
  }

  #health(
    request: RecordedConsulRequest,
    name: string,
    answer: (status: number, body: string, headers?: Record<string, string>) => void,
    res: ServerResponse,
  ): void {
    const query = request.query;
    let passing = false;
    if (query.has("passing")) {
      const value = query.get("passing");
      if (value === "" || value === "1" || value === "true") passing = true;
      else if (value !== "0" && value !== "false") return answer(400, `Invalid value for ?passing: ${JSON.stringify(value)}`);
    }
    let index = 0;
    if (query.has("index")) {
      const text = query.get("index") ?? "";
      if (!/^\d+$/.test(text)) return answer(400, "Invalid index");
      index = Number(text);
    }
    let waitMs = 5 * 60_000;
    if (query.has("wait")) {
      const parsed = parseGoDuration(query.get("wait") ?? "");
      if (parsed === undefined || parsed < 0) return answer(400, "Invalid wait time");
      waitMs = Math.min(parsed, 10 * 60_000);
    }
    const reply = (): void => {
      const entries = [...this.#instances.values()]
        .filter((i) => i.service.Service === name)
        .filter((i) => !passing || i.checks.every((c) => c.Status === "passing"))
        .map((i) => this.#entry(i));
      answer(200, JSON.stringify(entries), {
        "x-consul-index": String(this.#index),
        "x-consul-knownleader": "true",
        "x-consul-lastcontact": "0",
      });
    };
    if (index === 0 || index < this.#index) return reply();
    // A blocking query: answer when the index moves or the wait is over.
    const done = (): void => {
      this.#blocked.delete(done);
      clearTimeout(timer);
      this.#timers.delete(timer);
      reply();
    };
    const timer = setTimeout(done, waitMs);
    this.#timers.add(timer);
    this.#blocked.add(done);
    res.on("close", () => {
      if (!res.writableEnded) {
        this.#blocked.delete(done);
        clearTimeout(timer);
        this.#timers.delete(timer);
      }
    });
  }

  #entry(instance: Instance): unknown {
    const node = this.#options.nodeName ?? "berth-test-node";
    return {
      Node: {
        ID: "6a4a9a1e-0000-4000-8000-000000000001",
        Node: node,
        Address: "127.0.0.1",
        Datacenter: "dc1",
        TaggedAddresses: { lan: "127.0.0.1", wan: "127.0.0.1" },
        Meta: {},
        CreateIndex: 1,
        ModifyIndex: 1,
      },
      Service: {
        ...instance.service,
        Weights: { Passing: 1, Warning: 1 },
        CreateIndex: instance.createIndex,
        ModifyIndex: instance.modifyIndex,
      },
      Checks: [
        { Node: node, CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing", Notes: "", Output: "Agent alive and reachable", ServiceID: "", ServiceName: "", ServiceTags: [], Type: "", CreateIndex: 1, ModifyIndex: 1 },
        ...instance.checks.map((c) => ({
          Node: node,
          CheckID: c.CheckID,
          Name: c.Name,
          Status: c.Status,
          Notes: "",
          Output: "",
          ServiceID: instance.service.ID,
          ServiceName: instance.service.Service,
          ServiceTags: instance.service.Tags,
          Type: c.Type,
          CreateIndex: instance.createIndex,
          ModifyIndex: instance.modifyIndex,
        })),
      ],
    };
  }

  #register(service: ParsedService): void {
    const id = service.ID ?? service.Name;
    const existing = this.#instances.get(id);
    const definitions = service.Checks ?? (service.Check ? [service.Check] : []);
    const checks: CheckState[] = definitions.map((definition, i) => ({
      CheckID: (definition.CheckID as string | undefined) ?? (definitions.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`),
      Name: (definition.Name as string | undefined) ?? `Service '${service.Name}' check`,
      // Consul's default for a new check is critical.
      Status: ((definition.Status as Status | undefined) ?? "critical") as Status,
      Type: definition.HTTP !== undefined ? "http" : definition.TCP !== undefined ? "tcp" : "ttl",
      Definition: definition,
    }));
    const index = this.#index + 1;
    this.#instances.set(id, {
      service: {
        ID: id,
        Service: service.Name,
        Tags: service.Tags ?? [],
        Address: service.Address ?? "",
        Port: service.Port ?? 0,
        Meta: service.Meta ?? {},
        EnableTagOverride: service.EnableTagOverride ?? false,
      },
      checks,
      createIndex: existing && !existing.leaving ? existing.createIndex : index,
      modifyIndex: index,
      leaving: false,
    });
    this.#changed();
  }

  #deregister(id: string, instance: Instance): void {
    const lag = this.#lag;
    if (lag === "none") {
      this.#instances.delete(id);
      this.#changed();
      return;
    }
    // Gone from the agent; the catalog (and /v1/health) still lists it, checks unchanged.
    instance.leaving = true;
    if (typeof lag === "number") {
      this.#later(() => {
        if (this.#instances.get(id) === instance) {
          this.#instances.delete(id);
          this.#changed();
        }
      }, lag);
    }
  }

  #parseRegistration(body: string): ParsedService {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw new BadRequest(`Request decode failed: ${(error as Error).message}`);
    }
    if (goType(value) !== "object") throw new BadRequest(`Request decode failed: json: cannot unmarshal ${goType(value)} into Go value of type structs.ServiceDefinition`);
    const object = value as Record<string, unknown>;
    for (const [key, field] of Object.entries(object)) {
      const kind = SERVICE_FIELDS[key];
      if (kind === undefined) throw new BadRequest(`Request decode failed: unknown field ${JSON.stringify(key)} (the Consul double is strict)`);
      if (field === null) continue;
      const where = `ServiceDefinition.${key}`;
      const wrong = (type: string): BadRequest => new BadRequest(`Request decode failed: json: cannot unmarshal ${goType(field)} into Go struct field ${where} of type ${type}`);
      switch (kind) {
        case "string":
          if (typeof field !== "string") throw wrong("string");
          break;
        case "strings":
          if (!Array.isArray(field) || !field.every((t) => typeof t === "string")) throw wrong("[]string");
          break;
        case "int":
          if (typeof field !== "number" || !Number.isInteger(field)) throw wrong("int");
          break;
        case "bool":
          if (typeof field !== "boolean") throw wrong("bool");
          break;
        case "meta":
          if (goType(field) !== "object" || !Object.values(field as object).every((v) => typeof v === "string")) throw wrong("map[string]string");
          break;
        case "check":
          if (goType(field) !== "object") throw wrong("structs.CheckType");
          parseCheck(field as Record<string, unknown>, "ServiceDefinition.Check");
          break;
        case "checks":
          if (!Array.isArray(field) || !field.every((c) => goType(c) === "object")) throw wrong("structs.CheckTypes");
          field.forEach((c: Record<string, unknown>) => parseCheck(c, "ServiceDefinition.Checks"));
          break;
      }
    }
    const service = object as unknown as ParsedService;
    if (!service.Name) throw new BadRequest("Missing service name");
    if (service.Address !== undefined && ["0.0.0.0", "::", "[::]"].includes(service.Address)) throw new BadRequest("Invalid service address");
    if (service.Port !== undefined && (service.Port < 0 || service.Port > 65535)) throw new BadRequest(`Validation failed: invalid port ${service.Port}`);
    for (const check of service.Checks ?? (service.Check ? [service.Check] : [])) validateCheck(check);
    return service;
  }
}

interface ParsedService {
  ID?: string;
  Name: string;
  Tags?: string[];
  Address?: string;
  Port?: number;
  Meta?: Record<string, string>;
  EnableTagOverride?: boolean;
  Check?: Record<string, unknown>;
  Checks?: Record<string, unknown>[];
}

function parseCheck(check: Record<string, unknown>, where: string): void {
  for (const [key, field] of Object.entries(check)) {
    const kind = CHECK_FIELDS[key];
    if (kind === undefined) throw new BadRequest(`Request decode failed: unknown field ${JSON.stringify(key)} in ${where} (the Consul double is strict)`);
    if (field === null) continue;
    const wrong = (type: string): BadRequest => new BadRequest(`Request decode failed: json: cannot unmarshal ${goType(field)} into Go struct field ${where}.${key} of type ${type}`);
    switch (kind) {
      case "string":
        if (typeof field !== "string") throw wrong("string");
        break;
      case "bool":
        if (typeof field !== "boolean") throw wrong("bool");
        break;
      case "headers":
        if (goType(field) !== "object" || !Object.values(field as object).every((v) => Array.isArray(v) && v.every((s) => typeof s === "string"))) throw wrong("map[string][]string");
        break;
      case "duration":
        // Consul takes a Go duration string (or a number of nanoseconds).
        if (typeof field === "number") break;
        if (typeof field !== "string") throw wrong("time.Duration");
        if (parseGoDuration(field) === undefined) throw new BadRequest(`Request decode failed: time: invalid duration ${JSON.stringify(field)}`);
        break;
    }
  }
}

function durationMs(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return value / 1e6;
  return parseGoDuration(value as string) ?? 0;
}

/** Consul's CheckType.Validate and the status check of AgentRegisterService. */
function validateCheck(check: Record<string, unknown>): void {
  const http = check.HTTP as string | undefined;
  const tcp = check.TCP as string | undefined;
  const interval = durationMs(check.Interval);
  const ttl = durationMs(check.TTL);
  const intervalCheck = Boolean(http) || Boolean(tcp);
  if (interval > 0 && ttl > 0) throw new BadRequest("Invalid check: Interval and TTL cannot both be specified");
  if (intervalCheck && interval <= 0) throw new BadRequest("Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks");
  if (!intervalCheck && ttl <= 0) throw new BadRequest("Invalid check: TTL must be > 0 for TTL checks");
  if (http && tcp) throw new BadRequest("Invalid check: HTTP and TCP cannot both be specified (the Consul double is strict)");
  if (http) {
    let url: URL | undefined;
    try {
      url = new URL(http);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw new BadRequest(`Invalid check: HTTP ${JSON.stringify(http)} is not an http(s) URL (the Consul double is strict)`);
  }
  if (tcp && !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(tcp)) throw new BadRequest(`Invalid check: TCP ${JSON.stringify(tcp)} is not host:port (the Consul double is strict)`);
  const status = check.Status;
  if (status !== undefined && status !== "" && !["passing", "warning", "critical"].includes(status as string)) {
    throw new BadRequest("Status for checks must 'passing', 'warning', 'critical'");
  }
}
