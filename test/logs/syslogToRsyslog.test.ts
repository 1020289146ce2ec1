// The RFC 5424 encoder against a real receiver: Debian's rsyslogd (imtcp on 127.0.0.1) reads octet-counted records
// written by syslogEncoder and writes what it parsed as JSON lines. A record rsyslog could not parse as RFC 5424
// would come out with its header in the message; a broken frame would split or merge records.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../src/dev/freePort.js";
import { LogEnricher } from "../../src/logs/logEnricher.js";
import type { LogEvent } from "../../src/logs/logEvent.js";
import { syslogEncoder } from "../../src/logs/syslogEncoder.js";
import { taskLogMetadata, streamLogMetadata } from "../../src/logs/taskLogMetadata.js";
import { startDaemon, type Daemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/waitFor.js";

const dir = mkdtempSync(join(tmpdir(), "berth-logcore-rsyslog-"));
const out = join(dir, "out.jsonl");
let daemon: Daemon | undefined;
let port = 0;

before(async () => {
  port = await freePort();
  const config = join(dir, "rsyslog.conf");
  writeFileSync(
    config,
    `global(workDirectory="${dir}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="capture")
template(name="asJson" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="capture") { action(type="omfile" file="${out}" template="asJson") }
`,
  );
  execFileSync("rsyslogd", ["-N1", "-f", config], { stdio: "ignore" });
  daemon = startDaemon("rsyslogd", ["-n", "-f", config, "-i", join(dir, "rsyslogd.pid")], join(dir, "rsyslogd.log"));
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      }),
    { what: "rsyslogd to listen", timeoutMs: 30_000 },
  );
});

after(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("syslogEncoder → real rsyslogd (imtcp)", () => {
  it("octet-counted records arrive one each, parsed as RFC 5424, with escaped SD values and newlines inside messages", async () => {
    const metadata = streamLogMetadata(taskLogMetadata({ taskId: "shop_cart.1", executorId: "shop_cart.1", appName: "/shop/cart", scId: "7" }, { MESOS_HOSTNAME: "agent-1" }), "stdout");
    const enricher = new LogEnricher({ stream: "stdout", metadata });
    const events: LogEvent[] = [
      enricher.event('{"msg":"first","level":"error","q":"a\\"b]c\\\\d"}', false, Date.UTC(2026, 10, 29, 20, 0, 0)),
      enricher.event("second line\ncontinued", false, Date.UTC(2026, 10, 29, 20, 0, 1)),
      enricher.event("third, cut", true, Date.UTC(2026, 10, 29, 20, 0, 2)),
    ];
    const encode = syslogEncoder({ framing: "octet-counted" });
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      // One write: the frames must separate the records, not the writes.
      socket.end(Buffer.concat(events.map(encode)), () => resolve());
    });
    const lines = await waitFor(() => existsSync(out) && readFileSync(out, "utf8").split("\n").filter((line) => line !== "").length >= 3 && readFileSync(out, "utf8").split("\n").filter((l) => l !== ""), {
      what: "three records in rsyslog's output",
      timeoutMs: 30_000,
    });
    const records = lines.map((line) => JSON.parse(line) as Record<string, string>);
    assert.equal(records.length, 3);
    assert.deepEqual(
      records.map((r) => [r.pri, r.hostname, r.app, r.procid, r.msgid]),
      [["11", "agent-1", "/shop/cart", "shop_cart.1", "stdout"], ["14", "agent-1", "/shop/cart", "shop_cart.1", "stdout"], ["14", "agent-1", "/shop/cart", "shop_cart.1", "stdout"]],
    );
    assert.equal(records[0]?.msg, "first");
    assert.equal(
      records[0]?.sd,
      '[berth@32473 level="error" q="a\\"b\\]c\\\\d" task-id="shop_cart.1" instance-id="shop_cart.1" app="/shop/cart" scid="7" srchost="agent-1" stream="stdout"]',
    );
    // rsyslog escapes control characters in what it writes (#012 is the newline): one record, not two.
    assert.equal(records[1]?.msg, "second line#012continued");
    assert.match(records[2]?.sd ?? "", /^\[berth@32473 truncated="true" /);
    assert.equal(records[2]?.msg, "third, cut");
  });
});
