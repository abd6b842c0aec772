-- wrk: POST /v1/embed with one fixed text (after the first request, every answer is an L1 hit).
--   API_KEY=sk_... wrk -t1 -c32 -d20s --latency -s scripts/performance/wrk/embed_cached.lua http://127.0.0.1:8000
wrk.method = "POST"
wrk.path = "/v1/embed"
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("API_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
wrk.body = '{"text": "how to reset my password"}'

local failures = 0
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", summary.errors.status))
end
