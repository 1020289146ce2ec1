import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HealthChecker } from "../core/health/index.js";
import { gracefulHttpHook } from "../hooks/gracefulHttpHook.js";
import { readBerthLabels, type BerthLabelSettings } from "./berthLabels.js";
import type { CheckContext } from "./checksFromTaskInfo.js";
import type { TaskInfo } from "./types.js";

const context: CheckContext = { env: { PATH: "/usr/bin" }, cwd: "/sandbox" };

/** A task with these labels and these (discovery) ports. */
function task(labels: Record<string, string>, ports: { number: number; name?: string }[] = [{ number: 8080, name: "http" }]): TaskInfo {
  return {
    name: "t",
    task_id: { value: "t.1" },
    agent_id: { value: "a" },
    labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) },
    discovery: { visibility: "FRAMEWORK", ports: { ports } },
  };
}

function read(labels: Record<string, string>, ports?: { number: number; name?: string }[]): { settings: BerthLabelSettings; problems: string[] } {
  const problems: string[] = [];
  const settings = readBerthLabels(task(labels, ports), context, problems);
  return { settings, problems };
}

const THIRTY_DAYS_S = String(30 * 24 * 3600);

describe("readBerthLabels: readiness", () => {
  it("builds a readiness check the checker accepts, with the defaults", () => {
    const { settings, problems } = read({ "berth.readiness.protocol": "http", "berth.readiness.path": "/ready" });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.readiness, {
      probe: { kind: "http", scheme: "http", port: 8080, path: "/ready" },
      delayMs: 0,
      intervalMs: 1000,
      timeoutMs: 1000,
      successThreshold: 1,
      consecutiveFailures: 1,
      gracePeriodMs: 0,
    });
    const checker = new HealthChecker(settings.readiness!, { onEvent: () => undefined, mode: "readiness", successThreshold: settings.readiness!.successThreshold });
    void checker.stop();
  });

  it("accepts 30-day times and tcp and command protocols", () => {
    const cases: Record<string, string>[] = [
      { "berth.readiness.protocol": "tcp", "berth.readiness.port-name": "http", "berth.readiness.timeout-seconds": THIRTY_DAYS_S, "berth.readiness.interval-seconds": THIRTY_DAYS_S },
      { "berth.readiness.protocol": "command", "berth.readiness.command": "test -e ready", "berth.readiness.delay-seconds": THIRTY_DAYS_S },
    ];
    for (const labels of cases) {
      const { settings, problems } = read(labels);
      assert.deepEqual(problems, [], JSON.stringify(labels));
      assert.ok(settings.readiness, JSON.stringify(labels));
    }
  });

  // Each of these used to reach the lifecycle, where the checker threw: no readiness check, no healthy hooks, no word.
  const invalid: [string, Record<string, string>, RegExp, { number: number; name?: string }[]?][] = [
    ["a port of 70000 (by index)", { "berth.readiness.protocol": "http" }, /^label berth\.readiness\.port-index: the task's port at index 0 is 70000, not a port \(1-65535\)$/, [{ number: 70000 }]],
    ["a port of 0 (by name)", { "berth.readiness.protocol": "tcp", "berth.readiness.port-name": "p" }, /^label berth\.readiness\.port-name: the task's port named "p" is 0, not a port \(1-65535\)$/, [{ number: 0, name: "p" }]],
    ["a port index beyond the task's ports", { "berth.readiness.protocol": "http", "berth.readiness.port-index": "3" }, /^label berth\.readiness\.port-index: the task has 1 port\(s\)$/],
    ["a negative port index", { "berth.readiness.protocol": "tcp", "berth.readiness.port-index": "-1" }, /^label berth\.readiness\.port-index: expected an integer >= 0, got "-1"$/],
    ["no port of that name", { "berth.readiness.protocol": "tcp", "berth.readiness.port-name": "admin" }, /^label berth\.readiness\.port-name: the task has no port named "admin"$/],
    ["both a port index and a port name", { "berth.readiness.protocol": "tcp", "berth.readiness.port-name": "http", "berth.readiness.port-index": "0" }, /^labels berth\.readiness\.port-index and berth\.readiness\.port-name: set one, not both$/],
    ["a path without a leading /", { "berth.readiness.protocol": "http", "berth.readiness.path": "health" }, /^label berth\.readiness\.path must start with "\/", got "health"$/],
    ["negative seconds", { "berth.readiness.protocol": "tcp", "berth.readiness.interval-seconds": "-1" }, /^label berth\.readiness\.interval-seconds: expected a number >= 0, got "-1"$/],
    ["NaN seconds", { "berth.readiness.protocol": "tcp", "berth.readiness.timeout-seconds": "NaN" }, /^label berth\.readiness\.timeout-seconds: expected a number >= 0, got "NaN"$/],
    ["empty seconds", { "berth.readiness.protocol": "tcp", "berth.readiness.delay-seconds": "" }, /^label berth\.readiness\.delay-seconds: expected a number >= 0, got ""$/],
    ["seconds too large to be a time in ms", { "berth.readiness.protocol": "tcp", "berth.readiness.timeout-seconds": "1e306" }, /^label berth\.readiness\.timeout-seconds: "1e306" seconds is too long$/],
    ["zero successes", { "berth.readiness.protocol": "tcp", "berth.readiness.successes": "0" }, /^label berth\.readiness\.successes: expected an integer >= 1, got "0"$/],
    ["an unknown protocol", { "berth.readiness.protocol": "gopher" }, /^label berth\.readiness\.protocol: expected http, https, tcp or command, got "gopher"$/],
    ["a protocol named like an Object member", { "berth.readiness.protocol": "constructor" }, /^label berth\.readiness\.protocol: expected http, https, tcp or command, got "constructor"$/],
    ["protocol command without a command", { "berth.readiness.protocol": "command" }, /^label berth\.readiness\.command is required with berth\.readiness\.protocol=command$/],
    ["protocol command with a blank command", { "berth.readiness.protocol": "command", "berth.readiness.command": "   " }, /^label berth\.readiness\.command is required with berth\.readiness\.protocol=command$/],
    ["a path with protocol tcp", { "berth.readiness.protocol": "tcp", "berth.readiness.path": "/x" }, /^label berth\.readiness\.path does not apply to berth\.readiness\.protocol=tcp$/],
    ["a port with protocol command", { "berth.readiness.protocol": "command", "berth.readiness.command": "true", "berth.readiness.port-index": "0" }, /^label berth\.readiness\.port-index does not apply to berth\.readiness\.protocol=command$/],
    ["a command with protocol http", { "berth.readiness.protocol": "http", "berth.readiness.command": "true" }, /^label berth\.readiness\.command does not apply to berth\.readiness\.protocol=http$/],
    ["settings without a protocol", { "berth.readiness.path": "/x" }, /^labels berth\.readiness\.path need berth\.readiness\.protocol$/],
  ];
  for (const [what, labels, expected, ports] of invalid) {
    it(`rejects ${what}, naming the label, and builds no check`, () => {
      const { settings, problems } = read(labels, ports);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0]!, expected);
      assert.equal(settings.readiness, undefined);
    });
  }
});

describe("readBerthLabels: graceful", () => {
  it("builds options the hook accepts; a 30-day wait is valid", () => {
    const { settings, problems } = read({ "berth.graceful.path": "/quit", "berth.graceful.abort-path": "/abort", "berth.graceful.wait-seconds": THIRTY_DAYS_S });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.graceful, { port: 8080, path: "/quit", abortPath: "/abort", waitMs: 30 * 24 * 3600 * 1000 });
    assert.equal(gracefulHttpHook(settings.graceful!).name, "graceful-http");
  });

  const invalid: [string, Record<string, string>, RegExp, { number: number; name?: string }[]?][] = [
    ["a port of 70000", { "berth.graceful.path": "/quit" }, /^label berth\.graceful\.port-index: the task's port at index 0 is 70000, not a port \(1-65535\)$/, [{ number: 70000 }]],
    ["a port index beyond the task's ports", { "berth.graceful.path": "/quit", "berth.graceful.port-index": "1" }, /^label berth\.graceful\.port-index: the task has 1 port\(s\)$/],
    ["both a port index and a port name", { "berth.graceful.path": "/quit", "berth.graceful.port-index": "0", "berth.graceful.port-name": "http" }, /^labels berth\.graceful\.port-index and berth\.graceful\.port-name: set one, not both$/],
    ["a path without a leading /", { "berth.graceful.path": "quit" }, /^label berth\.graceful\.path must start with "\/", got "quit"$/],
    ["an abort path without a leading /", { "berth.graceful.path": "/quit", "berth.graceful.abort-path": "abort" }, /^label berth\.graceful\.abort-path must start with "\/", got "abort"$/],
    ["a negative wait", { "berth.graceful.path": "/quit", "berth.graceful.wait-seconds": "-5" }, /^label berth\.graceful\.wait-seconds: expected a number >= 0, got "-5"$/],
    ["a wait too large to be a time in ms", { "berth.graceful.path": "/quit", "berth.graceful.wait-seconds": "1e306" }, /^label berth\.graceful\.wait-seconds: "1e306" seconds is too long$/],
    ["settings without a path", { "berth.graceful.wait-seconds": "3" }, /^labels berth\.graceful\.wait-seconds need berth\.graceful\.path$/],
  ];
  for (const [what, labels, expected, ports] of invalid) {
    it(`rejects ${what}, naming the label`, () => {
      const { settings, problems } = read(labels, ports);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0]!, expected);
      assert.equal(settings.graceful, undefined);
    });
  }

  it("the hook itself refuses options that cannot work", () => {
    for (const options of [
      { port: 70000, path: "/quit", waitMs: 1000 },
      { port: 8080, path: "quit", waitMs: 1000 },
      { port: 8080, path: "/quit", abortPath: "", waitMs: 1000 },
      { port: 8080, path: "/quit", waitMs: Number.NaN },
      { port: 8080, path: "/quit", waitMs: Infinity },
    ]) {
      assert.throws(() => gracefulHttpHook(options), { code: "GRACEFUL_HTTP_INVALID" }, JSON.stringify(options));
    }
  });
});

describe("readBerthLabels: drain, stop signal and hooks", () => {
  it("rejects a drain too large to be a time in ms", () => {
    assert.deepEqual(read({ "berth.drain-seconds": "1e306" }).problems, ['label berth.drain-seconds: "1e306" seconds is too long']);
  });

  it("rejects a hook timeout that is not a positive finite number of seconds", () => {
    for (const value of ["0", "-1", "abc", "Infinity", "1e306"]) {
      const { settings, problems } = read({ "berth.hook.warm.exec": '["/bin/true"]', "berth.hook.warm.phases": "healthy", "berth.hook.warm.timeout-seconds": value });
      assert.equal(problems.length, 1, `${value}: ${JSON.stringify(problems)}`);
      assert.match(problems[0]!, /^labels berth\.hook\.warm/);
      assert.deepEqual(settings.hooks, []);
    }
  });
});

describe("readBerthLabels: http and sleep hooks", () => {
  it("an http hook: URL placeholders from the task, method, headers, body, expected statuses; order of first label kept", () => {
    const { settings, problems } = read(
      {
        "berth.hook.sleepy.sleep-seconds": "2",
        "berth.hook.sleepy.phases": "preKill",
        "berth.hook.notify.http": "http://127.0.0.1:{port:admin}/hooks/{phase}?task={taskId}&main={port}",
        "berth.hook.notify.phases": "healthy,preKill",
        "berth.hook.notify.method": "POST",
        "berth.hook.notify.headers": '{"X-Token": "abc"}',
        "berth.hook.notify.body": "{}",
        "berth.hook.notify.expect-status": "200-299,409",
      },
      [
        { number: 8080, name: "http" },
        { number: 9090, name: "admin" },
      ],
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.hooks, [
      { kind: "sleep", options: { name: "sleepy", phases: ["preKill"], sleepMs: 2_000 } },
      {
        kind: "http",
        options: {
          name: "notify",
          phases: ["healthy", "preKill"],
          method: "POST",
          url: "http://127.0.0.1:9090/hooks/{phase}?task=t.1&main=8080",
          headers: { "X-Token": "abc" },
          expectStatus: [
            [200, 299],
            [409, 409],
          ],
          body: "{}",
        },
      },
    ]);
  });

  it("each bad hook label is a problem naming it; nothing is built from it", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ "berth.hook.a.phases": "stop" }, /berth\.hook\.a needs exactly one of \.exec, \.http, \.sleep-seconds$/],
      [{ "berth.hook.a.exec": '["true"]', "berth.hook.a.sleep-seconds": "1", "berth.hook.a.phases": "stop" }, /needs exactly one .*\(has \.exec, \.sleep-seconds\)/],
      [{ "berth.hook.a.exec": '["true"]', "berth.hook.a.method": "POST", "berth.hook.a.phases": "stop" }, /berth\.hook\.a\.method only go with labels berth\.hook\.a\.http/],
      [{ "berth.hook.a.http": "http://x/{port:nope}", "berth.hook.a.phases": "stop" }, /no usable port "nope" for \{port:nope\}/],
      [{ "berth.hook.a.http": "http://x/{secret}", "berth.hook.a.phases": "stop" }, /unknown placeholder \{secret\}/],
      [{ "berth.hook.a.http": "ftp://x/", "berth.hook.a.phases": "stop" }, /url must be http or https/],
      [{ "berth.hook.a.http": "http://x/", "berth.hook.a.headers": '{"X": "a\\r\\nY: b"}', "berth.hook.a.phases": "stop" }, /header X must be one line of text/],
      [{ "berth.hook.a.http": "http://x/", "berth.hook.a.headers": "[1]", "berth.hook.a.phases": "stop" }, /headers must be a JSON object of strings/],
      [{ "berth.hook.a.http": "http://x/", "berth.hook.a.expect-status": "2xx", "berth.hook.a.phases": "stop" }, /expect-status must list statuses or ranges/],
      [{ "berth.hook.a.sleep-seconds": "-1", "berth.hook.a.phases": "stop" }, /sleep-seconds must be a number of seconds >= 0/],
      [{ "berth.hook.a.sleep-seconds": "40", "berth.hook.a.timeout-seconds": "30", "berth.hook.a.phases": "stop" }, /the sleep \(40 s\) must be shorter than the hook's timeout \(30 s\)/],
    ];
    for (const [labels, expected] of cases) {
      const { settings, problems } = read(labels);
      assert.equal(problems.length, 1, `${JSON.stringify(labels)}: ${JSON.stringify(problems)}`);
      assert.match(problems[0]!, expected);
      assert.deepEqual(settings.hooks, []);
    }
  });
});

describe("readBerthLabels: warm-up", () => {
  it("paths, requests, port, timeout, required", () => {
    const { settings, problems } = read({ "berth.warmup.paths": "/, /search?q=x", "berth.warmup.requests": "5", "berth.warmup.port-name": "http", "berth.warmup.required": "true" });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.warmup, { port: 8080, paths: ["/", "/search?q=x"], requests: 5, requestTimeoutMs: 5_000, required: true });
  });

  it("problems name the label; settings without paths are a mistake", () => {
    assert.match(read({ "berth.warmup.requests": "5" }).problems[0]!, /labels berth\.warmup\.requests need berth\.warmup\.paths/);
    assert.match(read({ "berth.warmup.paths": "/", "berth.warmup.required": "yes" }).problems[0]!, /berth\.warmup\.required must be true or false/);
    assert.match(read({ "berth.warmup.paths": "nope" }).problems[0]!, /path "nope" must start with "\/"/);
    assert.match(read({ "berth.warmup.paths": "/", "berth.warmup.port-index": "3" }).problems[0]!, /berth\.warmup\.port-index: the task has 1 port/);
  });
});
