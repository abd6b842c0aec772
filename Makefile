# Smally — common tasks. `make help` lists them.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
CONFIG ?= release
MODEL_DIR ?= models/all-MiniLM-L6-v2
REDIS_PORT ?= 6390
POSTGRES_PORT ?= 5433
export REDIS_PORT POSTGRES_PORT

NUM_REQUESTS ?= 1000
NUM_USERS ?= 10
SCENARIO ?= constant
CACHE_HIT_RATIO ?= 0
BASE_URL ?= http://127.0.0.1:8000
K6 := scripts/performance/k6.sh

BIN_DEBUG := .build/debug/smally
BIN := .build/$(CONFIG)/smally

.PHONY: help setup setup-test model build build-debug run test services-up services-down bench bench-cache bench-tokenizer bench-inference bench-engine bench-baseline bench-compare bench-engine-vs-onnx quick-test load-test perf-test perf-curve bench-report bench-gate profile soak model-debug clean

help:
	@echo "make run        set up everything and start the server on embedded defaults (http://127.0.0.1:8000)"
	@echo "make test       set up, start Redis + PostgreSQL under .services/, run the whole test suite, stop them"
	@echo "make setup      apt prerequisites of make run (libblis-dev, libsqlite3-dev); setup-test adds Redis, PostgreSQL, wrk, k6, schemathesis"
	@echo "make model      install the model into $(MODEL_DIR) and verify its SHA-256"
	@echo "make build      release build of the smally binary"
	@echo "make services-up / services-down   local Redis ($(REDIS_PORT)) and PostgreSQL ($(POSTGRES_PORT))"
	@echo "make bench      all micro-benchmarks (package-benchmark); bench-cache / bench-tokenizer / bench-inference one suite"
	@echo "make bench-baseline / bench-compare   save a baseline / compare against it (fails on regressions)"
	@echo "make bench-engine   engine latency/throughput on bench/scenarios.json (smally bench)"
	@echo "make quick-test NUM_REQUESTS=1000 NUM_USERS=10   k6 against a running server"
	@echo "make load-test SCENARIO=constant|ramping|spike CACHE_HIT_RATIO=0   k6 scenario with thresholds + HTML report"
	@echo "make load-test SCENARIO=open|open-ramp RATE=300   open loop: RATE requests/s arrive whatever the latency"
	@echo "make perf-curve latency vs offered load (10-120% of capacity, hit ratios 0 and 0.8) -> results/perf-curve-*/curve.png"
	@echo "make perf-test  everything: micro-benchmarks, server start, k6 scenarios, dated results folder"
	@echo "make bench-engine-vs-onnx ONNX=path/to/model.onnx   side-by-side with ONNX Runtime"
	@echo "make bench-report  gate benchmarks vs the saved reference -> results/bench-*/index.html (MICRO=1 adds the suites)"
	@echo "make bench-gate    the CI regression gate (calibrated, Mann-Whitney U at 0.05) and its self-check"
	@echo "make profile BENCH=engine.single.short | TARGET=server SCENARIO=constant   perf -> results/profile-*/flamegraph.svg"
	@echo "make soak MINUTES=10   mixed load on a server started here; RSS over time -> results/soak-*/rss.svg"
	@echo "make clean      remove build products"

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

build:
	@echo "==> swift build -c $(CONFIG) (first build takes several minutes on 2 cores)"
	$(SWIFT) build -c $(CONFIG) --product smally

build-debug:
	$(SWIFT) build --product smally

model: build
	$(BIN) model install --dir $(MODEL_DIR)

run: setup model
	SMALLY_DRAIN_SECONDS=$${SMALLY_DRAIN_SECONDS:-0} $(BIN) serve --model $(MODEL_DIR)

services-up:
	@scripts/services.sh up

services-down:
	@scripts/services.sh down

# The whole suite against real services; services are stopped again even when tests fail.
test: setup-test
	@scripts/test.sh

BASELINE ?= main

bench: setup
	@scripts/performance/bench.sh

bench-cache: setup
	@scripts/performance/bench.sh cache

bench-tokenizer: setup
	@scripts/performance/bench.sh tokenizer

bench-inference: setup
	@scripts/performance/bench.sh inference

bench-baseline: setup
	@scripts/performance/bench.sh baseline $(BASELINE)

bench-compare: setup
	@scripts/performance/bench.sh compare $(BASELINE)

bench-engine: setup model
	$(BIN) bench --scenarios bench/scenarios.json

quick-test: setup-test
	@mkdir -p results
	NUM_REQUESTS=$(NUM_REQUESTS) NUM_USERS=$(NUM_USERS) CACHE_HIT_RATIO=$(CACHE_HIT_RATIO) BASE_URL=$(BASE_URL) \
	  RESULTS_DIR=results $(K6) run scripts/performance/quick_test.js

load-test: setup-test
	@mkdir -p results
	SCENARIO=$(SCENARIO) CACHE_HIT_RATIO=$(CACHE_HIT_RATIO) BASE_URL=$(BASE_URL) RESULTS_DIR=results $(if $(RATE),RATE=$(RATE)) \
	  K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_PORT=-1 K6_WEB_DASHBOARD_PERIOD=1s \
	  K6_WEB_DASHBOARD_EXPORT=results/k6-$(SCENARIO).html \
	  $(K6) run scripts/performance/k6_test.js

perf-test: setup-test model
	@scripts/performance/run_benchmarks.sh

# Open-loop latency curve; starts its own release server (SMALLY_AUTH=off) on port 8019.
perf-curve: setup-test model
	@$(PYTHON) -c 'import matplotlib' 2>/dev/null || $(PYTHON) -m pip install --quiet matplotlib
	@scripts/performance/perf_curve.sh

# The gate, its report and profiles of it use the debug build (as CI): the model without a release build.
model-debug:
	@[ -f $(MODEL_DIR)/model.safetensors ] || { $(SWIFT) build --product smally && $(BIN_DEBUG) model install --dir $(MODEL_DIR); }

bench-report: setup model-debug
	@scripts/performance/bench_report.sh

bench-gate: setup model-debug
	@[ -x .build/debug/smally-perf-gate ] || $(SWIFT) build --product smally-perf-gate
	@scripts/performance/gate.sh

profile: setup model-debug
	@scripts/performance/profile.sh

soak: setup-test model
	@scripts/performance/soak.sh

bench-engine-vs-onnx: setup model
	@scripts/performance/engine_vs_onnx.sh "$(ONNX)"

clean:
	rm -rf .build Benchmarks/.build
