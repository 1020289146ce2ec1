// The executor endpoint, answering in the order of Http::executor (src/slave/http.cpp), preceded by libprocess's
// authentication when executors must authenticate.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CONTENT_TYPE, decodeCall, encodingOfContentType, type Encoding } from "../mesos/codec.js";
import type { Call, TaskStatus } from "../mesos/types.js";
import { acceptsMediaType } from "./acceptsMediaType.js";
import type { AgentPhase, FrameworkRecord } from "./agentContext.js";
import { EventStream } from "./eventStream.js";
import type { ExecutorRun } from "./executorRun.js";
import {
  accepted,
  badRequest,
  forbidden,
  methodNotAllowed,
  notAcceptable,
  notFound,
  notImplemented,
  serviceUnavailable,
  unauthorized,
  unsupportedMediaType,
  writePlain,
  type PlainResponse,
} from "./httpResponses.js";
import { verifyJwt } from "./jwt.js";
import type { CallRecord } from "./records.js";
import { validateCall } from "./validateCall.js";

/** The C++ library builds its URL from MESOS_SLAVE_PID, mesos-go from MESOS_AGENT_ENDPOINT. */
export const EXECUTOR_API_PATHS: readonly string[] = ["/api/v1/executor", "/slave(1)/api/v1/executor"];

/** EXECUTOR_HTTP_AUTHENTICATION_REALM (src/slave/constants.hpp). */
const REALM = "mesos-agent-executor";

export interface RouteContext {
  phase(): AgentPhase;
  /** Secret of executor tokens; undefined when executors need not authenticate. */
  readonly executorSecretKey: string | undefined;
  framework(frameworkId: string): FrameworkRecord | undefined;
  nextSeq(): number;
  now(): number;
  nextStreamId(): number;
  recordCall(record: CallRecord, run: ExecutorRun | undefined): void;
  statusUpdateFromExecutor(caller: ExecutorRun, status: TaskStatus, via: "update"): void;
}

type Claims = Record<string, string>;

type AuthResult = { claims: Claims } | { response: PlainResponse };

/** libprocess JWTAuthenticator: a principal's claims, or the 401 to answer. */
function authenticate(req: IncomingMessage, secret: string): AuthResult {
  const header = req.headers.authorization;
  // Without any credentials the challenge carries no error (RFC 6750 3.1).
  if (header === undefined) return { response: unauthorized(`Bearer realm="${REALM}"`) };
  const invalid = (description: string): AuthResult => ({
    response: unauthorized(`Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`),
  });
  const parts = header.split(" ").filter((part) => part !== "");
  if (parts.length !== 2) return invalid("Malformed 'Authorization' header");
  if (parts[0] !== "Bearer") return invalid(`Scheme '${parts[0]}' unsupported`);
  const jwt = verifyJwt(parts[1] as string, secret);
  if (!jwt.ok) return invalid(`Invalid JWT: ${jwt.error}`);
  if (Object.keys(jwt.claims).length === 0) return invalid("JWT claims missing");
  return { claims: jwt.claims };
}

/** verifyExecutorClaims (src/slave/http.cpp). */
function verifyClaims(claims: Claims, call: Call, containerId: string): string | undefined {
  const principal = JSON.stringify({ claims });
  if (claims["fid"] !== call.framework_id.value) {
    return `Authenticated principal '${principal}' does not contain an 'fid' claim with the framework ID ${call.framework_id.value}, which is set in the call`;
  }
  if (claims["eid"] !== call.executor_id.value) {
    return `Authenticated principal '${principal}' does not contain an 'eid' claim with the executor ID ${call.executor_id.value}, which is set in the call`;
  }
  if (claims["cid"] !== containerId) {
    return `Authenticated principal '${principal}' does not contain a 'cid' claim with the correct active ContainerID`;
  }
  return undefined;
}

function decode(contentType: string | undefined, body: Buffer): { call: Call; encoding: Encoding } | PlainResponse {
  if (contentType === undefined) return badRequest("Expecting 'Content-Type' to be present");
  // String equality, as the agent compares: "application/json; charset=utf-8" is unsupported.
  const encoding = encodingOfContentType(contentType);
  if (encoding === undefined) {
    return unsupportedMediaType(`Expecting 'Content-Type' of ${CONTENT_TYPE.json} or ${CONTENT_TYPE.protobuf}`);
  }
  if (encoding === "protobuf") {
    try {
      return { call: decodeCall(body, "protobuf"), encoding };
    } catch {
      return badRequest("Failed to parse body into Call protobuf");
    }
  }
  try {
    JSON.parse(body.toString("utf8"));
  } catch (error) {
    return badRequest(`Failed to parse body into JSON: ${(error as Error).message}`);
  }
  try {
    return { call: decodeCall(body, "json"), encoding };
  } catch (error) {
    return badRequest(`Failed to convert JSON into Call protobuf: ${(error as Error).message}`);
  }
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] as string;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    req.once("aborted", () => reject(new Error("request aborted")));
  });
}

export function handleExecutorRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  readBody(req).then(
    (body) => {
      try {
        respond(ctx, req, res, body);
      } catch (error) {
        // A bug here must not take the agent down; the peer sees a broken connection.
        process.emitWarning(`local agent: executor request failed: ${(error as Error).stack ?? String(error)}`);
        res.destroy();
      }
    },
    () => res.destroy(),
  );
}

function respond(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const method = req.method ?? "";
  const path = pathOf(req.url);
  const contentType = req.headers["content-type"];
  const accept = req.headers.accept;
  // Filled in as the decision proceeds, so that every answer is recorded with what was known.
  const known: { call?: Call; encoding?: Encoding; run?: ExecutorRun } = {};

  const baseRecord = (): CallRecord => ({
    seq: ctx.nextSeq(),
    at: ctx.now(),
    method,
    path,
    ...(contentType === undefined ? {} : { contentType }),
    ...(accept === undefined ? {} : { accept }),
    ...(known.encoding ? { encoding: known.encoding } : {}),
    ...(known.call ? { call: known.call } : {}),
    status: 0,
    body: "",
  });
  const reply = (response: PlainResponse): void => {
    ctx.recordCall({ ...baseRecord(), status: response.status, body: response.body }, known.run);
    writePlain(res, response);
  };

  if (!EXECUTOR_API_PATHS.includes(path)) return reply(notFound());

  // libprocess authenticates before the route handler runs.
  let claims: Claims | undefined;
  if (ctx.executorSecretKey !== undefined) {
    const result = authenticate(req, ctx.executorSecretKey);
    if ("response" in result) return reply(result.response);
    claims = result.claims;
  }

  // 1. Containerizer recovery not done.
  if (ctx.phase() === "recovering-containers") return reply(serviceUnavailable("Agent has not finished recovery"));
  // 2. Method.
  if (method !== "POST") return reply(methodNotAllowed(["POST"], method));
  // 3. Content type and decoding.
  const decoded = decode(contentType, body);
  if ("status" in decoded) return reply(decoded);
  const { call } = decoded;
  known.call = call;
  known.encoding = decoded.encoding;
  const framework = ctx.framework(call.framework_id.value);
  const run = framework?.executors.get(call.executor_id.value);
  known.run = run;
  // 4. Validation.
  const error = validateCall(call);
  if (error !== undefined) return reply(badRequest(`Failed to validate Executor::Call: ${error}`));
  // 5. Accept negotiation for SUBSCRIBE (JSON first: a missing Accept allows everything); HEARTBEAT before any
  //    lookup, since its IDs may be dummies; other calls wait for the end of recovery.
  let streamEncoding: Encoding | undefined;
  if (call.type === "SUBSCRIBE") {
    if (acceptsMediaType(accept, CONTENT_TYPE.json)) streamEncoding = "json";
    else if (acceptsMediaType(accept, CONTENT_TYPE.protobuf)) streamEncoding = "protobuf";
    else return reply(notAcceptable(`Expecting 'Accept' to allow '${CONTENT_TYPE.protobuf}' or '${CONTENT_TYPE.json}'`));
  } else if (call.type === "HEARTBEAT") {
    return reply(accepted());
  } else if (ctx.phase() === "recovering") {
    return reply(serviceUnavailable("Agent has not finished recovery"));
  }
  // 6. Lookups.
  if (!framework) return reply(badRequest("Framework cannot be found"));
  if (!run) return reply(badRequest("Executor cannot be found"));
  // 7. Claims of an authenticated principal.
  if (claims) {
    const claimError = verifyClaims(claims, call, run.containerId);
    if (claimError !== undefined) return reply(forbidden(claimError));
  }
  // 8. Only SUBSCRIBE before subscription.
  if (run.state === "REGISTERING" && call.type !== "SUBSCRIBE") return reply(forbidden("Executor is not subscribed"));
  // 9. Dispatch.
  switch (call.type) {
    case "SUBSCRIBE": {
      const stream = new EventStream(res, streamEncoding as Encoding, ctx.nextStreamId());
      ctx.recordCall({ ...baseRecord(), status: 200, streamEncoding: stream.encoding, streamId: stream.id }, run);
      run.subscribe(stream, call.subscribe ?? {});
      return;
    }
    case "UPDATE":
      reply(accepted());
      ctx.statusUpdateFromExecutor(run, (call.update as NonNullable<Call["update"]>).status, "update");
      return;
    case "MESSAGE":
      // Forwarded to the scheduler: the call record is all there is to see.
      return reply(accepted());
    default:
      return reply(notImplemented());
  }
}
