-- wrk script for bench/rolling: a fixed request rate over keep-alive connections, and an outcome for every request.
--
-- wrk has no fixed-rate mode: delay() gives each request the next slot of a schedule at `rate` per second (per
-- thread), so the rate holds whatever the latency is, as long as a connection is free. A request falling more than
-- 1 s behind its slot gives up the missed slots (counted in `skipped`).
--
-- Each request carries `id=N` in its query; HAProxy copies it into an `x-id` response header (also on the responses
-- it makes itself, e.g. a 503), so each response is matched to its request. A request that never gets a response
-- (the connection failed) stays in `pending` with its send time: bench/rolling/wrkReport.ts counts it as a socket
-- error, at the second it was sent. Latencies are kept as a histogram in 0.1 ms steps.
--
-- wrk calls request() once before the load to check the request it makes (script_verify_request), before it calls
-- delay() for the first time: that request is never sent, so it gets no id. (A request after a reconnection comes
-- without a delay(), so only the first delay() tells the two apart.)
--
-- Arguments (after `--`): origin (CLOCK_MONOTONIC ms, the timeline's zero), rate (requests/s per thread),
-- long_every (every Nth request is /slow; 0: none), long_ms (how long /slow takes).
-- done() prints one line: `ROLLING_WRK <json>`.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } rolling_timespec_t;
int clock_gettime(int clock_id, rolling_timespec_t *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("rolling_timespec_t")
local floor = math.floor

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  origin = tonumber(args[1]) or now_ms()
  interval = 1000 / (tonumber(args[2]) or 1000)
  long_every = tonumber(args[3]) or 0
  long_ms = tonumber(args[4]) or 1000
  next_slot = nil
  started = false
  skipped = 0
  id = 0
  unmatched = 0
  pending = {}
  sent = {}
  ok = {}
  bad = {}
  statuses = {}
  hist = {}
  long_hist = {}
end

function delay()
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  if next_slot < now - 1000 then
    skipped = skipped + floor((now - 1000 - next_slot) / interval)
    next_slot = now
  end
  started = true
  local wait = next_slot - now
  next_slot = next_slot + interval
  if wait < 0 then wait = 0 end
  return wait
end

function request()
  if not started then return wrk.format("GET", "/?id=0") end
  id = id + 1
  local now = now_ms()
  pending[id] = now
  local second = floor((now - origin) / 1000)
  sent[second] = (sent[second] or 0) + 1
  if long_every > 0 and id % long_every == 0 then
    return wrk.format("GET", "/slow?ms=" .. long_ms .. "&id=" .. id)
  end
  return wrk.format("GET", "/?id=" .. id)
end

function response(status, headers, body)
  local now = now_ms()
  local rid = tonumber(headers["x-id"] or headers["X-Id"] or headers["X-ID"])
  local sent_at = rid and pending[rid]
  if not sent_at then
    unmatched = unmatched + 1
    return
  end
  pending[rid] = nil
  local second = floor((sent_at - origin) / 1000)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 300 then
    ok[second] = (ok[second] or 0) + 1
  else
    bad[second] = (bad[second] or 0) + 1
  end
  local step = floor((now - sent_at) * 10)
  if long_every > 0 and rid % long_every == 0 then
    long_hist[step] = (long_hist[step] or 0) + 1
  else
    hist[step] = (hist[step] or 0) + 1
  end
end

-- A table of numbers keyed by numbers, as a JSON object.
local function json_map(t)
  local parts = {}
  for k, v in pairs(t) do
    parts[#parts + 1] = string.format('"%s":%.3f', tostring(k), v)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local out = {}
  for _, t in ipairs(threads) do
    out[#out + 1] = string.format(
      '{"ids":%d,"unmatched":%d,"skipped":%d,"pending":%s,"sent":%s,"ok":%s,"bad":%s,"statuses":%s,"hist":%s,"longHist":%s}',
      t:get("id"), t:get("unmatched"), t:get("skipped"), json_map(t:get("pending")), json_map(t:get("sent")),
      json_map(t:get("ok")), json_map(t:get("bad")), json_map(t:get("statuses")), json_map(t:get("hist")),
      json_map(t:get("long_hist")))
  end
  local e = summary.errors
  io.write(string.format(
    'ROLLING_WRK {"stoppedAt":%.3f,"durationUs":%d,"responses":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"threads":[%s]}\n',
    now_ms(), summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout, table.concat(out, ",")))
end
