-- wrk script: POST the JSON file named by TESSERA_BODY with the bearer token TESSERA_TOKEN,
-- and print one parseable result line.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TESSERA_TOKEN")
local file = assert(io.open(os.getenv("TESSERA_BODY"), "r"))
wrk.body = file:read("*a")
file:close()

local non_2xx = 0
response = function(status, headers, body)
  if status ~= 200 then non_2xx = non_2xx + 1 end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    "result: requests=%d seconds=%.2f per_second=%.0f p50_us=%d p99_us=%d max_us=%d errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max, errors))
end
