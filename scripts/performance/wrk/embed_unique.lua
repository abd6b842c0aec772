-- wrk: POST /v1/embed where every request carries a different short query (no cache hits).
--   API_KEY=sk_... wrk -t1 -c64 -d20s --latency -s scripts/performance/wrk/embed_unique.lua http://127.0.0.1:8000
wrk.method = "POST"
wrk.path = "/v1/embed"
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("API_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end

local words = {"reset", "password", "billing", "invoice", "refund", "shipping", "account", "login", "error",
               "update", "card", "order", "track", "cancel", "subscription", "email", "phone", "address"}
local counter = 0
function request()
  counter = counter + 1
  local a = words[(counter % #words) + 1]
  local b = words[((counter * 7) % #words) + 1]
  local body = string.format('{"text": "how to %s my %s %d"}', a, b, counter)
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", summary.errors.status))
end
