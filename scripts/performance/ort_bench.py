#!/usr/bin/env python3
# Copied unchanged (apart from this line) from the project brief's ONNX Runtime peer baseline.
"""ONNX Runtime baseline for all-MiniLM-L6-v2 on the workloads in scenarios.json.

  python3 ort_bench.py --model-dir MODEL_DIR [--onnx model.onnx] [--threads 2] [--json out.json]

MODEL_DIR is the sentence-transformers folder (for tokenizer.json). Needs: pip install onnxruntime tokenizers numpy.
Two timings per scenario: `run` = session.run on pre-tokenized input (the engine alone), and `full` =
HF tokenization + run (what a caller pays). Latency = wall time of one call; throughput = texts / wall time.
"""
import argparse, json, os, statistics, sys, time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def timed(fn, warmup, calls, n_texts):
    for _ in range(warmup):
        fn()
    lat = []
    t0 = time.perf_counter()
    for _ in range(calls):
        s = time.perf_counter()
        fn()
        lat.append(time.perf_counter() - s)
    total = time.perf_counter() - t0
    return {"median_ms": statistics.median(lat) * 1e3, "p95_ms": pct(lat, 95) * 1e3,
            "texts_per_s": calls * n_texts / total, "calls": calls}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--onnx", default=os.path.join(HERE, "model.onnx"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scenarios", default=os.path.join(HERE, "scenarios.json"))
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--int8", action="store_true",
                    help="time ONNX Runtime's dynamic int8 quantization of the model (quantize_dynamic, QInt8 weights); "
                         "scenario names get @int8. Needs: pip install onnx")
    a = ap.parse_args()
    if a.int8:
        import tempfile
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantized = os.path.join(tempfile.mkdtemp(), "model-int8.onnx")
        quantize_dynamic(a.onnx, quantized, weight_type=QuantType.QInt8)
        a.onnx = quantized

    tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
    tok.enable_truncation(max_length=256)  # sentence-transformers' max_seq_length, not tokenizer.json's 128
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])

    def feeds(texts):
        encs = tok.encode_batch(texts)
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        am = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": am, "token_type_ids": np.zeros_like(ids)}

    out_name = "sentence_embedding_normalized"
    results = {"onnxruntime": ort.__version__, "onnx": os.path.basename(a.onnx), "threads": a.threads,
               "precision": "int8" if a.int8 else "fp32", "scenarios": {}}
    only = set(a.only.split(",")) if a.only else None
    for s in json.load(open(a.scenarios))["scenarios"]:
        if only and s["name"] not in only:
            continue
        texts = s["texts"]
        pre = feeds(texts)
        r_run = timed(lambda: sess.run([out_name], pre), s["warmup"], s["calls"], len(texts))
        r_full = timed(lambda: sess.run([out_name], feeds(texts)), s["warmup"], s["calls"], len(texts))
        name = s["name"] + ("@int8" if a.int8 else "")
        results["scenarios"][name] = {"run": r_run, "full": r_full}
        print(f"{name:19s} run: {r_run['median_ms']:7.2f} ms median, {r_run['p95_ms']:7.2f} p95, "
              f"{r_run['texts_per_s']:7.1f} texts/s | full: {r_full['median_ms']:7.2f} ms, "
              f"{r_full['texts_per_s']:7.1f} texts/s", flush=True)
    if a.json:
        json.dump(results, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
