-- wrk: POST /v1/embed where every request carries a different short query (no cache hits).
--   API_KEY=sk_... wrk -t1 -c64 -d20s --latency -s scripts/performance/wrk/embed_unique.lua http://127.0.0.1:8000
wrk.method = "POST"
wrk.path = "/v1/embed"
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("API_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end

local words = {"reset", "password", "billing", "invoice", "refund", "shipping", "account", "login", "error",
               "update", "card", "order", "track", "cancel", "subscription", "email", "phone", "address"}
-- A tag per run (wrk's Lua state starts fresh each run), so a second run does not hit the cache.
math.randomseed(os.time())
local tag = math.random(1000, 9999)
local counter = 0
function request()
  counter = counter + 1
  local a = words[(counter % #words) + 1]
  local b = words[((counter * 7) % #words) + 1]
  local body = string.format('{"text": "how to %s my %s %d%d"}', a, b, tag, counter)
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", summary.errors.status))
end
