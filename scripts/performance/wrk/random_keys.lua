-- wrk: POST /v1/embed, each request with a different random, well-formed, unknown API key
-- (a key-guessing flood). Every answer should be 401 (or 429/503 once throttled).
--   KEY_PREFIX=sk_ wrk -t1 -c8 -d10s -s scripts/performance/wrk/random_keys.lua http://127.0.0.1:8000
wrk.method = "POST"
wrk.path = "/v1/embed"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text": "how to reset my password"}'
local prefix = os.getenv("KEY_PREFIX") or "sk_"
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  local chars = {}
  for i = 1, 43 do
    local n = math.random(1, #alphabet)
    chars[i] = alphabet:sub(n, n)
  end
  wrk.headers["Authorization"] = "Bearer " .. prefix .. table.concat(chars)
  return wrk.format()
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  io.write(string.format("flood: %d requests, non-2xx %d\n", summary.requests, summary.errors.status))
end
