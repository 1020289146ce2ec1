// A tiny HTTP service for the haproxy-drain example: it takes READY_AFTER_MS (default 2000) to warm up, during which
// /health answers 503; `/` says hello; `/slow?ms=N` answers after N ms (a request to watch survive a drain). On
// SIGTERM it stops accepting connections and exits once the requests in flight have ended.
import { createServer } from "node:http";

const port = Number(process.env.PORT_HTTP ?? process.env.PORT0 ?? 8080);
const readyAfterMs = Number(process.env.READY_AFTER_MS ?? 2000);
const task = process.env.MESOS_TASK_ID ?? "local";
const log = (line) => process.stdout.write(`app: ${line}\n`);
const startedAt = Date.now();
let served = 0;
let inFlight = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  inFlight += 1;
  res.on("close", () => (inFlight -= 1));
  const reply = (status, body) => {
    res.writeHead(status, { "content-type": "text/plain", connection: "close" });
    res.end(`${body}\n`);
  };
  if (url.pathname === "/health") {
    reply(Date.now() - startedAt >= readyAfterMs ? 200 : 503, Date.now() - startedAt >= readyAfterMs ? "ready" : "warming up");
  } else if (url.pathname === "/slow") {
    const ms = Math.min(Number(url.searchParams.get("ms") ?? 3000) || 0, 60_000);
    setTimeout(() => reply(200, `slow hello from ${task} after ${ms} ms`), ms);
  } else {
    served += 1;
    reply(200, `hello from ${task} (request ${served})`);
  }
});

server.listen(port, "127.0.0.1", () => log(`listening on 127.0.0.1:${port}, ready in ${readyAfterMs} ms`));

process.on("SIGTERM", () => {
  log(`SIGTERM: no new connections; ${inFlight} request(s) in flight`);
  server.close(() => {
    log(`stopped after ${served} request(s)`);
    process.exit(0);
  });
  server.closeIdleConnections();
});
