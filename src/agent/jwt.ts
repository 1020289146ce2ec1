// HS256 JSON Web Tokens, as the agent mints for executors with --authenticate_http_executors and checks with
// libprocess's JWTAuthenticator (3rdparty/libprocess/src/jwt_authenticator.cpp).
import { createHmac, timingSafeEqual } from "node:crypto";

const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

function sign(input: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(input).digest();
}

export function signJwt(claims: Readonly<Record<string, string>>, secret: string): string {
  const input = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign(input, secret))}`;
}

export type JwtResult = { ok: true; claims: Record<string, string> } | { ok: false; error: string };

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies an HS256 token; claims that are not strings are stringified as JSON, like libprocess does. */
export function verifyJwt(token: string, secret: string): JwtResult {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, error: "Expected 3 components in token, got " + parts.length };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonObject(headerPart);
  if (!header) return { ok: false, error: "Failed to decode token header" };
  if (header["alg"] !== "HS256") return { ok: false, error: `Unsupported token algorithm: ${String(header["alg"])}` };
  const payload = decodeJsonObject(payloadPart);
  if (!payload) return { ok: false, error: "Failed to decode token payload" };
  const expected = sign(`${headerPart}.${payloadPart}`, secret);
  const actual = Buffer.from(signaturePart, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, error: "Token signature does not match" };
  }
  const claims: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) claims[key] = typeof value === "string" ? value : JSON.stringify(value);
  return { ok: true, claims };
}
