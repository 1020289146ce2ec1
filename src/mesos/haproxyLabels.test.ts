import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readHaproxySettings } from "../hooks/haproxySettings.js";
import { readHaproxyLabels } from "./haproxyLabels.js";
import type { TaskInfo } from "./types.js";

function taskWith(labels: Record<string, string>, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: "web",
    task_id: { value: "web.1" },
    agent_id: { value: "a1" },
    labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) },
    resources: [{ name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31001 }] } }],
    ...extra,
  } as TaskInfo;
}

const settings = readHaproxySettings({ BERTH_HAPROXY_SOCKET: "/run/haproxy/admin.sock" }, []);
const context = { settings, advertiseAddress: "10.0.0.5" };

describe("readHaproxyLabels", () => {
  it("reads nothing without berth.haproxy.backend", () => {
    const problems: string[] = [];
    assert.equal(readHaproxyLabels(taskWith({}), context, problems), undefined);
    assert.deepEqual(problems, []);
  });

  it("registers the advertise address and the task's port in every backend listed", () => {
    const problems: string[] = [];
    const options = readHaproxyLabels(
      taskWith({ "berth.haproxy.backend": "web, api", "berth.haproxy.port-index": "1", "berth.haproxy.weight": "50", "berth.haproxy.drain-timeout-seconds": "2.5" }),
      context,
      problems,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(options, {
      socket: { path: "/run/haproxy/admin.sock" },
      backends: [
        { backend: "web", address: "10.0.0.5:31001", weight: 50 },
        { backend: "api", address: "10.0.0.5:31001", weight: 50 },
      ],
      drainTimeoutMs: 2500,
      recheckIntervalMs: 5000,
    });
  });

  it("finds a port by name in DiscoveryInfo, brackets an IPv6 advertise address, takes check=true", () => {
    const problems: string[] = [];
    const task = taskWith({ "berth.haproxy.backend": "web", "berth.haproxy.port-name": "http", "berth.haproxy.check": "true" }, {
      discovery: { visibility: "FRAMEWORK", ports: { ports: [{ number: 8080, name: "admin" }, { number: 8081, name: "http" }] } },
    } as Partial<TaskInfo>);
    const options = readHaproxyLabels(task, { settings, advertiseAddress: "fd00::5" }, problems);
    assert.deepEqual(problems, []);
    assert.equal(options?.backends[0]?.address, "[fd00::5]:8081");
    assert.equal(options?.check, true);
    assert.equal(options?.drainTimeoutMs, 30_000);
  });

  it("a backend without a socket on the agent is a problem naming both", () => {
    const problems: string[] = [];
    const noSocket = { settings: readHaproxySettings({}, []), advertiseAddress: "10.0.0.5" };
    assert.equal(readHaproxyLabels(taskWith({ "berth.haproxy.backend": "web" }), noSocket, problems), undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /berth\.haproxy\.backend.*web.*BERTH_HAPROXY_SOCKET/);
  });

  it("names every bad label", () => {
    const problems: string[] = [];
    const options = readHaproxyLabels(
      taskWith({
        "berth.haproxy.backend": "web,,bad name",
        "berth.haproxy.weight": "300",
        "berth.haproxy.drain-timeout-seconds": "-1",
        "berth.haproxy.check": "yes",
        "berth.haproxy.port-index": "7",
        "berth.haproxy.colour": "blue",
      }),
      context,
      problems,
    );
    assert.equal(options, undefined);
    for (const label of ["backend: expected backend names", "\"bad name\"", "weight", "drain-timeout-seconds", "check", "port-index: the task has 2 port(s)", "berth.haproxy.colour"]) {
      assert.ok(problems.some((p) => p.includes(label)), `${label} in ${problems.join("\n")}`);
    }
  });

  it("other berth.haproxy labels without a backend are a problem", () => {
    const problems: string[] = [];
    assert.equal(readHaproxyLabels(taskWith({ "berth.haproxy.weight": "3" }), context, problems), undefined);
    assert.match(problems[0]!, /berth\.haproxy\.weight need berth\.haproxy\.backend/);
  });

  it("port-index and port-name together are a problem; a missing port name too", () => {
    const both: string[] = [];
    readHaproxyLabels(taskWith({ "berth.haproxy.backend": "web", "berth.haproxy.port-index": "0", "berth.haproxy.port-name": "http" }), context, both);
    assert.match(both.join(), /set one, not both/);
    const missing: string[] = [];
    readHaproxyLabels(taskWith({ "berth.haproxy.backend": "web", "berth.haproxy.port-name": "http" }), context, missing);
    assert.match(missing.join(), /no port named "http"/);
  });
});

describe("readHaproxySettings", () => {
  it("defaults, durations, and a clear problem per bad variable", () => {
    assert.deepEqual(readHaproxySettings({}, []), { recheckIntervalMs: 5000, drainTimeoutMs: 30_000 });
    assert.deepEqual(readHaproxySettings({ BERTH_HAPROXY_SOCKET: "127.0.0.1:9999", BERTH_HAPROXY_RECHECK_INTERVAL: "2secs", BERTH_HAPROXY_DRAIN_TIMEOUT: "2mins" }, []), {
      socket: { host: "127.0.0.1", port: 9999 },
      recheckIntervalMs: 2000,
      drainTimeoutMs: 120_000,
    });
    const problems: string[] = [];
    readHaproxySettings({ BERTH_HAPROXY_SOCKET: "admin.sock", BERTH_HAPROXY_RECHECK_INTERVAL: "5", BERTH_HAPROXY_DRAIN_TIMEOUT: "1ms" }, problems);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^BERTH_HAPROXY_RECHECK_INTERVAL: invalid duration "5"/);
    assert.match(problems[1]!, /^BERTH_HAPROXY_SOCKET: "admin.sock"/);
  });
});
