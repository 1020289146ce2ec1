// A Vault DOUBLE (Vault cannot be installed here): a real HTTPS server implementing the few documented endpoints
// Berth uses, with Vault's status codes and JSON shapes, and recording what it was asked.
//
//   POST /v1/auth/<mount>/login   TLS certificate auth: needs a client certificate signed by the double's CA
//                                 200 {"auth":{"client_token","accessor","policies","lease_duration","renewable"}}
//                                 400 {"errors":["invalid certificate or no client certificate supplied"]}
//   GET  /v1/<mount>/data/<path>  KV v2 read with X-Vault-Token
//                                 200 {"data":{"data":{…},"metadata":{…}}}, 404 {"errors":[]} (missing path),
//                                 403 {"errors":["permission denied"]} (no, bad, revoked token, or a denied path)
//   POST /v1/auth/token/revoke-self   204, the token is dead from then on; 403 without a valid token
//
// Malformed requests are refused as Vault does: a body that is not a JSON object 400, an unknown path 404
// {"errors":[]}, a wrong method 405 {"errors":[]}.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";

export interface VaultDoubleOptions {
  readonly key: string;
  readonly cert: string;
  /** CA that signs accepted client certificates. */
  readonly clientCa: string;
  /** KV v2 secrets: "<mount>/<path>" → data. */
  readonly secrets?: Record<string, Record<string, unknown>>;
  /** "<mount>/<path>" a valid token may not read (403). */
  readonly denied?: readonly string[];
  /** The auth mount of the cert method (default "cert"). */
  readonly authMount?: string;
  /** KV reads never answer (a hung Vault). */
  readonly hangReads?: boolean;
  /** Answer this status to the next N requests of any kind (5xx to test retries). */
  failNext?: { status: number; count: number };
}

export interface VaultDoubleRecord {
  logins: { role?: string; subject: string; token?: string }[];
  reads: { path: string; token: string; status: number }[];
  revoked: string[];
  /** Tokens issued and not revoked. */
  live: Set<string>;
}

export interface VaultDouble extends VaultDoubleRecord {
  readonly url: string;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body?: unknown): void => {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startVaultDouble(options: VaultDoubleOptions): Promise<VaultDouble> {
  const record: VaultDoubleRecord = { logins: [], reads: [], revoked: [], live: new Set() };
  const authMount = options.authMount ?? "cert";
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const failNext = options.failNext;
    if (failNext && failNext.count > 0) {
      failNext.count--;
      return json(res, failNext.status, { errors: ["the double was told to fail"] });
    }
    const path = new URL(req.url ?? "/", "https://vault").pathname;
    const token = req.headers["x-vault-token"];
    const tokenValid = typeof token === "string" && record.live.has(token);
    let parsedBody: unknown = {};
    if (body !== "") {
      try {
        parsedBody = JSON.parse(body);
      } catch {
        return json(res, 400, { errors: ["failed to parse JSON input"] });
      }
      if (typeof parsedBody !== "object" || parsedBody === null || Array.isArray(parsedBody)) return json(res, 400, { errors: ["failed to parse JSON input: not an object"] });
    }

    if (path === `/v1/auth/${authMount}/login`) {
      if (req.method !== "POST" && req.method !== "PUT") return json(res, 405, { errors: [] });
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      if (!socket.authorized || !peer?.subject) return json(res, 400, { errors: ["invalid certificate or no client certificate supplied"] });
      const name = (parsedBody as { name?: unknown }).name;
      if (name !== undefined && typeof name !== "string") return json(res, 400, { errors: ["name: expected a string"] });
      const clientToken = `hvs.${randomBytes(18).toString("base64url")}`;
      record.live.add(clientToken);
      record.logins.push({ ...(name !== undefined ? { role: name } : {}), subject: String(peer.subject.CN), token: clientToken });
      return json(res, 200, {
        request_id: randomBytes(8).toString("hex"),
        lease_id: "",
        renewable: false,
        lease_duration: 0,
        data: null,
        auth: { client_token: clientToken, accessor: randomBytes(8).toString("hex"), policies: ["default"], token_policies: ["default"], lease_duration: 3600, renewable: true },
      });
    }
    if (path === "/v1/auth/token/revoke-self") {
      if (req.method !== "POST" && req.method !== "PUT") return json(res, 405, { errors: [] });
      if (!tokenValid) return json(res, 403, { errors: ["permission denied"] });
      record.live.delete(token);
      record.revoked.push(token);
      return json(res, 204);
    }
    const kv = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(path);
    if (kv) {
      if (req.method !== "GET") return json(res, 405, { errors: [] });
      if (options.hangReads) return;
      const secretPath = `${decodeURIComponent(kv[1] as string)}/${(kv[2] as string).split("/").map(decodeURIComponent).join("/")}`;
      const reply = (status: number, answer: unknown): void => {
        record.reads.push({ path: secretPath, token: typeof token === "string" ? token : "", status });
        json(res, status, answer);
      };
      if (!tokenValid || options.denied?.includes(secretPath)) return reply(403, { errors: ["permission denied"] });
      const data = options.secrets?.[secretPath];
      if (data === undefined) return reply(404, { errors: [] });
      return reply(200, {
        request_id: randomBytes(8).toString("hex"),
        lease_id: "",
        renewable: false,
        lease_duration: 0,
        data: { data, metadata: { created_time: "2026-01-01T00:00:00.000000Z", custom_metadata: null, deletion_time: "", destroyed: false, version: 1 } },
      });
    }
    return json(res, 404, { errors: [] });
  };

  const server: Server = createServer({ key: options.key, cert: options.cert, ca: options.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(record, {
    url: `https://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
