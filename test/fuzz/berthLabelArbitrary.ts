// Task labels for the fuzz suite: Berth's own keys with values near and beyond their limits, near-miss keys (typos,
// case, unknown hook fields), keys of other tools, and hostile strings.
import fc from "fast-check";
import { BERTH_LABELS } from "../../src/mesos/berthLabels.js";
import type { Label, TaskInfo } from "../../src/mesos/types.js";
import { hostileStrings } from "./schemaArbitrary.js";

export const KNOWN_KEYS = Object.keys(BERTH_LABELS) as (keyof typeof BERTH_LABELS)[];
const HOOK_NAMES = ["warm-up", "a", "x1"];
const HOOK_FIELDS = ["exec", "phases", "timeout-seconds"];

/** Decimal and not-so-decimal numbers: in range, negative, fractional, huge enough to overflow when made ms. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom("0", "1", "-0", "0.5", "-1", "1e306", "1e308", "1e400", "Infinity", "-Infinity", "NaN", "", " ", " 5 ", "5s", "0x10", "1e3", "65535", "65536", "4294967296", "9007199254740993"),
);

const valueFor: Record<string, fc.Arbitrary<string>> = {
  "berth.stop-signal": fc.constantFrom("SIGTERM", "TERM", "sigint", "INT", "SIGKILL", "KILL", "SIGSTOP", "SIGFOO", "9", "", "SIG", "SIGUSR1", "constructor", "__proto__"),
  "berth.readiness.protocol": fc.constantFrom("http", "https", "tcp", "command", "HTTP", "udp", ""),
  "berth.readiness.path": fc.constantFrom("/", "/ready", "ready", "", "//evil.example/", "/a b", "/\0", "http://x/"),
  "berth.readiness.command": fc.oneof(fc.constantFrom("true", "exit 1", "", " "), hostileStrings(20)),
  "berth.readiness.port-name": fc.constantFrom("http", "admin", "", "nope"),
  "berth.graceful.path": fc.constantFrom("/quitquitquit", "quit", "", "/"),
  "berth.graceful.abort-path": fc.constantFrom("/abortabortabort", "abort", ""),
  "berth.graceful.port-name": fc.constantFrom("http", "admin", "", "nope"),
  exec: fc.oneof(
    fc.constantFrom('["/bin/true"]', '["/bin/echo","a b","$X"]', "[]", '[""]', "[1]", '"x"', "null", "not json", '["a\\u0000b"]', '["/bin/true","\\u0000"]'),
    fc.array(hostileStrings(20), { maxLength: 3 }).map((argv) => JSON.stringify(argv)),
  ),
  phases: fc.oneof(fc.constantFrom("prestart", "poststart,healthy", "preKill, stop", "exited", "bogus", "", ",", "prestart,bogus"), fc.subarray(["prestart", "poststart", "healthy", "preKill", "exited", "stop"]).map((p) => p.join(","))),
};

function valueOf(key: string): fc.Arbitrary<string> {
  const field = key.startsWith("berth.hook.") ? key.slice(key.lastIndexOf(".") + 1) : key;
  const specific = (Object.hasOwn(valueFor, field) ? valueFor[field] : undefined) ?? (field.endsWith("seconds") || field.endsWith("index") || field.endsWith("successes") || field === "timeout-seconds" ? numberText : undefined);
  return specific ? fc.oneof({ weight: 6, arbitrary: specific }, { weight: 1, arbitrary: hostileStrings(20) }) : hostileStrings(20);
}

/** Keys that are Berth's, almost Berth's, or someone else's. */
export const labelKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_KEYS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...HOOK_NAMES), fc.constantFrom(...HOOK_FIELDS)).map(([name, field]) => `berth.hook.${name}.${field}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "berth.Stop-signal",
      "berth.readiness.port_index",
      "Berth.drain-seconds",
      "berth.hook.A.exec",
      "berth.hook..exec",
      "berth.hook.a.env",
      "berth.hook.-a.exec",
      "berth.",
      "berth.drain-seconds ",
      "berth.__proto__",
      "berth.constructor",
      "berth.toString",
      "berth.hasOwnProperty",
      "BERTH.stop-signal",
      "berthx.stop-signal",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((rest) => `berth.${rest}`) },
  { weight: 1, arbitrary: fc.constantFrom("HAPROXY_GROUP", "traefik.enable", "", "\0", "com.example/owner") },
  { weight: 1, arbitrary: hostileStrings(20) },
);

/** One label; a value is sometimes absent (Mesos' Label.value is optional). */
export const labelArbitrary: fc.Arbitrary<Label> = labelKey.chain((key) =>
  fc.option(valueOf(key), { nil: undefined, freq: 8 }).map((value) => (value === undefined ? { key } : { key, value })),
);

/** Port numbers a TaskInfo may carry (uint32 in the schema, any integer through JSON). */
export const portNumber = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 1, 80, 65535, 65536, 70_000, 2 ** 32 - 1, 1e20));

/** Ports from DiscoveryInfo, or from the `ports` resource (ranges), or none. */
export const portsOfTask: fc.Arbitrary<Pick<TaskInfo, "discovery" | "resources">> = fc.oneof(
  fc.constant({}),
  fc
    .array(fc.record({ number: portNumber, name: fc.constantFrom("http", "admin", "") }, { requiredKeys: ["number"] }), { minLength: 1, maxLength: 3 })
    .map((ports) => ({ discovery: { visibility: "FRAMEWORK" as const, ports: { ports } } })),
  fc
    .array(fc.tuple(portNumber, fc.integer({ min: -1, max: 3 })), { minLength: 1, maxLength: 2 })
    .map((ranges) => ({ resources: [{ name: "ports", type: "RANGES" as const, ranges: { range: ranges.map(([begin, extra]) => ({ begin, end: begin + extra })) } }] })),
);

/** Labels that are mostly valid, with values at the edges of their ranges: the parser accepts many of these. */
const plausibleValue: Record<string, fc.Arbitrary<string>> = {
  "berth.stop-signal": fc.constantFrom("SIGTERM", "INT", "sigquit", "SIGUSR1", "SIGKILL"),
  "berth.drain-seconds": fc.constantFrom("0", "0.5", "30", "1e5", "1e306", "-0"),
  "berth.readiness.protocol": fc.constantFrom("http", "https", "tcp", "command"),
  "berth.readiness.port-index": fc.constantFrom("0", "1", "2"),
  "berth.readiness.port-name": fc.constantFrom("http", "admin"),
  "berth.readiness.path": fc.constantFrom("/", "/ready"),
  "berth.readiness.command": fc.constantFrom("true", "test -f ready", "a\0b"),
  "berth.readiness.delay-seconds": fc.constantFrom("0", "1", "0.25", "1e306"),
  "berth.readiness.interval-seconds": fc.constantFrom("0", "1", "86400", "1e306"),
  "berth.readiness.timeout-seconds": fc.constantFrom("0", "1", "1e306"),
  "berth.readiness.successes": fc.constantFrom("1", "3", "1e6"),
  "berth.graceful.path": fc.constantFrom("/quitquitquit", "/"),
  "berth.graceful.abort-path": fc.constantFrom("/abortabortabort"),
  "berth.graceful.port-index": fc.constantFrom("0", "1"),
  "berth.graceful.port-name": fc.constantFrom("http", "admin"),
  "berth.graceful.wait-seconds": fc.constantFrom("0", "5", "1e306"),
};
const plausibleHook = fc.record({
  name: fc.constantFrom("warm-up", "a"),
  exec: fc.constantFrom('["/bin/true"]', '["/opt/hook","--fast"]', '["/bin/echo","a\\u0000b"]'),
  phases: fc.constantFrom("prestart", "preKill,stop", "healthy"),
  timeout: fc.option(fc.constantFrom("1", "0.5", "1e306", "600"), { nil: undefined }),
});
const labelOf = (key: string): fc.Arbitrary<Label> => (plausibleValue[key] as fc.Arbitrary<string>).map((value) => ({ key, value }));
/** Any subset of `keys`, each with a plausible value. */
const someOf = (keys: readonly string[]): fc.Arbitrary<Label[]> => fc.subarray([...keys]).chain((chosen) => fc.tuple(...chosen.map(labelOf)));
const portChoice = (prefix: string): fc.Arbitrary<Label[]> => fc.oneof(someOf([`${prefix}.port-index`]), someOf([`${prefix}.port-name`]));
const readinessLabels: fc.Arbitrary<Label[]> = labelOf("berth.readiness.protocol").chain((protocol) =>
  fc
    .tuple(
      protocol.value === "command" ? fc.tuple(labelOf("berth.readiness.command")) : fc.tuple(portChoice("berth.readiness"), someOf(["berth.readiness.path"])).map(([a, b]) => [...a, ...b]),
      someOf(["berth.readiness.delay-seconds", "berth.readiness.interval-seconds", "berth.readiness.timeout-seconds", "berth.readiness.successes"]),
    )
    .map(([a, b]) => [protocol, ...a, ...b]),
);
const gracefulLabels: fc.Arbitrary<Label[]> = fc
  .tuple(labelOf("berth.graceful.path"), someOf(["berth.graceful.abort-path", "berth.graceful.wait-seconds"]), portChoice("berth.graceful"))
  .map(([path, a, b]) => [path, ...a, ...b]);

/** Labels as a user would write them (groups complete), with values at the edges of their ranges now and then. */
export const plausibleLabels: fc.Arbitrary<Label[]> = fc
  .tuple(
    someOf(["berth.stop-signal", "berth.drain-seconds"]),
    fc.option(readinessLabels, { nil: [] }),
    fc.option(gracefulLabels, { nil: [] }),
    fc.array(plausibleHook, { maxLength: 2 }),
  )
  .map(([base, readiness, graceful, hooks]) => [
    ...base,
    ...readiness,
    ...graceful,
    ...hooks.flatMap(({ name, exec, phases, timeout }) => [
      { key: `berth.hook.${name}.exec`, value: exec },
      { key: `berth.hook.${name}.phases`, value: phases },
      ...(timeout !== undefined ? [{ key: `berth.hook.${name}.timeout-seconds`, value: timeout }] : []),
    ]),
  ]);

/** Ports as a framework gives them (named, in range), and now and then any of portsOfTask. */
export const plausiblePorts: fc.Arbitrary<Pick<TaskInfo, "discovery" | "resources">> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Pick<TaskInfo, "discovery">>({ discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 31000, name: "http" }, { number: 31001, name: "admin" }] } } }) },
  { weight: 2, arbitrary: portsOfTask },
);
