-- wrk script for the API load benchmark (run.sh api): each request takes the
-- next path from WRK_PATHS (separated by spaces), so one run mixes several
-- filtered queries; WRK_TOKEN, when set, is sent as a bearer token. At the end
-- it prints one machine-readable line:
--   RESULT requests duration_us p50_ms p99_ms max_ms non_2xx_or_3xx socket_errors bytes
local paths = {}
for p in string.gmatch(os.getenv("WRK_PATHS") or "/", "%S+") do
  paths[#paths + 1] = p
end
local token = os.getenv("WRK_TOKEN") or ""
local i = 0

request = function()
  i = i % #paths + 1
  local headers = {}
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("GET", paths[i], headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d %d %d\n",
    summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
