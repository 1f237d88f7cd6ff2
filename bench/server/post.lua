-- post.lua — wrk script for weir's server load benchmark (bench/server/run.sh).
--
-- Every request: POST with Content-Type: application/json and the body
--   BENCH_BODY          default {"name":"ada","n":41}
-- or, with BENCH_METHOD=GET, a GET without a body;
--   BENCH_AUTHORIZATION if set, sent as the Authorization header
--                       (the whole value, e.g. "Bearer weirp_…")
-- BENCH_THINK_MS, when set above 0, makes each connection wait after an
-- answer before its next request: a random whole number of milliseconds
-- from 0 to twice BENCH_THINK_MS (the same wait for all would keep the
-- connections in step, sending in bursts). A load below the server's
-- maximum: about connections / (latency + BENCH_THINK_MS) requests/s.
-- At the end, done() prints one line of JSON (after wrk's own report):
--   {"requests", "duration_s", "requests_per_s", "bytes",
--    "latency_us": {"min","mean","stdev","p50","p90","p99","max"},
--    "non_2xx_3xx", "socket_errors": {"connect","read","write","timeout"}}
-- non_2xx_3xx is wrk's count of responses with a status of 400 or more
-- (wrk counts no other statuses as errors).
--
-- Use: wrk -t2 -c64 -d10s -s post.lua http://127.0.0.1:PORT/path

local body = os.getenv("BENCH_BODY")
if body == nil or body == "" then
  body = '{"name":"ada","n":41}'
end

if os.getenv("BENCH_METHOD") == "GET" then
  wrk.method = "GET"
else
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local auth = os.getenv("BENCH_AUTHORIZATION")
if auth ~= nil and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local think = tonumber(os.getenv("BENCH_THINK_MS") or "") or 0
if think > 0 then
  -- each wrk thread has its own Lua state: seed each differently
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  function delay()
    return math.random(0, 2 * think)
  end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local rps = 0
  if secs > 0 then rps = summary.requests / secs end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"requests_per_s":%.1f,"bytes":%d,' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d},' ..
    '"non_2xx_3xx":%d,"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}}\n',
    summary.requests, secs, rps, summary.bytes,
    latency.min, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
