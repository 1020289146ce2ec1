import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeHaproxyLog } from "./haproxyLog.js";

// Lines as HAProxy 2.6 writes them with `option httplog` (taken from real runs of the bench).
const LOG = [
  "[NOTICE]   (3133) : New worker (3135) forked",
  '127.0.0.1:56622 [29/Nov/2026:20:47:35.425] fe fe/<NOSRV> -1/-1/-1/-1/4 400 0 - - CR-- 2/2/0/0/0 0/0 "<BADREQ>"',
  '127.0.0.1:43738 [29/Nov/2026:20:43:56.040] fe web/<NOSRV> 0/-1/-1/-1/0 503 222 - - SC-- 1/1/0/0/0 0/0 "GET /?id=7 HTTP/1.1"',
  '127.0.0.1:43738 [29/Nov/2026:20:43:56.637] fe web/a 0/0/0/9/9 503 153 - - ---- 1/1/0/0/0 0/0 "GET /?id=9 HTTP/1.1"',
  '127.0.0.1:52804 [29/Nov/2026:20:50:36.297] fe web/rolling-command.3_44229 0/0/0/12/12 200 142 - - ---- 64/64/37/4/0 0/0 "GET /?id=5667 HTTP/1.1"',
  '127.0.0.1:52804 [29/Nov/2026:20:50:36.397] fe web/b 0/0/0/-1/12 502 204 - - SH-- 64/64/37/4/2 0/0 "GET /?id=5668 HTTP/1.1"',
  '127.0.0.1:52804 [29/Nov/2026:20:50:36.497] fe web/c 0/0/1/3/5 200 142 - - ---- 64/64/37/4/+1 0/0 "GET /?id=5669 HTTP/1.1"',
].join("\n");

test("counts requests, failures, terminations, retries and redispatches; skips connections that sent nothing", () => {
  assert.deepEqual(summarizeHaproxyLog(LOG), {
    requests: 5,
    serverErrors: 3,
    non2xx: 3,
    terminations: { SC: 1, SH: 1 },
    retried: 2,
    redispatched: 1,
  });
});

test("an empty or foreign log counts nothing", () => {
  assert.deepEqual(summarizeHaproxyLog("hello\n\n"), { requests: 0, serverErrors: 0, non2xx: 0, terminations: {}, retried: 0, redispatched: 0 });
});
