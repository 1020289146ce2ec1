// The http hook against a real HTTP server on loopback: what it sends, what counts as success, its deadline.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { withTimeout } from "../../test/helpers/waitFor.js";
import type { HookContext } from "../core/hook.js";
import type { TaskSpec } from "../core/taskSpec.js";
import { httpHook, parseStatusRanges, validateHttpHookOptions, type HttpHookOptions } from "./httpHook.js";

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
}

const seen: Seen[] = [];
let server: Server;
let base: string;
/** What the server does with a request, by path. */
const routes: Record<string, (res: ServerResponse) => void> = {
  "/ok": (res) => res.end("fine"),
  "/teapot": (res) => {
    res.statusCode = 418;
    res.end("short and stout\nsecond line");
  },
  "/hang": () => undefined,
};

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      (routes[new URL(req.url ?? "/", "http://x").pathname] ?? routes["/ok"]!)(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const task = { taskId: "t-1", name: "t" } as TaskSpec;
function context(lines: string[], signal = AbortSignal.timeout(20_000)): HookContext {
  return { task, signal, output: (line) => lines.push(line) };
}
const options = (more: Partial<HttpHookOptions>): HttpHookOptions => ({ name: "notify", phases: ["healthy", "preKill"], method: "GET", url: `${base}/ok`, ...more });

describe("httpHook (real HTTP server on loopback)", () => {
  it("sends the method, headers, body and the phase in the URL; shows no query string", async () => {
    seen.length = 0;
    const hook = httpHook(options({ method: "POST", url: `${base}/ok?phase={phase}&token=s3cret`, headers: { "X-Task": "t-1" }, body: '{"drain":true}' }));
    const lines: string[] = [];
    await hook.healthy!(context(lines));
    await hook.preKill!({ ...context(lines), cause: "requested", exited: new Promise(() => undefined) });
    assert.deepEqual(seen.map((s) => [s.method, s.url, s.headers["x-task"], s.body]), [
      ["POST", "/ok?phase=healthy&token=s3cret", "t-1", '{"drain":true}'],
      ["POST", "/ok?phase=preKill&token=s3cret", "t-1", '{"drain":true}'],
    ]);
    assert.deepEqual(lines, [`POST ${base}/ok answered 200`, `POST ${base}/ok answered 200`]);
    assert.equal(hook.prestart, undefined, "only the configured phases exist");
  });

  it("an unexpected status fails, naming it with the first line of the answer; expected statuses are configurable", async () => {
    const hook = httpHook(options({ url: `${base}/teapot` }));
    await assert.rejects(hook.healthy!(context([])), { code: "HTTP_HOOK_STATUS", message: `GET ${base}/teapot answered 418: short and stout` });
    await httpHook(options({ url: `${base}/teapot`, expectStatus: parseStatusRanges("200-299,418") })).healthy!(context([]));
  });

  it("a server that never answers: the call ends when its signal aborts", async () => {
    const hook = httpHook(options({ url: `${base}/hang` }));
    await assert.rejects(withTimeout(hook.healthy!(context([], AbortSignal.timeout(300))), 10_000, "the hook to give up"), {
      code: "HTTP_HOOK_FAILED",
      message: `GET ${base}/hang failed: cancelled at its deadline`,
    });
  });

  it("an unreachable server fails with the cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(httpHook(options({ url: `http://127.0.0.1:${port}/x` })).healthy!(context([])), /failed: connect ECONNREFUSED/);
  });

  it("refuses bad options: method, scheme, header injection, status ranges", () => {
    assert.deepEqual(
      validateHttpHookOptions(options({ method: "GE T", url: "file:///etc/passwd", headers: { "X-A": "a\r\nX-Injected: 1", "Bad Name": "v" }, expectStatus: [[299, 200]] })),
      [
        'method "GE T" is not an HTTP method',
        "url must be http or https, not file:",
        "header X-A must be one line of text",
        'header name "Bad Name" is not a token',
        "expected status 299-200 is not a range within 100-599",
      ],
    );
    assert.throws(() => httpHook(options({ url: "not a url" })), { code: "HTTP_HOOK_INVALID" });
    assert.equal(parseStatusRanges("200-299, 404")?.length, 2);
    assert.equal(parseStatusRanges("2xx"), undefined);
  });
});
