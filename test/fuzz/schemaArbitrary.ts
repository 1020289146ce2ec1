// fast-check arbitraries of Mesos messages built from Berth's own schema (src/mesos/mesos.proto), so that every
// field the executor may receive is covered, and new fields are fuzzed as soon as the schema has them.
//
// Two forms: "object" is what the codec hands the executor (enums as names, bytes as Uint8Array, int64 as number);
// "json" is what an agent writes (bytes as base64, int64 sometimes as a numeric string), optionally corrupted.
import fc from "fast-check";
import protobuf from "protobufjs/light.js";
import { messageType } from "../../src/mesos/codec.js";

/** One arbitrary per protobuf scalar type. */
export interface Leaves {
  string: fc.Arbitrary<string>;
  bool: fc.Arbitrary<boolean>;
  double: fc.Arbitrary<number>;
  float: fc.Arbitrary<number>;
  int32: fc.Arbitrary<number>;
  uint32: fc.Arbitrary<number>;
  int64: fc.Arbitrary<number>;
  uint64: fc.Arbitrary<number>;
  bytes: fc.Arbitrary<Uint8Array>;
}

const noNegativeZero = (x: number): number => (Object.is(x, -0) ? 0 : x);

/** Values both encodings carry exactly (finite numbers without -0, which JSON cannot tell from 0). */
export const VALID_LEAVES: Leaves = {
  string: fc.string({ unit: "binary", maxLength: 24 }),
  bool: fc.boolean(),
  double: fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero),
  float: fc.float({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  int64: fc.maxSafeInteger(),
  uint64: fc.maxSafeNat(),
  bytes: fc.uint8Array({ maxLength: 24 }),
};

/** Shared, so that huge values cost nothing to generate. */
const HUGE = "x".repeat(256 * 1024);
const HUGE_MULTIBYTE = "✓".repeat(64 * 1024);

/** Strings an attacker or a broken framework might send: NUL, '=', shell syntax, Berth's own prefixes. */
const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.constantFrom(
    "",
    " ",
    "\0",
    "A\0B",
    "=",
    "A=B",
    "__proto__",
    "constructor",
    "$(touch /tmp/berth-fuzz-pwned)",
    "`id`",
    "'; exit 0; '",
    "\n",
    "-1",
    "NaN",
    "Infinity",
    "1e400",
    "0x10",
    "berth.",
    "berth.hook.a.exec",
    "BERTH_MESOS_ENCODING",
    "MESOS_EXECUTOR_AUTHENTICATION_TOKEN",
    "/",
    "//evil.example/",
    "\u{1F600}",
    "\uFFFD",
  ),
);

/** Odd strings, and one in `hugeOneIn` a huge one (a message has dozens of strings: keep the total affordable). */
export function hostileStrings(hugeOneIn = 10): fc.Arbitrary<string> {
  return fc.oneof({ weight: hugeOneIn - 1, arbitrary: oddString }, { weight: 1, arbitrary: fc.constantFrom(HUGE, HUGE_MULTIBYTE) });
}

export const hostileString: fc.Arbitrary<string> = hostileStrings();

const hostileNumber = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }), fc.constantFrom(...[min, max, 0, 1, min + 1, max - 1].filter((n) => n >= min && n <= max)));

/** What the decoders can hand over for each type: the whole range, NaN and infinities for doubles, huge strings. */
export const HOSTILE_LEAVES: Leaves = {
  string: hostileString,
  bool: fc.boolean(),
  double: fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, -1, 1e308, 2 ** 31, 5e-324)),
  float: fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity, -1)),
  int32: hostileNumber(-(2 ** 31), 2 ** 31 - 1),
  // JSON does not hold uint32 fields to their range (protobuf does), so the executor can meet any integer there.
  uint32: fc.oneof(hostileNumber(0, 2 ** 32 - 1), fc.constantFrom(70_000, 2 ** 53, 1e20)),
  int64: fc.oneof(hostileNumber(-(2 ** 63), 2 ** 63), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e20, -1e20)),
  uint64: fc.oneof(hostileNumber(0, 2 ** 64), fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e300)),
  bytes: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.constantFrom(new Uint8Array(0), Buffer.from("{\"cmd\":\"true\"}"), Buffer.from("\0"))),
};

export interface SchemaArbitraryOptions {
  /** Replaces the arbitraries of some scalar types. */
  leaves?: Partial<Leaves>;
  /** Replaces the arbitrary of single fields, by "Message.field" without the package (e.g. "Environment.Variable.name"). */
  fields?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** Messages nested deeper than this get their required fields only (default 4). */
  maxDepth?: number;
  /** Most items of a repeated field (default 3; never 0, which protobuf cannot tell from unset). */
  maxItems?: number;
  form?: "object" | "json";
  /** JSON form only: sometimes (1 in `corruptOneIn`) a field takes one of these values instead, or null. */
  corrupt?: fc.Arbitrary<unknown>;
  corruptOneIn?: number;
}

const PACKAGE = ".berth.mesos.";
const INT_TYPES = new Set(["int32", "sint32", "sfixed32", "uint32", "fixed32", "int64", "sint64", "sfixed64", "uint64", "fixed64"]);

function leafKey(type: string): keyof Leaves {
  switch (type) {
    case "sint32":
    case "sfixed32":
      return "int32";
    case "fixed32":
      return "uint32";
    case "sint64":
    case "sfixed64":
      return "int64";
    case "fixed64":
      return "uint64";
    default:
      return type as keyof Leaves;
  }
}

/** An arbitrary of one schema message (by its name, e.g. "TaskInfo"): every required field, any optional ones. */
export function messageArbitrary(name: string, options: SchemaArbitraryOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const { maxDepth = 4, maxItems = 3, form = "object", fields = {}, corrupt, corruptOneIn = 12 } = options;
  const leaves: Leaves = { ...VALID_LEAVES, ...options.leaves };
  const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

  const scalar = (field: protobuf.Field): fc.Arbitrary<unknown> => {
    const key = leafKey(field.type);
    if (!(key in leaves)) throw new Error(`schemaArbitrary: no arbitrary for type ${field.type}`);
    const arbitrary: fc.Arbitrary<unknown> = leaves[key];
    if (form === "object") return arbitrary;
    if (key === "bytes") return leaves.bytes.map((bytes) => Buffer.from(bytes).toString("base64"));
    // stout accepts 64-bit integers as numbers or numeric strings.
    if (INT_TYPES.has(field.type) && key.endsWith("64")) return fc.oneof(arbitrary, arbitrary.map((n) => String(n)));
    return arbitrary;
  };

  const build = (type: protobuf.Type, depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const cacheKey = `${type.fullName}@${Math.min(depth, maxDepth + 1)}`;
    const cached = cache.get(cacheKey);
    if (cached) return cached;
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    for (const field of type.fieldsArray) {
      if (depth > maxDepth && !field.required) continue;
      const override = fields[`${type.fullName.slice(PACKAGE.length)}.${field.name}`];
      let value: fc.Arbitrary<unknown>;
      if (override) value = override;
      else if (field.resolvedType instanceof protobuf.Enum) value = fc.constantFrom(...Object.keys(field.resolvedType.values));
      else if (field.resolvedType instanceof protobuf.Type) value = build(field.resolvedType, depth + 1);
      else value = scalar(field);
      if (field.repeated && !override) value = fc.array(value, { minLength: 1, maxLength: maxItems });
      if (corrupt && form === "json") {
        value = fc.oneof({ weight: corruptOneIn - 1, arbitrary: value }, { weight: 1, arbitrary: fc.oneof(corrupt, fc.constant(null)) });
      }
      model[field.name] = value;
      if (field.required) required.push(field.name);
    }
    let arbitrary = fc.record(model, { requiredKeys: required, noNullPrototype: true });
    if (corrupt && form === "json") {
      // Unknown keys, which stout ignores.
      arbitrary = fc
        .tuple(arbitrary, fc.option(fc.dictionary(fc.string({ maxLength: 8 }), corrupt, { maxKeys: 2, noNullPrototype: true }), { freq: corruptOneIn }))
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
    cache.set(cacheKey, arbitrary);
    return arbitrary;
  };

  return build(messageType(name), 0);
}

/** The same value with every Uint8Array as a Buffer, so that deepStrictEqual compares contents only. */
export function normalizeBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(normalizeBytes);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalizeBytes(item)]));
  }
  return value;
}

/**
 * Every way `value` differs from what the schema promises for message `name` as the codec hands it out: only known
 * fields, required ones present, enums as known names, integers, bytes as Uint8Array, arrays for repeated fields
 * (and, with `finiteDoubles`, no NaN or infinite double: what JSON can carry).
 */
export function schemaViolations(name: string, value: unknown, { finiteDoubles = false } = {}): string[] {
  const problems: string[] = [];
  const check = (type: protobuf.Type, object: unknown, path: string): void => {
    if (typeof object !== "object" || object === null || Array.isArray(object)) {
      problems.push(`${path}: not an object`);
      return;
    }
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!type.fields[key]) problems.push(`${path}.${key}: not a field of ${type.name}`);
    for (const field of type.fieldsArray) {
      const item = record[field.name];
      const where = `${path}.${field.name}`;
      if (item === undefined) {
        if (field.required) problems.push(`${where}: required field missing`);
        continue;
      }
      if (field.repeated) {
        if (!Array.isArray(item)) problems.push(`${where}: not an array`);
        else item.forEach((element, i) => checkValue(field, element, `${where}[${i}]`));
      } else checkValue(field, item, where);
    }
  };
  const checkValue = (field: protobuf.Field, item: unknown, where: string): void => {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      if (typeof item !== "string" || resolved.values[item] === undefined) problems.push(`${where}: not a ${resolved.name} name: ${String(item)}`);
    } else if (resolved instanceof protobuf.Type) {
      check(resolved, item, where);
    } else if (field.type === "string") {
      if (typeof item !== "string") problems.push(`${where}: not a string`);
    } else if (field.type === "bool") {
      if (typeof item !== "boolean") problems.push(`${where}: not a boolean`);
    } else if (field.type === "bytes") {
      if (!(item instanceof Uint8Array)) problems.push(`${where}: not bytes`);
    } else if (field.type === "double" || field.type === "float") {
      if (typeof item !== "number") problems.push(`${where}: not a number`);
      else if (finiteDoubles && !Number.isFinite(item)) problems.push(`${where}: ${item}`);
    } else if (INT_TYPES.has(field.type)) {
      if (!Number.isInteger(item)) problems.push(`${where}: not an integer: ${String(item)}`);
      else if (field.type.startsWith("u") || field.type.startsWith("fixed")) {
        if ((item as number) < 0) problems.push(`${where}: negative ${field.type}`);
      }
    } else problems.push(`${where}: unexpected type ${field.type}`);
  };
  check(messageType(name), value, name);
  return problems;
}
