// rolling-service: a sample HTTP service that behaves like a real one during a rolling restart (the load of
// `npm run bench:rolling` and test/e2e/rollingRestart.test.ts).
//
// - It listens at once but is not ready for READY_AFTER_MS (default 1000): until then every request but /health gets
//   503 "warming up" (caches loading, connections pools filling), and /health answers 503.
// - `/` answers after WORK_MS (default 3) ms; `/slow?ms=N` after N ms (at most 60 s).
// - Keep-alive: idle connections are kept 65 s, longer than a load balancer keeps its idle ones (HAProxy: 5 s), so
//   that the service never closes a connection the balancer is about to reuse.
// - SIGTERM: /health answers 503, no new connections, idle ones closed, the requests in flight finish (their
//   responses say `Connection: close`), then it exits 0. With IGNORE_SIGTERM=1 it ignores SIGTERM and goes on
//   serving (only SIGKILL stops it).
import { createServer } from "node:http";

const number = (name, fallback) => {
  const text = process.env[name];
  const value = text === undefined || text === "" ? fallback : Number(text);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`rolling-service: ${name} must be a number >= 0, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
};
const port = number("PORT_HTTP", number("PORT0", number("PORT", 8080)));
const readyAfterMs = number("READY_AFTER_MS", 1000);
const workMs = number("WORK_MS", 3);
const ignoreSigterm = process.env.IGNORE_SIGTERM === "1";
const task = process.env.MESOS_TASK_ID ?? "local";
const log = (line) => process.stdout.write(`rolling-service ${task}: ${line}\n`);

const startedAt = performance.now();
let ready = false;
let stopping = false;
let served = 0;
let inFlight = 0;

const server = createServer({ headersTimeout: 66_000 }, (req, res) => {
  inFlight += 1;
  res.on("close", () => (inFlight -= 1));
  const reply = (status, body) => {
    const headers = { "content-type": "text/plain", "content-length": Buffer.byteLength(body) };
    // Once stopping, each connection closes after its response: the balancer opens no new one.
    if (stopping) headers.connection = "close";
    res.writeHead(status, headers);
    res.end(body);
  };
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/health") {
    reply(ready && !stopping ? 200 : 503, stopping ? "stopping\n" : ready ? "ready\n" : "warming up\n");
    return;
  }
  if (!ready) {
    reply(503, "warming up\n");
    return;
  }
  const ms = url.pathname === "/slow" ? Math.min(Number(url.searchParams.get("ms") ?? 1000) || 0, 60_000) : workMs;
  setTimeout(() => {
    served += 1;
    reply(200, `hello from ${task}\n`);
  }, ms);
});
server.keepAliveTimeout = 65_000;

server.listen(port, "127.0.0.1", () => {
  log(`listening on 127.0.0.1:${port}, ready in ${readyAfterMs} ms`);
  setTimeout(() => {
    ready = true;
    log(`ready after ${Math.round(performance.now() - startedAt)} ms`);
  }, readyAfterMs);
});
server.on("error", (error) => {
  log(`cannot listen: ${error.message}`);
  process.exit(1);
});

process.on("SIGTERM", () => {
  if (ignoreSigterm) {
    log(`SIGTERM ignored (IGNORE_SIGTERM=1); ${inFlight} request(s) in flight`);
    return;
  }
  if (stopping) return;
  stopping = true;
  log(`SIGTERM: no new connections; ${inFlight} request(s) in flight`);
  server.close(() => {
    log(`stopped after ${served} request(s)`);
    process.exit(0);
  });
  server.closeIdleConnections();
});
