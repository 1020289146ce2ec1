import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { framingFor, parseSinkList, parseSinkUrl, SINK_DEFAULTS, SinkConfigError } from "./sinkConfig.js";

const code = (text: string): string => {
  try {
    parseSinkUrl(text);
  } catch (error) {
    assert.ok(error instanceof SinkConfigError, String(error));
    return error.code;
  }
  throw new Error(`${text} was accepted`);
};

describe("parseSinkUrl", () => {
  it("reads each kind with its default format, options with units, and TLS files", () => {
    assert.deepEqual(parseSinkUrl("tcp://logstash.example:5000"), {
      name: "tcp://logstash.example:5000",
      protocol: "tcp",
      host: "logstash.example",
      port: 5000,
      format: "json_lines",
      ...SINK_DEFAULTS,
    });
    const udp = parseSinkUrl("udp://[::1]:514?format=syslog&max_datagram=2048&name=edge");
    assert.deepEqual([udp.name, udp.host, udp.port, udp.format, udp.maxDatagramBytes], ["edge", "::1", 514, "syslog", 2048]);
    const tls = parseSinkUrl("tls://10.0.0.5:6514?ca=/etc/ca.pem&cert=/c.pem&key=/k.pem&servername=logs.example&memory=1m&spool=2g&resolve_ttl=30s&backoff_max=1m");
    assert.deepEqual(tls.tls, { caFile: "/etc/ca.pem", certFile: "/c.pem", keyFile: "/k.pem", serverName: "logs.example" });
    assert.deepEqual([tls.format, tls.memoryBytes, tls.spoolBytes, tls.resolveTtlMs, tls.backoffMaxMs], ["syslog", 1024 ** 2, 2 * 1024 ** 3, 30_000, 60_000]);
    assert.deepEqual(parseSinkUrl("tls://logs.example:6514").tls, {}, "TLS without options: the system's CAs, still verified");
    const file = parseSinkUrl("file:///var/log/my%20tasks.log?format=logfmt&spool=0");
    assert.deepEqual([file.name, file.path, file.format, file.spoolBytes], ["file:/var/log/my tasks.log", "/var/log/my tasks.log", "logfmt", 0]);
    assert.equal(parseSinkUrl("relp://rsyslog:2514").format, "syslog");
    assert.equal(parseSinkUrl("tcp://h:1", { format: "gelf", memoryBytes: 1 << 20 }).memoryBytes, 1 << 20);
  });

  it("refuses bad input with a stable code", () => {
    assert.equal(code("logstash:5000"), "SINK_PROTOCOL_UNSUPPORTED");
    assert.equal(code("not a url"), "SINK_URL_INVALID");
    assert.equal(code("http://h:80"), "SINK_PROTOCOL_UNSUPPORTED");
    assert.equal(code("tcp://h:5000?format=xml"), "SINK_FORMAT_UNKNOWN");
    assert.equal(code("udp://h:5000?format=gelf"), "SINK_FORMAT_UNSUPPORTED");
    assert.equal(code("tcp://:5000"), "SINK_URL_INVALID");
    assert.equal(code("tcp://h"), "SINK_PORT_INVALID");
    assert.equal(code("tcp://h:0"), "SINK_PORT_INVALID");
    assert.equal(code("tcp://h:5000/path"), "SINK_URL_INVALID");
    assert.equal(code("tcp://user:pw@h:5000"), "SINK_URL_INVALID");
    assert.equal(code("file://relative/x.log"), "SINK_PATH_INVALID");
    assert.equal(code("file:///var/log/"), "SINK_PATH_INVALID");
    assert.equal(code("tcp://h:5000?colour=red"), "SINK_OPTION_UNKNOWN");
    assert.equal(code("tcp://h:5000?memory=lots"), "SINK_OPTION_INVALID");
    assert.equal(code("tcp://h:5000?memory=1k"), "SINK_OPTION_INVALID");
    assert.equal(code("tcp://h:5000?resolve_ttl=5 parsecs"), "SINK_OPTION_INVALID");
    assert.equal(code("tcp://h:5000?backoff_min=10s&backoff_max=1s"), "SINK_OPTION_INVALID");
    assert.equal(code("udp://h:5000?max_datagram=70000"), "SINK_OPTION_INVALID");
    assert.equal(code("tcp://h:5000?ca=/etc/ca.pem"), "SINK_TLS_OPTION_WITHOUT_TLS");
    assert.equal(code("tls://h:5000?cert=/c.pem"), "SINK_CERT_WITHOUT_KEY");
    assert.equal(code("tls://h:5000?ca="), "SINK_OPTION_INVALID");
    assert.equal(code("tcp://h:5000?name=a%20b"), "SINK_OPTION_INVALID");
  });

  it("parses a list separated by whitespace and refuses two sinks of one name", () => {
    const sinks = parseSinkList(" tcp://a:1\n udp://b:2?name=x\tfile:///l.log ");
    assert.deepEqual(sinks.map((s) => s.name), ["tcp://a:1", "x", "file:/l.log"]);
    assert.deepEqual(parseSinkList(""), []);
    assert.throws(() => parseSinkList("tcp://a:1 tcp://a:1?format=logfmt"), (error: unknown) => error instanceof SinkConfigError && error.code === "SINK_NAME_DUPLICATE");
  });

  it("says which framing each sink's encoder must produce", () => {
    assert.equal(framingFor({ protocol: "tcp", format: "json_lines" }), "newline");
    assert.equal(framingFor({ protocol: "tcp", format: "syslog" }), "octet-counted");
    assert.equal(framingFor({ protocol: "tls", format: "syslog" }), "octet-counted");
    assert.equal(framingFor({ protocol: "relp", format: "syslog" }), "none");
    assert.equal(framingFor({ protocol: "udp", format: "json_lines" }), "none");
    assert.equal(framingFor({ protocol: "file", format: "logfmt" }), "newline");
    assert.equal(framingFor({ protocol: "tcp", format: "gelf" }), "nul");
  });
});
