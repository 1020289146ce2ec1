// Encodes and decodes executor Calls and Events in both wire encodings of the Mesos v1 executor API.
// JSON follows stout's rules (3rdparty/stout/include/stout/protobuf.hpp): proto field names, enums as NAME strings
// (numbers rejected), bytes as base64, int64 as numbers (numeric strings accepted), null = unset, unknown keys
// ignored, an unknown enum name on an optional field silently dropped, a missing required field rejected, numbers
// beyond a double's range (1e400) rejected.
// The light build has no .proto parser: the build turns mesos.proto into mesos.json (scripts/copy-assets.mjs),
// which saves every executor the parser's load time and memory.
import protobuf from "protobufjs/light.js";
import { BerthError } from "../berthError.js";
import { mesosSchemaJson } from "./mesosSchema.js";
import type { Call, Event } from "./types.js";

export type Encoding = "json" | "protobuf";

/** Content types compared by string equality on the agent: no parameters allowed. */
export const CONTENT_TYPE: Readonly<Record<Encoding, string>> = {
  json: "application/json",
  protobuf: "application/x-protobuf",
};

export function encodingOfContentType(contentType: string | undefined): Encoding | undefined {
  if (contentType === CONTENT_TYPE.json) return "json";
  if (contentType === CONTENT_TYPE.protobuf) return "protobuf";
  return undefined;
}

export class CodecError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MESOS_CODEC", message, options);
  }
}

let cachedRoot: protobuf.Root | undefined;
/** The schema is immutable once loaded, so one load per process is shared by every codec user. */
export function schemaRoot(): protobuf.Root {
  if (!cachedRoot) {
    cachedRoot = protobuf.Root.fromJSON(mesosSchemaJson() as protobuf.INamespace);
    cachedRoot.resolveAll();
  }
  return cachedRoot;
}

export function messageType(name: string): protobuf.Type {
  return schemaRoot().lookupType(`berth.mesos.${name}`);
}

const INT64_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32_TYPES = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Deepest message nesting accepted in JSON: protobuf's own limit (protoc's default recursion limit, protobufjs'
 * Reader.recursionLimit), so that both encodings reject the same events and a deep ContainerID chain cannot overflow
 * the stack.
 */
const MAX_DEPTH = 100;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of an offending value: an error message must not carry megabytes of what the agent sent. */
function describe(value: unknown): string {
  if (typeof value === "string") return value.length <= 64 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 64))}… (${value.length} chars)`;
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

function scalarFromJson(field: protobuf.Field, value: unknown, path: string): unknown {
  const type = field.type;
  const bad = (): never => {
    throw new CodecError(`${path}: expected ${type}, got ${describe(value)}`);
  };
  if (type === "string") return typeof value === "string" ? value : bad();
  if (type === "bool") return typeof value === "boolean" ? value : bad();
  // 1e400 parses to Infinity: stout's picojson refuses such numbers, and JSON could not carry them back.
  if (type === "double" || type === "float") return typeof value === "number" && Number.isFinite(value) ? value : bad();
  if (type === "bytes") {
    if (typeof value !== "string" || value.length % 4 !== 0 || !BASE64.test(value)) return bad();
    return Buffer.from(value, "base64");
  }
  if (INT32_TYPES.has(type) || INT64_TYPES.has(type)) {
    const n = typeof value === "number" ? value : INT64_TYPES.has(type) && typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n)) return bad();
    if (type.startsWith("u") && n < 0) return bad();
    return n;
  }
  return bad();
}

/** Converts one JSON value of `field`; undefined means "drop it" (an unknown enum name on an optional field). */
function fieldFromJson(field: protobuf.Field, value: unknown, path: string, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value !== "string") throw new CodecError(`${path}: enum ${resolved.name} must be a name string, got ${describe(value)}`);
    if (resolved.values[value] === undefined) {
      if (field.required || field.repeated) throw new CodecError(`${path}: unknown ${resolved.name} value ${describe(value)}`);
      return undefined;
    }
    return value;
  }
  if (resolved instanceof protobuf.Type) return objectFromJson(resolved, value, path, depth + 1);
  return scalarFromJson(field, value, path);
}

function objectFromJson(type: protobuf.Type, json: unknown, path: string, depth = 0): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new CodecError(`${path}: messages nested deeper than ${MAX_DEPTH} levels`);
  if (!isPlainObject(json)) throw new CodecError(`${path}: expected a JSON object for ${type.name}`);
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = json[field.name];
    const fieldPath = `${path}.${field.name}`;
    if (value === undefined || value === null) {
      if (field.required) throw new CodecError(`${fieldPath}: missing required field`);
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) throw new CodecError(`${fieldPath}: expected an array`);
      out[field.name] = value
        .map((item, i) => fieldFromJson(field, item, `${fieldPath}[${i}]`, depth))
        .filter((item) => item !== undefined);
      continue;
    }
    const converted = fieldFromJson(field, value, fieldPath, depth);
    if (converted !== undefined) out[field.name] = converted;
  }
  return out;
}

function valueToJson(field: protobuf.Field, value: unknown, withDefaults: boolean): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return typeof value === "number" ? resolved.valuesById[value] : value;
  if (resolved instanceof protobuf.Type) return objectToJson(resolved, value as Record<string, unknown>, withDefaults);
  if (field.type === "bytes") return Buffer.from(value as Uint8Array).toString("base64");
  if (INT64_TYPES.has(field.type)) return Number(value);
  // JSON.stringify would write null, which decodes as unset: refuse instead of sending a different message.
  if (typeof value === "number" && !Number.isFinite(value)) throw new CodecError(`${field.parent?.name ?? ""}.${field.name}: JSON cannot carry ${value}`);
  return value;
}

function objectToJson(type: protobuf.Type, obj: Record<string, unknown>, withDefaults: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = obj[field.name];
    if (value === undefined || value === null) {
      // The agent's JSON also carries unset optional fields that declare an explicit default.
      const explicitDefault: unknown = field.getOption("default");
      if (withDefaults && !field.repeated && explicitDefault !== undefined) out[field.name] = explicitDefault;
      continue;
    }
    out[field.name] = field.repeated
      ? (value as unknown[]).map((item) => valueToJson(field, item, withDefaults))
      : valueToJson(field, value, withDefaults);
  }
  return out;
}

/** Checks the message against the schema (required fields, types) by a protobuf round through protobufjs. */
function toProtobuf(type: protobuf.Type, obj: object): Uint8Array {
  try {
    const message = type.fromObject(obj);
    return type.encode(message).finish();
  } catch (cause) {
    throw new CodecError(`cannot encode ${type.name}: ${(cause as Error).message}`, { cause });
  }
}

function fromProtobuf(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), { enums: String, longs: Number });
  } catch (cause) {
    throw new CodecError(`cannot decode ${type.name} from protobuf: ${(cause as Error).message}`, { cause });
  }
}

export interface EncodeOptions {
  /** Emit unset optional fields that declare an explicit default, as the agent's JSON does. */
  withDefaults?: boolean;
}

/** Encodes any schema message (by its name, e.g. "Call") in the given encoding. */
export function encodeMessage(name: string, obj: object, encoding: Encoding, { withDefaults = false }: EncodeOptions = {}): Buffer {
  const type = messageType(name);
  if (encoding === "protobuf") return Buffer.from(toProtobuf(type, obj));
  // Validate against the schema first so that JSON and protobuf reject the same messages.
  objectFromJson(type, objectToJson(type, obj as Record<string, unknown>, false), name);
  return Buffer.from(JSON.stringify(objectToJson(type, obj as Record<string, unknown>, withDefaults)));
}

/** Decodes any schema message (by its name) from the given encoding. */
export function decodeMessage<T>(name: string, bytes: Uint8Array, encoding: Encoding): T {
  const type = messageType(name);
  if (encoding === "protobuf") return fromProtobuf(type, bytes) as T;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (cause) {
    throw new CodecError(`cannot decode ${name}: invalid JSON`, { cause });
  }
  return objectFromJson(type, json, name) as T;
}

export const encodeCall = (call: Call, encoding: Encoding): Buffer => encodeMessage("Call", call, encoding);
export const decodeCall = (bytes: Uint8Array, encoding: Encoding): Call => decodeMessage<Call>("Call", bytes, encoding);
export const encodeEvent = (event: Event, encoding: Encoding, options?: EncodeOptions): Buffer =>
  encodeMessage("Event", event, encoding, options);
export const decodeEvent = (bytes: Uint8Array, encoding: Encoding): Event => decodeMessage<Event>("Event", bytes, encoding);
