// The official Mesos v1 executor schema, as Debian ships it with mesos-go (golang-github-mesos-mesos-go-dev), and
// the comparisons that hold Berth's own schema subset (src/mesos/mesos.proto) against it.
// Debian's copy is older than Mesos 1.12: what Berth speaks beyond it is declared as a KnownExtension and checked
// to be absent from, and not to collide with, the official schema, so that an official decoder skips it cleanly.
import { existsSync } from "node:fs";
import protobuf from "protobufjs";

export const GOCODE_SRC = "/usr/share/gocode/src";
export const PROTO_INCLUDE = "/usr/include";
export const OFFICIAL_MESOS_PROTO = `${GOCODE_SRC}/github.com/mesos/mesos-go/api/v1/lib/mesos.proto`;
export const OFFICIAL_EXECUTOR_PROTO = `${GOCODE_SRC}/github.com/mesos/mesos-go/api/v1/lib/executor/executor.proto`;
const REQUIRED_FILES: Readonly<Record<string, string>> = {
  [OFFICIAL_MESOS_PROTO]: "golang-github-mesos-mesos-go-dev",
  [OFFICIAL_EXECUTOR_PROTO]: "golang-github-mesos-mesos-go-dev",
  [`${GOCODE_SRC}/github.com/gogo/protobuf/gogoproto/gogo.proto`]: "golang-github-gogo-protobuf-dev",
  [`${PROTO_INCLUDE}/google/protobuf/descriptor.proto`]: "libprotobuf-dev",
};

let cachedOfficial: protobuf.Root | undefined;
/** Loads mesos.proto + executor.proto (packages `mesos`, `mesos.executor`) with their gogoproto imports. */
export function loadOfficialRoot(): protobuf.Root {
  if (cachedOfficial) return cachedOfficial;
  const missing = Object.entries(REQUIRED_FILES).filter(([file]) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `official Mesos schema not installed: ${missing.map(([f, pkg]) => `${f} (apt package ${pkg})`).join(", ")}; ` +
        "run: apt-get install -y --no-install-recommends golang-github-mesos-mesos-go-dev libprotobuf-dev",
    );
  }
  const root = new protobuf.Root();
  // The protos import by GOPATH-relative and protoc-include-relative names; protobufjs only knows relative paths.
  root.resolvePath = (origin, target) => {
    if (target.startsWith("github.com/")) return `${GOCODE_SRC}/${target}`;
    if (target.startsWith("google/protobuf/")) return `${PROTO_INCLUDE}/${target}`;
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync([OFFICIAL_MESOS_PROTO, OFFICIAL_EXECUTOR_PROTO], { keepCase: true });
  root.resolveAll();
  cachedOfficial = root;
  return root;
}

/** Parses a schema text (ours or a mutated copy of it) into a resolved root. */
export function parseSchema(text: string): protobuf.Root {
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  return root;
}

const OUR_PACKAGE = ".berth.mesos.";
/** ".berth.mesos.Call.Update" -> ".mesos.executor.Call.Update"; ".berth.mesos.TaskInfo" -> ".mesos.TaskInfo". */
export function officialFullName(ourFullName: string): string {
  if (!ourFullName.startsWith(OUR_PACKAGE)) throw new Error(`${ourFullName} is not in package berth.mesos`);
  const local = ourFullName.slice(OUR_PACKAGE.length);
  const top = local.split(".")[0];
  return (top === "Call" || top === "Event" ? ".mesos.executor." : ".mesos.") + local;
}

export function officialType(official: protobuf.Root, ourName: string): protobuf.Type {
  const found = official.lookup(officialFullName(`${OUR_PACKAGE}${ourName}`), [protobuf.Type]);
  if (!(found instanceof protobuf.Type)) throw new Error(`official schema has no message for our ${ourName}`);
  return found;
}

/** Something Berth's schema has that Debian's official copy predates (by official full name). */
export type KnownExtension =
  | { kind: "field"; message: string; name: string; id: number; type: string; rule: Label; origin: string }
  | { kind: "enum-value"; enum: string; name: string; id: number; origin: string };

type Label = "required" | "optional" | "repeated";
function labelOf(field: protobuf.Field): Label {
  return field.repeated ? "repeated" : field.required ? "required" : "optional";
}

/** Scalar type name, or the message/enum full name mapped into the official namespace. */
function typeOf(field: protobuf.Field, mapName: (fullName: string) => string): string {
  return field.resolvedType ? mapName(field.resolvedType.fullName) : field.type;
}

function fieldExtension(exts: readonly KnownExtension[], message: string, name: string): KnownExtension | undefined {
  return exts.find((e) => e.kind === "field" && e.message === message && e.name === name);
}
function enumExtension(exts: readonly KnownExtension[], enumName: string, name: string): KnownExtension | undefined {
  return exts.find((e) => e.kind === "enum-value" && e.enum === enumName && e.name === name);
}

/** Every message and enum reachable from the given messages: through field types, nested and enclosing declarations. */
export function reachableTypes(root: protobuf.Root, names: readonly string[]): (protobuf.Type | protobuf.Enum)[] {
  const seen = new Set<protobuf.Type | protobuf.Enum>();
  const queue: (protobuf.Type | protobuf.Enum)[] = names.map((n) => root.lookupType(`${OUR_PACKAGE}${n}`));
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (seen.has(item)) continue;
    seen.add(item);
    // An enclosing message is part of the schema too (Value only encloses Value.Type, Value.Scalar, ...).
    if (item.parent instanceof protobuf.Type) queue.push(item.parent);
    if (item instanceof protobuf.Enum) continue;
    for (const nested of item.nestedArray) {
      if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) queue.push(nested);
    }
    for (const field of item.fieldsArray) {
      if (field.resolvedType instanceof protobuf.Type || field.resolvedType instanceof protobuf.Enum) queue.push(field.resolvedType);
    }
  }
  return [...seen].sort((a, b) => a.fullName.localeCompare(b.fullName));
}

export interface SchemaComparison {
  problems: string[];
  /** Counts, so the test can show it compared something. */
  types: number;
  fields: number;
  enumValues: number;
  /** Extensions our schema actually uses (an unused one is a stale list entry). */
  extensionsUsed: Set<KnownExtension>;
}

/**
 * Structural check of our schema (from Call and Event) against the official one: for every field the same number,
 * type and label (and explicit default, which our JSON encoder emits), for every enum value the same number.
 * Anything of ours missing from the official schema must be a declared KnownExtension.
 */
export function compareSchemas(ours: protobuf.Root, official: protobuf.Root, extensions: readonly KnownExtension[]): SchemaComparison {
  const result: SchemaComparison = { problems: [], types: 0, fields: 0, enumValues: 0, extensionsUsed: new Set() };
  const problem = (text: string): void => void result.problems.push(text);
  for (const ourType of reachableTypes(ours, ["Call", "Event"])) {
    result.types++;
    const name = officialFullName(ourType.fullName);
    const kind = ourType instanceof protobuf.Enum ? protobuf.Enum : protobuf.Type;
    const theirs = official.lookup(name, [kind]);
    if (!theirs) {
      problem(`${ourType.fullName}: no ${kind === protobuf.Enum ? "enum" : "message"} ${name} in the official schema`);
      continue;
    }
    if (ourType instanceof protobuf.Enum && theirs instanceof protobuf.Enum) {
      for (const [valueName, id] of Object.entries(ourType.values)) {
        result.enumValues++;
        const theirId = theirs.values[valueName];
        if (theirId === id) continue;
        const ext = enumExtension(extensions, name, valueName);
        if (theirId === undefined && ext && ext.id === id) result.extensionsUsed.add(ext);
        else if (theirId === undefined) problem(`${name}.${valueName} = ${id}: not in the official enum and not a known extension`);
        else problem(`${name}.${valueName}: number ${id}, official ${theirId}`);
      }
    } else if (ourType instanceof protobuf.Type && theirs instanceof protobuf.Type) {
      for (const field of ourType.fieldsArray) {
        result.fields++;
        const where = `${name}.${field.name}`;
        const ourTypeName = typeOf(field, officialFullName);
        const theirField = theirs.fields[field.name];
        if (!theirField) {
          const ext = fieldExtension(extensions, name, field.name);
          if (!ext || ext.kind !== "field") problem(`${where} = ${field.id}: not in the official message and not a known extension`);
          else if (ext.id !== field.id || ext.type !== ourTypeName || ext.rule !== labelOf(field)) {
            problem(`${where}: known extension declared as ${ext.rule} ${ext.type} = ${ext.id}, ours is ${labelOf(field)} ${ourTypeName} = ${field.id}`);
          } else result.extensionsUsed.add(ext);
          continue;
        }
        if (theirField.id !== field.id) problem(`${where}: field number ${field.id}, official ${theirField.id}`);
        const theirTypeName = typeOf(theirField, (n) => n);
        if (theirTypeName !== ourTypeName) problem(`${where}: type ${ourTypeName}, official ${theirTypeName}`);
        if (labelOf(theirField) !== labelOf(field)) problem(`${where}: label ${labelOf(field)}, official ${labelOf(theirField)}`);
        if (field.repeated && theirField.packed !== field.packed) problem(`${where}: packed=${field.packed}, official packed=${theirField.packed}`);
        const ourDefault: unknown = field.getOption("default");
        const theirDefault: unknown = theirField.getOption("default");
        if (ourDefault !== theirDefault) problem(`${where}: default ${String(ourDefault)}, official ${String(theirDefault)}`);
      }
    } else {
      problem(`${ourType.fullName}: kind differs from official ${name}`);
    }
  }
  return result;
}

/** A known extension must be absent from the official schema and must not reuse an official number or name. */
export function checkExtensions(official: protobuf.Root, extensions: readonly KnownExtension[]): string[] {
  const problems: string[] = [];
  for (const ext of extensions) {
    if (ext.kind === "field") {
      const message = official.lookup(ext.message, [protobuf.Type]);
      if (!(message instanceof protobuf.Type)) {
        problems.push(`extension ${ext.message}.${ext.name}: no official message ${ext.message}`);
        continue;
      }
      if (message.fields[ext.name]) problems.push(`extension ${ext.message}.${ext.name}: the official schema now has it; drop it from the known extensions`);
      const clash = message.fieldsById[ext.id];
      if (clash) problems.push(`extension ${ext.message}.${ext.name} = ${ext.id}: collides with official field ${clash.name} = ${ext.id}`);
      if (message.isReservedId(ext.id) || message.isReservedName(ext.name)) problems.push(`extension ${ext.message}.${ext.name} = ${ext.id}: reserved in the official message`);
    } else {
      const enumType = official.lookup(ext.enum, [protobuf.Enum]);
      if (!(enumType instanceof protobuf.Enum)) {
        problems.push(`extension ${ext.enum}.${ext.name}: no official enum ${ext.enum}`);
        continue;
      }
      if (enumType.values[ext.name] !== undefined) problems.push(`extension ${ext.enum}.${ext.name}: the official schema now has it; drop it from the known extensions`);
      const clash = enumType.valuesById[ext.id];
      if (clash !== undefined) problems.push(`extension ${ext.enum}.${ext.name} = ${ext.id}: collides with official value ${clash} = ${ext.id}`);
      if (enumType.isReservedId(ext.id) || enumType.isReservedName(ext.name)) problems.push(`extension ${ext.enum}.${ext.name} = ${ext.id}: reserved in the official enum`);
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Deep copy with bytes as base64 strings and undefined members dropped: the shape compared everywhere. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(plain);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = plain(item);
    return out;
  }
  return value;
}

/**
 * What a decoder of the official schema can hold of one of our messages (given as our plain object or our JSON):
 * extension fields are unknown fields, and extension enum values are unknown values of a closed proto2 enum;
 * both are dropped. Bytes become base64.
 */
export function officialView(ourType: protobuf.Type, value: unknown, extensions: readonly KnownExtension[]): unknown {
  if (!isRecord(value)) throw new Error(`${ourType.fullName}: expected an object, got ${JSON.stringify(plain(value))}`);
  const messageName = officialFullName(ourType.fullName);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === null) continue;
    const field = ourType.fields[key];
    if (!field) throw new Error(`${ourType.fullName}: our schema has no field ${key}`);
    if (fieldExtension(extensions, messageName, key)) continue;
    const convert = (element: unknown): unknown => {
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Type) return officialView(resolved, element, extensions);
      if (resolved instanceof protobuf.Enum && typeof element === "string" && enumExtension(extensions, officialFullName(resolved.fullName), element)) {
        return undefined;
      }
      return plain(element);
    };
    if (field.repeated) {
      if (!Array.isArray(item)) throw new Error(`${ourType.fullName}.${key}: expected an array`);
      out[key] = item.map(convert).filter((element) => element !== undefined);
    } else {
      const converted = convert(item);
      if (converted !== undefined) out[key] = converted;
    }
  }
  return out;
}

const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks a JSON value against the official message under stout's rules (3rdparty/stout/include/stout/protobuf.hpp):
 * proto field names, enums as names of the official enum, bytes as base64, int64 as JSON numbers, required fields
 * present. Keys of known extension fields and names of known extension enum values are accepted (a Mesos 1.12
 * agent knows them). Returns the problems found, with JSON paths.
 */
export function stoutJsonProblems(type: protobuf.Type, json: unknown, extensions: readonly KnownExtension[], path = type.name): string[] {
  const problems: string[] = [];
  if (!isRecord(json)) return [`${path}: expected a JSON object for ${type.fullName}`];
  for (const field of type.fieldsArray) {
    if (field.required && (json[field.name] === undefined || json[field.name] === null)) problems.push(`${path}.${field.name}: required field missing`);
  }
  for (const [key, value] of Object.entries(json)) {
    const where = `${path}.${key}`;
    const field = type.fields[key];
    if (!field) {
      if (!fieldExtension(extensions, type.fullName, key)) problems.push(`${where}: no field "${key}" in official ${type.fullName}`);
      continue;
    }
    if (value === null) continue; // stout: null means unset
    const check = (element: unknown, at: string): void => {
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Type) {
        problems.push(...stoutJsonProblems(resolved, element, extensions, at));
      } else if (resolved instanceof protobuf.Enum) {
        if (typeof element !== "string") problems.push(`${at}: enum ${resolved.fullName} must be a name string, got ${JSON.stringify(element)}`);
        else if (resolved.values[element] === undefined && !enumExtension(extensions, resolved.fullName, element)) {
          problems.push(`${at}: "${element}" is not a value of official ${resolved.fullName}`);
        }
      } else if (field.type === "bytes") {
        if (typeof element !== "string" || element.length % 4 !== 0 || !BASE64.test(element)) problems.push(`${at}: bytes must be base64, got ${JSON.stringify(element)}`);
      } else if (INT64.has(field.type)) {
        if (typeof element !== "number" || !Number.isSafeInteger(element)) problems.push(`${at}: ${field.type} must be a JSON number, got ${JSON.stringify(element)}`);
      } else if (INT32.has(field.type)) {
        if (typeof element !== "number" || !Number.isInteger(element)) problems.push(`${at}: ${field.type} must be an integer, got ${JSON.stringify(element)}`);
      } else if (field.type === "double" || field.type === "float") {
        if (typeof element !== "number") problems.push(`${at}: ${field.type} must be a number, got ${JSON.stringify(element)}`);
      } else if (field.type === "bool" || field.type === "string") {
        if (typeof element !== (field.type === "bool" ? "boolean" : "string")) problems.push(`${at}: expected ${field.type}, got ${JSON.stringify(element)}`);
      } else {
        problems.push(`${at}: unhandled type ${field.type}`);
      }
    };
    if (field.repeated) {
      if (!Array.isArray(value)) problems.push(`${where}: repeated field must be an array`);
      else value.forEach((element, i) => check(element, `${where}[${i}]`));
    } else {
      check(value, where);
    }
  }
  return problems;
}

/**
 * For JSON written with explicit defaults: every member the plain JSON lacks must be an official field whose
 * official default is exactly the value written.
 */
export function defaultsProblems(type: protobuf.Type, plainJson: unknown, defaultsJson: unknown, path = type.name): string[] {
  if (!isRecord(plainJson) || !isRecord(defaultsJson)) return [`${path}: expected objects`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(defaultsJson)) {
    const field = type.fields[key];
    const where = `${path}.${key}`;
    if (!(key in plainJson)) {
      const theirDefault: unknown = field?.getOption("default");
      if (!field || theirDefault !== value) problems.push(`${where}: default ${JSON.stringify(value)} written, official default ${JSON.stringify(theirDefault)}`);
      continue;
    }
    const resolved = field?.resolvedType;
    if (!(resolved instanceof protobuf.Type)) continue;
    const before = plainJson[key];
    if (Array.isArray(value) && Array.isArray(before)) {
      value.forEach((element, i) => problems.push(...defaultsProblems(resolved, before[i], element, `${where}[${i}]`)));
    } else {
      problems.push(...defaultsProblems(resolved, before, value, where));
    }
  }
  return problems;
}

/** "Type.field" for every field set anywhere in the value (our plain objects): proves the samples are rich. */
export function fieldsUsed(ourType: protobuf.Type, value: unknown, into = new Set<string>()): Set<string> {
  if (!isRecord(value)) return into;
  for (const [key, item] of Object.entries(value)) {
    const field = ourType.fields[key];
    if (!field || item === undefined) continue;
    into.add(`${ourType.fullName}.${key}`);
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      for (const element of Array.isArray(item) ? item : [item]) fieldsUsed(resolved, element, into);
    }
  }
  return into;
}
