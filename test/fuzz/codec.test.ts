// Property tests of the executor's codecs (src/mesos/codec.ts), JSON with stout's rules and protobuf: whatever an
// agent sends, decodeEvent returns an Event of the schema's shape or throws a short CodecError — never another
// error, never a message the size of the input — and valid Calls and Events survive a round trip.
//
// Runs: fixed seed and a few hundred cases per property in CI; deeper with BERTH_FUZZ_RUNS=100000 and
// BERTH_FUZZ_SEED=random (see ./fuzzParameters.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CodecError, decodeCall, decodeEvent, encodeCall, encodeEvent, type Encoding } from "../../src/mesos/codec.js";
import { taskInfoToSpec } from "../../src/mesos/taskInfoToSpec.js";
import type { Call, Event, TaskInfo } from "../../src/mesos/types.js";
import { fuzzParameters } from "./fuzzParameters.js";
import { HOSTILE_LEAVES, hostileStrings, messageArbitrary, normalizeBytes, schemaViolations, type Leaves } from "./schemaArbitrary.js";

const ENCODINGS: readonly Encoding[] = ["json", "protobuf"];
/** Longer messages would flood the executor's log with whatever the agent sent. */
const MAX_ERROR_MESSAGE = 2_000;

/** Decodes, and fails unless the result is an Event of the schema's shape or the error a short CodecError. */
function decodeOrCodecError(bytes: Uint8Array, encoding: Encoding): Event | undefined {
  let event: Event;
  try {
    event = decodeEvent(bytes, encoding);
  } catch (error) {
    if (!(error instanceof CodecError)) throw new Error(`decodeEvent threw ${String(error)}, not a CodecError`, { cause: error });
    assert.equal(error.code, "MESOS_CODEC");
    assert.ok(error.message.length <= MAX_ERROR_MESSAGE, `a CodecError message of ${error.message.length} chars: ${error.message.slice(0, 200)}…`);
    return undefined;
  }
  // JSON has no NaN or Infinity (1e400 must not sneak in as one): what is decoded can be encoded again.
  assert.deepEqual(schemaViolations("Event", event, { finiteDoubles: encoding === "json" }), []);
  return event;
}

/** Every TaskInfo of an event (LAUNCH, LAUNCH_GROUP, SUBSCRIBED has none). */
function tasksOf(event: Event): TaskInfo[] {
  return [...(event.launch ? [event.launch.task] : []), ...(event.launch_group?.task_group.tasks ?? [])];
}

/** What the executor does with a decoded LAUNCH: it must never throw (ok with a spec, or problems). */
function executorAccepts(event: Event): void {
  for (const task of tasksOf(event)) {
    const result = taskInfoToSpec(task, { executorInfo: undefined, executorEnv: { PATH: "/usr/bin" }, cwd: "/sandbox", defaultKillGracePeriodMs: 3000 });
    assert.ok(result.ok || result.problems.length > 0);
  }
}

const validEvent = messageArbitrary("Event", { maxDepth: 4 });
const validCall = messageArbitrary("Call", { maxDepth: 4 });

/** Valid encodings with a few bytes flipped, cut, inserted or deleted: reaches deeper than random bytes. */
function mutated(encoding: Encoding): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      validEvent.map((event) => encodeEvent(event as Event, encoding)),
      fc.array(fc.tuple(fc.constantFrom("flip", "cut", "insert", "delete"), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    )
    .map(([bytes, edits]) => {
      let out = Buffer.from(bytes);
      for (const [kind, at, byte] of edits) {
        const i = out.length === 0 ? 0 : at % out.length;
        if (kind === "flip" && out.length > 0) out[i] = byte;
        else if (kind === "cut") out = out.subarray(0, i);
        else if (kind === "insert") out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)]);
        else if (kind === "delete") out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
      }
      return out;
    });
}

for (const encoding of ENCODINGS) {
  test(`${encoding}: arbitrary bytes decode to a well-formed Event or a short CodecError`, () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      mutated(encoding),
      ...(encoding === "json" ? [fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text))] : []),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const event = decodeOrCodecError(input, encoding);
        if (event) executorAccepts(event);
      }),
      fuzzParameters(400),
    );
  });

  test(`${encoding}: a valid Event and a valid Call survive a round trip`, () => {
    fc.assert(
      fc.property(validEvent, validCall, (event, call) => {
        assert.deepStrictEqual(normalizeBytes(decodeEvent(encodeEvent(event as Event, encoding), encoding)), normalizeBytes(event));
        assert.deepStrictEqual(normalizeBytes(decodeCall(encodeCall(call as unknown as Call, encoding), encoding)), normalizeBytes(call));
      }),
      fuzzParameters(200),
    );
  });
}

test("both encodings decode a valid Event to the same object", () => {
  fc.assert(
    fc.property(validEvent, (event) => {
      const viaJson = decodeEvent(encodeEvent(event as Event, "json"), "json");
      const viaProtobuf = decodeEvent(encodeEvent(event as Event, "protobuf"), "protobuf");
      assert.deepStrictEqual(normalizeBytes(viaJson), normalizeBytes(viaProtobuf));
    }),
    fuzzParameters(200),
  );
});

test("JSON with the agent's defaults keeps every field that was set", () => {
  const contains = (outer: unknown, inner: unknown, path: string): void => {
    if (Array.isArray(inner)) {
      assert.ok(Array.isArray(outer) && outer.length === inner.length, path);
      inner.forEach((item, i) => contains(outer[i], item, `${path}[${i}]`));
      return;
    }
    if (typeof inner !== "object" || inner === null || inner instanceof Uint8Array) {
      assert.deepStrictEqual(normalizeBytes(outer), normalizeBytes(inner), path);
      return;
    }
    for (const [key, value] of Object.entries(inner)) contains((outer as Record<string, unknown>)[key], value, `${path}.${key}`);
  };
  fc.assert(
    fc.property(validEvent, (event) => contains(decodeEvent(encodeEvent(event as Event, "json", { withDefaults: true }), "json"), event, "Event")),
    fuzzParameters(200),
  );
});

for (const encoding of ENCODINGS) {
  test(`${encoding}: encoding any typed message gives bytes that decode, or a CodecError`, () => {
    // What a peer decoded from protobuf (NaN and infinite doubles, 64-bit extremes) and re-encodes.
    const event = messageArbitrary("Event", { maxDepth: 4, leaves: { ...HOSTILE_LEAVES, string: hostileStrings(200) } });
    fc.assert(
      fc.property(event, (message) => {
        let bytes: Buffer;
        try {
          bytes = encodeEvent(message as Event, encoding);
        } catch (error) {
          if (!(error instanceof CodecError)) throw new Error(`encodeEvent threw ${String(error)}, not a CodecError`, { cause: error });
          return;
        }
        assert.ok(decodeOrCodecError(bytes, encoding) !== undefined, "encodeEvent wrote bytes that decodeEvent rejects");
      }),
      fuzzParameters(200),
    );
  });
}

/** A JSON text written verbatim (numbers JSON.stringify cannot produce, such as 1e400). */
class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, plus raw texts and duplicate keys (stout and JSON.parse keep the last one). */
function hostileJsonText(value: unknown, duplicate: "none" | "junk-first" | "junk-last", junk: string): string {
  const write = (item: unknown): string => {
    if (item instanceof RawJson) return item.text;
    if (Array.isArray(item)) return `[${item.map(write).join(",")}]`;
    if (typeof item === "object" && item !== null) {
      const members = Object.entries(item).map(([key, member]) => {
        const name = JSON.stringify(key);
        if (duplicate === "junk-first") return `${name}:${junk},${name}:${write(member)}`;
        if (duplicate === "junk-last") return `${name}:${write(member)},${name}:${junk}`;
        return `${name}:${write(member)}`;
      });
      return `{${members.join(",")}}`;
    }
    return JSON.stringify(item) ?? "null";
  };
  return write(value);
}

/** Leaves of the right JSON type but hostile values (huge strings, NUL, edge numbers). */
const hostileJsonLeaves: Partial<Leaves> = { ...HOSTILE_LEAVES, string: hostileStrings(200) };
/** Values of the wrong type or shape for any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileStrings(100),
  fc.constantFrom(new RawJson("1e400"), new RawJson("-1e400"), new RawJson("-0"), new RawJson("1.5"), new RawJson("123456789012345678901234567890"), "NaN", "Infinity", "-1", " 1", "1e3", "0x10", [], {}, true, -1, 2 ** 64),
);

test("JSON: structurally valid but hostile events decode to a well-formed Event the executor handles, or a short CodecError", () => {
  const hostileEvent = messageArbitrary("Event", { form: "json", maxDepth: 5, leaves: hostileJsonLeaves, corrupt: wrongValue });
  fc.assert(
    fc.property(hostileEvent, fc.constantFrom("none", "junk-first", "junk-last") as fc.Arbitrary<"none" | "junk-first" | "junk-last">, fc.json({ maxDepth: 1 }), (event, duplicate, junk) => {
      const decoded = decodeOrCodecError(Buffer.from(hostileJsonText(event, duplicate, junk)), "json");
      if (decoded) executorAccepts(decoded);
    }),
    fuzzParameters(300),
  );
});

/** `value` with its `index`-th number (in document order, if it has that many) written as `text`. */
function replaceNumber(value: unknown, index: number, text: string): unknown {
  let seen = 0;
  const walk = (item: unknown): unknown => {
    if (typeof item === "number") return seen++ === index ? new RawJson(text) : item;
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === "object" && item !== null) return Object.fromEntries(Object.entries(item).map(([key, member]) => [key, walk(member)]));
    return item;
  };
  return walk(value);
}

test("JSON: a number out of any field's range (1e400, -1e400, 1e309) is a CodecError, never Infinity in an Event", () => {
  const event = messageArbitrary("Event", { form: "json", maxDepth: 5 });
  fc.assert(
    fc.property(event, fc.nat({ max: 40 }), fc.constantFrom("1e400", "-1e400", "1e309", "-0", "1.0", "1e2"), (message, index, text) => {
      const decoded = decodeOrCodecError(Buffer.from(hostileJsonText(replaceNumber(message, index, text), "none", "null")), "json");
      if (decoded) executorAccepts(decoded);
    }),
    fuzzParameters(300),
  );
});

/** A SUBSCRIBED event whose ContainerID has `depth` parents (the one recursive message of the schema). */
function nestedContainer(depth: number, encoding: Encoding): Buffer {
  if (encoding === "json") {
    const container = `${'{"value":"c","parent":'.repeat(depth)}{"value":"c"}${"}".repeat(depth)}`;
    return Buffer.from(
      `{"type":"SUBSCRIBED","subscribed":{"executor_info":{"executor_id":{"value":"e"}},"framework_info":{"user":"u","name":"f"},"agent_info":{"hostname":"h"},"container_id":${container}}}`,
    );
  }
  // protobuf: ContainerID { value = "c" (0a 01 63), parent (12 <length> …) }: sizes from the inside out, then bytes.
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
    out.push(n);
    return out;
  };
  const sizes = [3];
  for (let i = 1; i <= depth; i++) sizes.push(4 + varint(sizes[i - 1] as number).length + (sizes[i - 1] as number));
  const bytes: number[] = [];
  for (let i = depth; i >= 1; i--) bytes.push(0x0a, 1, 0x63, 0x12, ...varint(sizes[i - 1] as number));
  bytes.push(0x0a, 1, 0x63);
  const container = Buffer.from(bytes);
  const subscribed = Buffer.concat([
    Buffer.from([0x0a, 5, 0x0a, 3, 0x0a, 1, 0x65]), // executor_info { executor_id { value "e" } }
    Buffer.from([0x12, 6, 0x0a, 1, 0x75, 0x12, 1, 0x66]), // framework_info { user "u" name "f" }
    Buffer.from([0x1a, 3, 0x0a, 1, 0x68]), // agent_info { hostname "h" }
    Buffer.from([0x22, ...varint(container.length)]),
    container,
  ]);
  return Buffer.concat([Buffer.from([0x08, 0x01, 0x12, ...varint(subscribed.length)]), subscribed]);
}

for (const encoding of ENCODINGS) {
  test(`${encoding}: nesting at any depth gives an Event or a CodecError, never a stack overflow`, () => {
    const depth = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 10_000 }));
    fc.assert(
      fc.property(depth, (d) => {
        const event = decodeOrCodecError(nestedContainer(d, encoding), encoding);
        // Mesos nests containers a few levels deep: those must still decode.
        if (d <= 32) assert.ok(event, `a container nested ${d} deep was rejected`);
      }),
      fuzzParameters(40),
    );
  });
}
