#!/usr/bin/env python3
"""The machine's BLAS ceiling on the encoder's linear-layer shapes, to set Smally's batch throughput
against: numpy's bundled OpenBLAS (its own AVX-512/AVX2 kernels, all cores) multiplies X[M, 384] by the
weights of one MiniLM layer (384→1152, 384→384, 384→1536, 1536→384) six times, M = the tokens of
bench/scenarios.json's batch32_short, and prints GFLOP/s; then the useful GFLOP/s of a `smally bench`
JSON file (linear layers only: 2 × 1,769,472 multiply-adds per token and layer), if one is given.

    python3 scripts/performance/blas_ceiling.py [--tokens 185] [--smally bench.json] [--rounds 20]

If OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on this machine (they pin an older kernel), unset them
for this command only to measure the real ceiling.
"""
import argparse, json, os, time

import numpy as np

SHAPES = [(384, 1152), (384, 384), (384, 1536), (1536, 384)]  # (inputs, outputs) of one layer
MACS_PER_TOKEN_LAYER = sum(i * o for i, o in SHAPES)           # 1,769,472
LAYERS = 6


def ceiling(tokens: int, rounds: int) -> float:
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal((i, o), dtype=np.float32) for i, o in SHAPES]
    inputs = {i: rng.standard_normal((tokens, i), dtype=np.float32) for i, _ in SHAPES}
    for _ in range(3):  # warm-up
        for w, (i, _) in zip(weights, SHAPES):
            inputs[i] @ w
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(LAYERS):
            for w, (i, _) in zip(weights, SHAPES):
                inputs[i] @ w
        best = min(best, time.perf_counter() - start)
    return 2 * MACS_PER_TOKEN_LAYER * LAYERS * tokens / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=185, help="rows of X (batch32_short has 185 real tokens)")
    parser.add_argument("--smally", help="a `smally bench --json` file with batch32_short")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    print(f"CPU: {cpu}, {os.cpu_count()} CPUs; numpy {np.__version__}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    blas = ceiling(args.tokens, args.rounds)
    print(f"numpy/OpenBLAS, {args.tokens} tokens × 6 layers of linear products: {blas:.0f} GFLOP/s (best of {args.rounds})")
    if args.smally:
        scenario = json.load(open(args.smally))["scenarios"]["batch32_short"]["run"]
        seconds = scenario["median_ms"] / 1000
        useful = 2 * MACS_PER_TOKEN_LAYER * LAYERS * args.tokens / seconds / 1e9
        print(f"smally batch32_short: {scenario['median_ms']:.2f} ms median → {useful:.0f} GFLOP/s of linear-layer work "
              f"(the whole forward pass counted as time) = {useful / blas * 100:.0f} % of the BLAS ceiling")


if __name__ == "__main__":
    main()
