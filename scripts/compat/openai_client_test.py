#!/usr/bin/env python3
"""The official `openai` Python client against a running Smally server.

  BASE_URL=http://127.0.0.1:8000/v1 API_KEY=sk_... SMALLY_BIN=.build/debug/smally python3 openai_client_test.py

Checks client.embeddings.create(...) with the client's defaults (it asks for base64), with
encoding_format="float" and with dimensions=128, against the engine's own vectors from
`smally embed --jsonl --normalize`. Exits non-zero on any mismatch.
"""
import json
import math
import os
import subprocess
import sys

from openai import OpenAI

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000/v1")
API_KEY = os.environ.get("API_KEY", "unused")
SMALLY_BIN = os.environ.get("SMALLY_BIN", ".build/debug/smally")
MODEL = "all-MiniLM-L6-v2"
TEXTS = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
         "Crème brûlée is a French dessert.", "每个汉字"]

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok   {name}")
    else:
        failed += 1
        print(f"  FAIL {name} {detail}")


def reference():
    lines = "".join(json.dumps({"text": t}) + "\n" for t in TEXTS)
    out = subprocess.run([SMALLY_BIN, "embed", "--jsonl", "--normalize"], input=lines.encode(),
                         capture_output=True, check=True)
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def normalized(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / max(n, 1e-12) for x in v]


def max_diff(a, b):
    return max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else float("inf")


def main():
    ref = reference()
    client = OpenAI(base_url=BASE_URL, api_key=API_KEY, max_retries=0)

    default = client.embeddings.create(model=MODEL, input=TEXTS)
    check("default (base64) returns one item per input, in order",
          [d.index for d in default.data] == list(range(len(TEXTS))))
    worst = max(max_diff(d.embedding, r["embedding"]) for d, r in zip(default.data, ref))
    check("default (base64) vectors equal the engine's", worst <= 1e-6, f"max diff {worst}")
    tokens = sum(r["tokens"] for r in ref)
    check("usage counts tokens", default.usage.prompt_tokens == tokens and default.usage.total_tokens == tokens,
          f"{default.usage} vs {tokens}")
    check("model name echoed", default.model == MODEL, default.model)

    floats = client.embeddings.create(model=MODEL, input=TEXTS, encoding_format="float")
    worst = max(max_diff(d.embedding, r["embedding"]) for d, r in zip(floats.data, ref))
    check("encoding_format=float vectors equal the engine's", worst <= 1e-6, f"max diff {worst}")

    short = client.embeddings.create(model=MODEL, input=TEXTS[0], dimensions=128)
    vector = short.data[0].embedding
    check("dimensions=128 gives 128 floats", len(vector) == 128, str(len(vector)))
    worst = max_diff(vector, normalized(ref[0]["embedding"][:128]))
    check("dimensions=128 is the truncated, renormalised vector", worst <= 1e-6, f"max diff {worst}")

    try:
        client.embeddings.create(model=MODEL, input=TEXTS[0], dimensions=1000)
        check("invalid dimensions is rejected", False, "no error")
    except Exception as error:  # openai.BadRequestError
        check("invalid dimensions is rejected with 400", getattr(error, "status_code", None) == 400, repr(error))

    print(f"openai_client: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
