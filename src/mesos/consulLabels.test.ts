// The predecessor's Consul label conventions (allegro/mesos-executor hook/consul/hook_test.go): the same inputs give
// the same service IDs, names and tags.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { consulHook, validateConsulHookOptions } from "../hooks/consulHook.js";
import { readConsulLabels, serviceNameFromTaskId, type ConsulLabelContext, type ConsulLabelOptions } from "./consulLabels.js";
import type { HealthCheck, Port, TaskInfo } from "./types.js";

const context: ConsulLabelContext = { globalTag: "marathon", address: "10.0.0.5" };
const HTTP_CHECK: HealthCheck = { type: "HTTP", http: { port: 666, path: "/" }, interval_seconds: 5, timeout_seconds: 5 };

/** The predecessor's prepareTaskInfo: label consul=<consulName>, each tag as a label valued "tag", an HTTP check. */
function prepare(taskId: string, consulName: string | undefined, tags: string[], ports: Port[], health: HealthCheck | null = HTTP_CHECK): TaskInfo {
  return {
    name: "task",
    task_id: { value: taskId },
    agent_id: { value: "agent" },
    labels: {
      labels: [...(consulName !== undefined ? [{ key: "consul", value: consulName }] : []), ...tags.map((key) => ({ key, value: "tag" }))],
    },
    discovery: { visibility: "FRAMEWORK", ports: { ports } },
    ...(health ? { health_check: health } : {}),
  };
}

const port = (number: number, labels: Record<string, string> = {}, name?: string): Port => ({
  number,
  ...(name ? { name } : {}),
  labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) },
});

function read(task: TaskInfo, ctx: ConsulLabelContext = context): { options: ConsulLabelOptions | undefined; problems: string[] } {
  const problems: string[] = [];
  const options = readConsulLabels(task, ctx, problems);
  return { options, problems };
}

function services(task: TaskInfo): { id: string; name: string; port: number; tags: string[] }[] {
  const { options, problems } = read(task);
  assert.deepEqual(problems, []);
  assert.ok(options);
  // The hook accepts what the labels produce.
  assert.deepEqual(validateConsulHookOptions({ agent: {}, services: options.services, leaveTimeoutMs: 1000 }), []);
  return options.services.map(({ id, name, port, tags }) => ({ id, name, port, tags: [...tags].sort() }));
}

const sorted = (tags: string[]): string[] => [...tags].sort();

describe("readConsulLabels: the predecessor's conventions", () => {
  it("nothing without the consul label (port labels alone do not register, as before)", () => {
    const { options, problems } = read(prepare("t", undefined, ["metrics"], [port(997, { consul: "x" })]));
    assert.equal(options, undefined);
    assert.deepEqual(problems, []);
  });

  it("uses the labelled port for the service ID (TestIfUsesLabelledPortsForServiceIDGen)", () => {
    const list = services(prepare("taskID", "consulName", ["metrics", "otherTag"], [port(666), port(997, { consul: "consulName" })]));
    assert.deepEqual(list, [
      { id: "taskID_consulName_997", name: "consulName", port: 997, tags: sorted(["metrics", "otherTag", "marathon", "marathon-task:taskID"]) },
    ]);
  });

  it("uses the first port when none is labelled (TestIfUsesFirstPortIfNoneIsLabelledForServiceIDGen)", () => {
    const list = services(prepare("taskID", "consulName", ["metrics"], [port(666), port(997)]));
    assert.deepEqual(list.map((s) => s.id), ["taskID_consulName_666"]);
    assert.deepEqual(list[0]!.tags, sorted(["metrics", "marathon", "marathon-task:taskID"]));
  });

  it("registers every labelled port, in port order (…AndRegisterMultiplePorts)", () => {
    const list = services(prepare("taskID", "consulName", ["metrics"], [port(998, { consul: "consulName-secured" }), port(666), port(997, { consul: "consulName" })]));
    assert.deepEqual(list.map((s) => s.id), ["taskID_consulName-secured_998", "taskID_consulName_997"]);
  });

  it("one port under several names, tag:<name> selecting the instance (…SinglePortWithMultipleNames)", () => {
    const list = services(
      prepare("taskID", "consulName,consulName-secured", ["metrics"], [
        port(998, { consul: "consulName,consulName-secured", secure: "tag:consulName-secured", insecure: "tag:consulName", common: "tag" }),
      ]),
    );
    assert.deepEqual(list, [
      { id: "taskID_consulName_998", name: "consulName", port: 998, tags: sorted(["insecure", "common", "metrics", "marathon", "marathon-task:taskID"]) },
      { id: "taskID_consulName-secured_998", name: "consulName-secured", port: 998, tags: sorted(["secure", "common", "metrics", "marathon", "marathon-task:taskID"]) },
    ]);
  });

  it("port labels valued tag add tags to that port's instance only (TestIfUsesPortLabelsForRegistration)", () => {
    const list = services(prepare("taskID", "consulName", ["metrics", "extras"], [port(666, { consul: "consulName", hystrix: "tag" }), port(997, { consul: "consulName-secured" })]));
    assert.deepEqual(list, [
      { id: "taskID_consulName_666", name: "consulName", port: 666, tags: sorted(["hystrix", "metrics", "extras", "marathon", "marathon-task:taskID"]) },
      { id: "taskID_consulName-secured_997", name: "consulName-secured", port: 997, tags: sorted(["metrics", "extras", "marathon", "marathon-task:taskID"]) },
    ]);
  });

  for (const value of ["true", ""]) {
    it(`consul=${JSON.stringify(value)} derives the name from the task ID (TestIfGeneratesNameIfConsulLabelTrueOrEmpty)`, () => {
      const list = services(prepare("taskID", value, ["metrics", "otherTag"], [port(666)]));
      assert.deepEqual(list.map((s) => [s.id, s.name]), [["taskID_taskID_666", "taskID"]]);
    });
  }

  it("derives names as the predecessor and marathon-consul do (TestIfGeneratesCorrectNameIfConsulLabelEmpty)", () => {
    assert.equal(serviceNameFromTaskId("/rootGroup/subGroup/subSubGroup/name"), "rootGroup-subGroup-subSubGroup-name");
    assert.equal(serviceNameFromTaskId("com.examle_examle-app.4646218e-a9b7-11e7-938f-02c89eb9127"), "com.examle.examle-app");
    assert.equal(serviceNameFromTaskId("group_app.4646218e-a9b7-11e7-938f-02c89eb9127"), "group.app");
    const list = services(prepare("com.examle_examle-app.4646218e-a9b7-11e7-938f-02c89eb9127", "", [], [port(666)]));
    assert.deepEqual(list.map((s) => s.id), ["com.examle_examle-app.4646218e-a9b7-11e7-938f-02c89eb9127_com.examle.examle-app_666"]);
  });

  it("resolves {port:NAME} placeholders in task and port tags; an unknown name stays (TestIfPlaceholdersAreResolved)", () => {
    const list = services(
      prepare("taskId", "taskName", ["service-port:{port:service}"], [
        port(655, { consul: "serviceName-admin", admin: "tag" }, "admin"),
        port(766, { consul: "serviceName", "admin-port:{port:admin}": "tag", "{port:unknown} is not replaced": "tag" }),
        port(877, {}, "service"),
      ]),
    );
    assert.deepEqual(list, [
      { id: "taskId_serviceName-admin_655", name: "serviceName-admin", port: 655, tags: sorted(["marathon", "admin", "service-port:877", "marathon-task:taskId"]) },
      {
        id: "taskId_serviceName_766",
        name: "serviceName",
        port: 766,
        tags: sorted(["marathon", "service-port:877", "admin-port:655", "{port:unknown} is not replaced", "marathon-task:taskId"]),
      },
    ]);
  });

  it("the global tag is a setting; empty adds none", () => {
    const { options } = read(prepare("t.1", "web", [], [port(80)]), { globalTag: "" });
    assert.deepEqual(options?.services[0]!.tags, ["marathon-task:t.1"]);
    const other = read(prepare("t.1", "web", [], [port(80)]), { globalTag: "cluster-b" }).options;
    assert.deepEqual(other?.services[0]!.tags, ["cluster-b", "marathon-task:t.1"]);
  });
});

describe("readConsulLabels: address and check", () => {
  it("registers the advertised address and an HTTP check of the Mesos health check's port and path", () => {
    const task = prepare("t.1", "web", [], [port(31000)], { type: "HTTP", http: { port: 31000, path: "/health" }, interval_seconds: 7, timeout_seconds: 3 });
    const { options } = read(task);
    assert.deepEqual(options?.services[0], {
      id: "t.1_web_31000",
      name: "web",
      port: 31000,
      address: "10.0.0.5",
      tags: ["marathon", "marathon-task:t.1"],
      check: { http: "http://10.0.0.5:31000/health", intervalMs: 7000, timeoutMs: 3000 },
    });
  });

  it("HTTPS checks skip certificate verification (as Mesos' do); TCP checks; Mesos defaults for missing interval and timeout", () => {
    const https = read(prepare("t.1", "web", [], [port(443)], { type: "HTTP", http: { port: 443, scheme: "https" } }), { globalTag: "", address: "::1" }).options;
    assert.deepEqual(https?.services[0]!.check, { http: "https://[::1]:443/", intervalMs: 10_000, timeoutMs: 20_000, tlsSkipVerify: true });
    const tcp = read(prepare("t.1", "web", [], [port(5432)], { type: "TCP", tcp: { port: 5432 }, interval_seconds: 2, timeout_seconds: 1 }), { globalTag: "" }).options;
    assert.deepEqual(tcp?.services[0]!.check, { tcp: "127.0.0.1:5432", intervalMs: 2000, timeoutMs: 1000 });
    assert.equal(tcp?.services[0]!.address, undefined, "no address option: Consul uses its node's address");
  });

  it("no check for a COMMAND health check or none at all", () => {
    const command = read(prepare("t.1", "web", [], [port(80)], { type: "COMMAND", command: { value: "true" } })).options;
    assert.equal(command?.services[0]!.check, undefined);
    const none = read(prepare("t.1", "web", [], [port(80)], null)).options;
    assert.equal(none?.services[0]!.check, undefined);
  });

  it("the resulting options build a hook", () => {
    const { options } = read(prepare("t.1", "web", ["metrics"], [port(80)]));
    assert.equal(consulHook({ agent: {}, services: options!.services, leaveTimeoutMs: 1000 }).name, "consul");
  });
});

describe("readConsulLabels: problems, each naming the label", () => {
  const problemsOf = (task: TaskInfo): string[] => {
    const { options, problems } = read(task);
    assert.equal(options, undefined);
    return problems;
  };

  it("a task without ports", () => {
    assert.deepEqual(problemsOf(prepare("t.1", "web", [], [])), ["label consul: the task has no ports to register (no DiscoveryInfo ports, no port resources)"]);
  });

  it("port resources stand in for missing DiscoveryInfo ports", () => {
    const task: TaskInfo = { ...prepare("t.1", "web", [], []), resources: [{ name: "ports", type: "RANGES", ranges: { range: [{ begin: 31005, end: 31006 }] } }] };
    assert.deepEqual(read(task).options?.services.map((s) => s.id), ["t.1_web_31005"]);
  });

  it("an empty name in a port's consul label", () => {
    assert.deepEqual(problemsOf(prepare("t.1", "web", [], [port(8080, { consul: "a,,b" }, "http")])), [
      'port label consul on port 8080 ("http") at index 0: empty service name in "a,,b" (expected a comma-separated list of names)',
    ]);
  });

  it("a name that makes an ID Consul cannot deregister", () => {
    assert.deepEqual(problemsOf(prepare("t.1", "a/b", [], [port(8080)])), [
      'label consul: the service ID "t.1_a/b_8080" contains "/", which Consul cannot deregister (hashicorp/consul#1096)',
    ]);
  });

  it("a port that is not one", () => {
    assert.deepEqual(problemsOf(prepare("t.1", "web", [], [port(70000, { consul: "web" })])), [
      "port label consul on port 70000 at index 0: 70000 is not a port number (1-65535)",
    ]);
  });

  it("a task ID that gives no name", () => {
    assert.deepEqual(problemsOf(prepare("/", "true", [], [port(80)])), [
      'label consul: cannot derive a service name from the task ID "/"; set the label to the service name',
    ]);
  });

  it("a health check Consul cannot run", () => {
    assert.deepEqual(problemsOf(prepare("t.1", "web", [], [port(80)], { type: "HTTP", http: { port: 80 }, interval_seconds: 0 })), [
      "label consul: Consul's check needs health_check.interval_seconds > 0, got 0",
    ]);
  });
});
