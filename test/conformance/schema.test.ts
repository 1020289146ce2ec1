// Holds Berth's schema subset (src/mesos/mesos.proto) and codec (src/mesos/codec.ts) against the OFFICIAL Mesos v1
// executor schema that Debian ships with mesos-go (golang-github-mesos-mesos-go-dev, libprotobuf-dev):
// field numbers/types/labels, protobuf bytes in both directions, and JSON under stout's rules in both directions.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/fixtures.js";
import { describe, test } from "node:test";
import protobuf from "protobufjs";
import { decodeMessage, encodeMessage, messageType, schemaRoot } from "../../src/mesos/codec.js";
import {
  checkExtensions,
  compareSchemas,
  defaultsProblems,
  fieldsUsed,
  loadOfficialRoot,
  officialType,
  officialView,
  parseSchema,
  plain,
  reachableTypes,
  stoutJsonProblems,
  type KnownExtension,
} from "./officialSchema.js";
import { SAMPLES, type Sample } from "./samples.js";

/**
 * What Berth speaks beyond Debian's copy of the official schema (mesos-go 0.0.6): all present in Mesos 1.12
 * (apache/mesos include/mesos/v1/{mesos,executor/executor}.proto) with exactly these numbers.
 */
const KNOWN_EXTENSIONS: readonly KnownExtension[] = [
  { kind: "enum-value", enum: ".mesos.executor.Call.Type", name: "HEARTBEAT", id: 4, origin: "Mesos 1.12 executor.proto" },
  { kind: "enum-value", enum: ".mesos.executor.Event.Type", name: "HEARTBEAT", id: 9, origin: "Mesos 1.12 executor.proto" },
  { kind: "field", message: ".mesos.TaskInfo", name: "max_completion_time", id: 14, type: ".mesos.DurationInfo", rule: "optional", origin: "Mesos 1.12 mesos.proto" },
  { kind: "enum-value", enum: ".mesos.TaskStatus.Reason", name: "REASON_AGENT_REMOVED_BY_OPERATOR", id: 31, origin: "Mesos 1.12 mesos.proto" },
  { kind: "enum-value", enum: ".mesos.TaskStatus.Reason", name: "REASON_AGENT_REREGISTERED", id: 32, origin: "Mesos 1.12 mesos.proto" },
  { kind: "enum-value", enum: ".mesos.TaskStatus.Reason", name: "REASON_MAX_COMPLETION_TIME_REACHED", id: 33, origin: "Mesos 1.12 mesos.proto" },
  { kind: "enum-value", enum: ".mesos.TaskStatus.Reason", name: "REASON_AGENT_DRAINING", id: 34, origin: "Mesos 1.12 mesos.proto" },
];

// How protobufjs objects are compared with the samples: enum names, int64 as numbers, bytes as base64.
const AS_JSON_SHAPES = { enums: String, longs: Number, bytes: String } as const;

/** The compiled schema lives next to the compiled codec (scripts/copy-assets.mjs copies it). */
// The source schema (the build ships it as JSON), so that deliberate edits of its text can be tested.
const OUR_SCHEMA_TEXT = (): string => readFileSync(join(repoRoot, "src", "mesos", "mesos.proto"), "utf8");

function official(): protobuf.Root {
  return loadOfficialRoot();
}

/** Encodes `sample` with our codec and decodes it with the official schema. */
function oursToOfficial(sample: Sample, ourBytes: Uint8Array = encodeMessage(sample.message, sample.value, "protobuf")): unknown {
  const theirs = officialType(official(), sample.message);
  return theirs.toObject(theirs.decode(ourBytes), AS_JSON_SHAPES);
}

describe("schema conformance: Berth's mesos.proto against Debian's official Mesos v1 schema (mesos-go)", () => {
  describe("structure", () => {
    test("every reachable field and enum value of ours matches the official schema (or is a known extension)", (t) => {
      const result = compareSchemas(schemaRoot(), official(), KNOWN_EXTENSIONS);
      t.diagnostic(`compared ${result.types} types, ${result.fields} fields, ${result.enumValues} enum values`);
      assert.deepEqual(result.problems, []);
      // Guard against a vacuous walk: Call, Event and the big messages must have been visited.
      assert.ok(result.types >= 50 && result.fields >= 150 && result.enumValues >= 90, JSON.stringify(result));
      const unused = KNOWN_EXTENSIONS.filter((ext) => !result.extensionsUsed.has(ext));
      assert.deepEqual(unused, [], "known extensions our schema does not use: drop them from the list");
    });

    test("known extensions are absent from the official schema and collide with nothing in it", () => {
      assert.deepEqual(checkExtensions(official(), KNOWN_EXTENSIONS), []);
    });

    test("an official decoder skips each extension cleanly (no other field is disturbed)", () => {
      const [withExt] = SAMPLES.filter((s) => s.title.startsWith("Event LAUNCH with"));
      assert.ok(withExt);
      const seen = oursToOfficial(withExt) as { launch: { task: Record<string, unknown> } };
      assert.equal(seen.launch.task.max_completion_time, undefined);
      assert.equal(seen.launch.task.name, "web");
      // proto2 enums are closed: an unknown value is dropped, so an old agent sees a Call without a type.
      const heartbeat = SAMPLES.find((s) => s.title === "Call HEARTBEAT (extension)");
      assert.ok(heartbeat);
      assert.deepEqual(oursToOfficial(heartbeat), { executor_id: { value: "berth.web.1" }, framework_id: { value: "f2b5c3a4-7d8e-4f10-9a1b-2c3d4e5f6a7b-0001" } });
    });
  });

  describe("samples", () => {
    test("cover every Call and Event type and every field of our schema", () => {
      for (const name of ["Call", "Event"] as const) {
        const declared = Object.keys(messageType(name).lookupEnum("Type").values).filter((v) => v !== "UNKNOWN");
        const sampled = new Set(SAMPLES.filter((s) => s.message === name).map((s) => (s.value as { type?: string }).type));
        assert.deepEqual(declared.filter((v) => !sampled.has(v)), [], `${name} types without a sample`);
      }
      const used = new Set<string>();
      for (const sample of SAMPLES) fieldsUsed(messageType(sample.message), sample.value, used);
      const all = reachableTypes(schemaRoot(), ["Call", "Event"])
        .filter((type): type is protobuf.Type => type instanceof protobuf.Type)
        .flatMap((type) => type.fieldsArray.map((field) => `${type.fullName}.${field.name}`));
      assert.deepEqual(all.filter((field) => !used.has(field)), [], "fields no sample sets");
    });
  });

  describe("protobuf bytes", () => {
    for (const sample of SAMPLES) {
      test(`ours -> official: ${sample.title}`, () => {
        assert.deepStrictEqual(oursToOfficial(sample), officialView(messageType(sample.message), sample.value, KNOWN_EXTENSIONS));
      });
      test(`official -> ours: ${sample.title}`, () => {
        const theirs = officialType(official(), sample.message);
        const view = officialView(messageType(sample.message), sample.value, KNOWN_EXTENSIONS);
        const bytes = theirs.encode(theirs.fromObject(view as Record<string, unknown>)).finish();
        assert.deepStrictEqual(plain(decodeMessage(sample.message, bytes, "protobuf")), view);
      });
    }
  });

  describe("JSON (stout rules)", () => {
    for (const sample of SAMPLES) {
      test(`ours -> official: ${sample.title}`, () => {
        const theirs = officialType(official(), sample.message);
        const json: unknown = JSON.parse(encodeMessage(sample.message, sample.value, "json").toString("utf8"));
        assert.deepEqual(stoutJsonProblems(theirs, json, KNOWN_EXTENSIONS), []);
        // The official reading of our JSON equals the official reading of our protobuf bytes.
        const fromJson = theirs.toObject(theirs.fromObject(officialView(messageType(sample.message), json, KNOWN_EXTENSIONS) as Record<string, unknown>), AS_JSON_SHAPES);
        assert.deepStrictEqual(fromJson, oursToOfficial(sample));
      });
      test(`ours with defaults -> official: ${sample.title}`, () => {
        const theirs = officialType(official(), sample.message);
        const plainJson: unknown = JSON.parse(encodeMessage(sample.message, sample.value, "json").toString("utf8"));
        const json: unknown = JSON.parse(encodeMessage(sample.message, sample.value, "json", { withDefaults: true }).toString("utf8"));
        assert.deepEqual(stoutJsonProblems(theirs, json, KNOWN_EXTENSIONS), []);
        assert.deepEqual(defaultsProblems(theirs, plainJson, json), []);
      });
      test(`official -> ours: ${sample.title}`, () => {
        const theirs = officialType(official(), sample.message);
        const view = officialView(messageType(sample.message), sample.value, KNOWN_EXTENSIONS);
        const text = JSON.stringify(theirs.toObject(theirs.fromObject(view as Record<string, unknown>), AS_JSON_SHAPES));
        assert.deepStrictEqual(plain(decodeMessage(sample.message, Buffer.from(text), "json")), view);
      });
    }
  });

  describe("the checks can fail (not vacuous)", () => {
    const mutate = (from: string, to: string): protobuf.Root => {
      const text = OUR_SCHEMA_TEXT();
      assert.equal(text.split(from).length, 2, `"${from}" must occur exactly once in mesos.proto`);
      return parseSchema(text.replace(from, to));
    };
    const problemsOf = (root: protobuf.Root): string[] => compareSchemas(root, official(), KNOWN_EXTENSIONS).problems;

    test("an unmodified in-memory copy of our schema passes", () => {
      assert.deepEqual(problemsOf(parseSchema(OUR_SCHEMA_TEXT())), []);
    });

    const mutations: [string, string, string, RegExp][] = [
      ["wrong field number", "optional bytes uuid = 11;", "optional bytes uuid = 16;", /\.mesos\.TaskStatus\.uuid: field number 16, official 11/],
      ["wrong scalar type", "optional double timestamp = 6;", "optional float timestamp = 6;", /\.mesos\.TaskStatus\.timestamp: type float, official double/],
      ["wrong message type", "optional KillPolicy kill_policy = 2;", "optional DurationInfo kill_policy = 2;", /Event\.Kill\.kill_policy: type \.mesos\.DurationInfo, official \.mesos\.KillPolicy/],
      ["wrong label", "required TaskState state = 2;", "optional TaskState state = 2;", /\.mesos\.TaskStatus\.state: label optional, official required/],
      ["wrong enum number", "TASK_KILLING = 8;", "TASK_KILLING = 18;", /\.mesos\.TaskState\.TASK_KILLING: number 18, official 8/],
      ["undeclared extension field", "optional DurationInfo max_completion_time = 14;", "optional DurationInfo max_completion_time = 14;\n  optional string nickname = 99;", /\.mesos\.TaskInfo\.nickname = 99: not in the official message and not a known extension/],
      ["undeclared extension enum value", "HEARTBEAT = 9;", "HEARTBEAT = 9;\n    RESUBSCRIBE = 10;", /\.mesos\.executor\.Event\.Type\.RESUBSCRIBE = 10: not in the official enum/],
      ["wrong default", "optional double delay_seconds = 2 [default = 15.0];", "optional double delay_seconds = 2 [default = 5.0];", /\.mesos\.HealthCheck\.delay_seconds: default 5, official 15/],
      ["extension with another number than declared", "optional DurationInfo max_completion_time = 14;", "optional DurationInfo max_completion_time = 15;", /max_completion_time: known extension declared as optional \.mesos\.DurationInfo = 14/],
    ];
    for (const [what, from, to, expected] of mutations) {
      test(`structure: ${what} is detected`, () => {
        const problems = problemsOf(mutate(from, to));
        assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} among ${JSON.stringify(problems)}`);
      });
    }

    test("extensions: a collision and a stale entry are detected", () => {
      const problems = checkExtensions(official(), [
        { kind: "field", message: ".mesos.TaskInfo", name: "deadline", id: 13, type: ".mesos.DurationInfo", rule: "optional", origin: "test" },
        { kind: "enum-value", enum: ".mesos.TaskState", name: "TASK_PAUSED", id: 8, origin: "test" },
        { kind: "enum-value", enum: ".mesos.executor.Event.Type", name: "SHUTDOWN", id: 7, origin: "test" },
      ]);
      assert.ok(problems.some((p) => /TaskInfo\.deadline = 13: collides with official field check = 13/.test(p)), JSON.stringify(problems));
      assert.ok(problems.some((p) => /TASK_PAUSED = 8: collides with official value TASK_KILLING = 8/.test(p)), JSON.stringify(problems));
      assert.ok(problems.some((p) => /Event\.Type\.SHUTDOWN: the official schema now has it/.test(p)), JSON.stringify(problems));
    });

    test("protobuf: bytes from a schema with a wrong field number do not match the official reading", () => {
      const sample = SAMPLES.find((s) => s.title === "Event ACKNOWLEDGED");
      assert.ok(sample);
      const wrong = mutate("required bytes uuid = 2;", "required bytes uuid = 3;").lookupType("berth.mesos.Event");
      const bytes = wrong.encode(wrong.fromObject(sample.value)).finish();
      // The official decoder rejects the message outright (its required uuid is missing) or reads something else.
      let seen: unknown;
      try {
        seen = oursToOfficial(sample, bytes);
      } catch (error) {
        seen = error;
      }
      assert.notDeepStrictEqual(seen, officialView(messageType("Event"), sample.value, KNOWN_EXTENSIONS));
    });

    test("JSON: stout violations are each detected", () => {
      const status = officialType(official(), "TaskStatus");
      const problems = stoutJsonProblems(status, {
        taskId: { value: "t" }, // camelCase key: stout wants proto field names
        state: 1, // enum as number: stout rejects
        source: "SOURCE_BERTH", // not an official name
        uuid: "not base64!", // bytes must be base64
        timestamp: "17327", // double as string
        labels: { labels: { key: "a" } }, // repeated as object
      }, KNOWN_EXTENSIONS);
      for (const expected of [
        /TaskStatus\.task_id: required field missing/,
        /TaskStatus\.taskId: no field "taskId"/,
        /TaskStatus\.state: enum \.mesos\.TaskState must be a name string/,
        /TaskStatus\.source: "SOURCE_BERTH" is not a value/,
        /TaskStatus\.uuid: bytes must be base64/,
        /TaskStatus\.timestamp: double must be a number/,
        /TaskStatus\.labels\.labels: repeated field must be an array/,
      ]) {
        assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} among ${JSON.stringify(problems)}`);
      }
      const duration = officialType(official(), "DurationInfo");
      assert.deepEqual(stoutJsonProblems(duration, { nanoseconds: "5000" }, KNOWN_EXTENSIONS), ['DurationInfo.nanoseconds: int64 must be a JSON number, got "5000"']);
      assert.deepEqual(
        defaultsProblems(officialType(official(), "CommandInfo"), {}, { shell: false }),
        ["CommandInfo.shell: default false written, official default true"],
      );
    });
  });
});
