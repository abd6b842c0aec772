#!/usr/bin/env bash
# Runs the whole test suite the way CI does: model installed, Redis and PostgreSQL started under
# .services/ (and stopped again on exit, also on failure), then `swift test`. Prints timings.
set -euo pipefail
cd "$(dirname "$0")/.."
REDIS_PORT=${REDIS_PORT:-6390}
POSTGRES_PORT=${POSTGRES_PORT:-5433}

started=0
cleanup() { [ "$started" -eq 1 ] && scripts/services.sh down || true; }
trap cleanup EXIT

t0=$(date +%s)
echo "==> building (debug) — the first build takes several minutes on 2 cores"
swift build --build-tests
t1=$(date +%s)
echo "==> build took $((t1 - t0)) s"

.build/debug/smally model install --dir "${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}"

scripts/services.sh up
started=1
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export DATABASE_URL="postgres://postgres@127.0.0.1:$POSTGRES_PORT/smally_test"

echo "==> swift test"
# A hung test must fail the run, not eat the CI budget.
# One test at a time: several suites time what they check (timeouts, idle connections, floods), and
# on 2 cores running them beside the CPU-heavy ones made them flaky; serial takes ~75 s.
timeout --kill-after=30 1200 swift test --skip-build --disable-xctest --no-parallel "$@"

echo "==> performance gate: hot paths vs Benchmarks/Gate/thresholds.json (calibrated; Mann-Whitney U, alpha 0.05)"
scripts/performance/gate.sh

echo "==> leak check: a scripted server run under LeakSanitizer, 0 definite leaks"
scripts/performance/leak_check.sh

echo "==> the official openai Python client against a live server"
scripts/compat/run_openai_client_test.sh

echo "==> two models in one server under a k6 mix: every vector is its own model's (no cross-talk)"
SMALLY_BIN=.build/debug/smally CROSS_TALK_ONLY=1 VUS=4 DURATION=5s RESULTS_DIR="$(mktemp -d)" \
  scripts/performance/models/two_models.sh Tests/Fixtures/models/bert-h64-max-normalize-legacy

echo "==> the ARM64 kernels: cross-compiled, run under qemu-user, checked against x86-64's outputs"
scripts/arm64/check_kernels.sh

echo "==> the load curve's ideal-queue floor: its simulation against the closed form"
python3 scripts/performance/queue_floor.py --self-test

echo "==> the web console in headless Chromium: sign in, chart, create a key, use it, revoke it (screenshots in results/console)"
scripts/console/run_browser_check.sh

echo "==> schemathesis against the live server's /openapi.json: no 5xx, the process stays up"
scripts/compat/run_schemathesis.sh

echo "==> deploy/: nginx -t, promtool (config, rules, alert tests), compose + Kubernetes schemas, systemd unit"
scripts/ops/check_deploy.sh

echo "==> rolling restart of two nodes behind nginx under k6: 0 failed requests, usage = 200s, alert metric names exported"
scripts/ops/rolling_restart.sh

echo "==> kill -9 of a node under k6 load: the usage journal keeps every 200; alert metric names exported"
scripts/ops/kill9_usage.sh
t2=$(date +%s)
echo "==> tests took $((t2 - t1)) s (build $((t1 - t0)) s)"
