#!/usr/bin/env python3
"""Build the small random-weight model folders under Tests/Fixtures/models/ and what
sentence-transformers computes with them (expected.json beside each, plus
Tests/Fixtures/models/quantization_cases.json). The Swift tests read only these committed files;
CI needs no torch.

Each model is a real sentence-transformers (or CrossEncoder) folder saved by the library itself,
then reloaded from disk to compute the expectations, so what is tested is what the library reads
from the files. Weights are random (fixed seeds), biases and LayerNorm parameters included (HF
initialises those to 0/1, which would hide mistakes), over a trimmed WordPiece vocabulary of a
few hundred entries so the folders stay a few hundred KB (fp32 safetensors).

expected.json (embedding models): max_length, pooling, include_prompt, normalize, prompts; `cases`
(text, token_ids, untruncated_count, `embedding` = pooled before Normalize, `sentence_transformers` =
what encode() returns), `left_truncation` (truncation_side "left" ids at several max lengths),
`prompt_cases` (prompt_name, prompt_length as sentence-transformers measures it, ids of prompt + text,
vectors) and `default_prompt_cases`. Cross-encoders: `cases` (query, document, the ids and token type
ids CrossEncoder feeds the model, raw `logits`, predict()'s `scores`) and `pair_truncation`
(longest_first ids at many lengths). quantization_cases.json: per case float32 `embeddings`, explicit
`ranges` ([min row, max row]) and quantize_embeddings' binary/ubinary/int8/uint8 results.

Setup (once, outside the repository; PyPI only, installs nothing by itself):
    python3 -m venv /work/venv-st
    /work/venv-st/bin/pip install torch transformers sentence-transformers
Usage:
    /work/venv-st/bin/python scripts/dev/make_fixture_models.py
Recorded with sentence-transformers 6.3.0, transformers 5.25.0, tokenizers 0.23.3, torch 2.15.0.
"""
import json
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import sentence_transformers
import tokenizers
import torch
import transformers
from sentence_transformers import CrossEncoder, SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
from sentence_transformers.util.quantization import quantize_embeddings
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/Fixtures/models"
MAX_POSITIONS = 64

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = """the a an of to in is it and for on with that this as are be was by at from or not
hello world query passage search document embedding model vector sentence text small tiny
quick brown fox jumps over lazy dog cat sat mat rain spain falls mainly plain
what how why where who which paris france capital city london berlin rome
machine learning neural network deep data science computer language
cafe resume naive over under run running runs play played playing
swift server token tokens long longer longest short""".split()
SUFFIXES = ["##s", "##ing", "##ed", "##er", "##est", "##ly", "##tion", "##al", "##ness"]
CJK = list("日本語中文字漢東京北京")
PUNCT = list(".,!?;:'\"()-[]{}/@#$%&*+=<>_~`|\\^")


def vocabulary():
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(d) for d in range(10)]
    entries = SPECIALS + WORDS + letters + digits + PUNCT + CJK + ["##" + x for x in letters + digits] + SUFFIXES
    seen, vocab = set(), []
    for entry in entries:
        if entry not in seen:
            seen.add(entry)
            vocab.append(entry)
    return vocab


def make_tokenizer(max_length):
    """transformers' BertTokenizer (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] A [SEP] B [SEP],
    token type ids) over the trimmed vocabulary, saved like any other."""
    vocab = {token: index for index, token in enumerate(vocabulary())}
    return BertTokenizer(vocab=vocab, model_max_length=max_length), len(vocab)


def bert_config(hidden, heads, layers, vocab_size, **extra):
    return BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_attention_heads=heads, num_hidden_layers=layers,
                      intermediate_size=2 * hidden, max_position_embeddings=MAX_POSITIONS, type_vocab_size=2,
                      hidden_act="gelu", **extra)


def randomize(module, seed):
    """Every parameter random: weights N(0, 0.2), biases N(0, 0.1), LayerNorm gains 1 + N(0, 0.1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm.weight" in name:
                parameter.copy_(1 + 0.1 * noise)
            elif name.endswith("bias"):
                parameter.copy_(0.1 * noise)
            else:
                parameter.copy_(0.2 * noise)


def long_text(words):
    rng = random.Random(words)
    pool = [w for w in WORDS if w not in ("cafe",)]
    return " ".join(rng.choice(pool) for _ in range(words))


TEXTS = [
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "",
    "   ",
    "!!!",
    "Café résumé naïve — NAÏVE?",
    "日本語の文字と東京, 北京",
    "Tokens: running, played, longest; kindness!!",
    "zzqx unknownish wordsz",
    "a" * 120 + " too long a word",
    "emoji 😀 and tab\tand newline\nend",
    "what is the capital of france? paris is the capital city",
    long_text(20),
    long_text(45),
    long_text(90),
]

PROMPT_TEXTS = ["what is deep learning", "paris", "", long_text(40)]


def floats(values):
    return [float(x) for x in np.asarray(values, dtype=np.float32).reshape(-1)]


def encode(model, texts, **kwargs):
    return model.encode(texts, convert_to_numpy=True, batch_size=4, **kwargs)


def ids(tokenizer, text, max_length, side="right"):
    tokenizer.truncation_side = side
    encoded = tokenizer(text, truncation=True, max_length=max_length)
    tokenizer.truncation_side = "right"
    return encoded["input_ids"]


def untruncated(tokenizer, text):
    return len(tokenizer(text, truncation=False)["input_ids"])


def save_embedding_model(name, *, hidden, heads, layers, pooling, normalize, max_length, seed,
                         prompts=None, default_prompt_name=None, include_prompt=True, legacy=False,
                         tokenizer_max_length=None):
    """Saves a sentence-transformers folder. `max_length` None: no limit given anywhere (the tokenizer
    keeps transformers' 1e30 sentinel, capped at max_position_embeddings). `legacy`: rewritten to the
    older format (sentence_bert_config.json max_seq_length, sentence_transformers.models.* types,
    pooling_mode_* flags) with `tokenizer_max_length` left in tokenizer_config.json to show which wins."""
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer, vocab_size = make_tokenizer(tokenizer_max_length if legacy else (max_length or int(1e30)))
        bert = BertModel(bert_config(hidden, heads, layers, vocab_size), add_pooling_layer=False)
        randomize(bert, seed)
        bert.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        transformer = Transformer(tmp)
        modules = [transformer, Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling,
                                        include_prompt=include_prompt)]
        if normalize:
            modules.append(Normalize())
        model = SentenceTransformer(modules=modules, prompts=prompts, default_prompt_name=default_prompt_name)
        model.save(str(folder))
    for extra in ["README.md", "vocab.txt", "special_tokens_map.json"]:
        (folder / extra).unlink(missing_ok=True)
    if legacy:
        rewrite_legacy(folder, max_length, pooling)
    if max_length is None:
        # sentence-transformers saved the capped value; older folders carry transformers' "no limit"
        # sentinel int(1e30) instead, which the loader caps at max_position_embeddings again.
        tokenizer_file = folder / "tokenizer_config.json"
        config = json.loads(tokenizer_file.read_text())
        config["model_max_length"] = int(1e30)
        tokenizer_file.write_text(json.dumps(config, indent=2))
    return folder


def rewrite_legacy(folder, max_length, pooling):
    modules = json.loads((folder / "modules.json").read_text())
    for module in modules:
        module["type"] = "sentence_transformers.models." + module["type"].split(".")[-1]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_length,
                                                                 "do_lower_case": False}, indent=2))
    pooling_file = folder / "1_Pooling/config.json"
    config = json.loads(pooling_file.read_text())
    flags = {"cls": "pooling_mode_cls_token", "mean": "pooling_mode_mean_tokens", "max": "pooling_mode_max_tokens",
             "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens", "lasttoken": "pooling_mode_lasttoken"}
    legacy = {"word_embedding_dimension": config["embedding_dimension"]}
    for mode, flag in flags.items():
        legacy[flag] = mode == pooling
    legacy["pooling_mode_weightedmean_tokens"] = False
    pooling_file.write_text(json.dumps(legacy, indent=2))


def embedding_expectations(folder):
    model = SentenceTransformer(str(folder), device="cpu")
    tokenizer = model.tokenizer
    limit = model.max_seq_length
    pooled_only = SentenceTransformer(modules=[model[0], model[1]], device="cpu", prompts=model.prompts)
    normalizes = any(type(m).__name__ == "Normalize" for m in model)
    pooling = model[1]
    expected = {
        "max_length": limit,
        "pooling": pooling.pooling_mode,
        "include_prompt": pooling.include_prompt,
        "normalize": normalizes,
        "dimension": model.get_embedding_dimension(),
        "prompts": model.prompts,
        "default_prompt_name": model.default_prompt_name,
        "cases": [],
        "left_truncation": [],
        "prompt_cases": [],
    }
    raw = encode(pooled_only, TEXTS, prompt="")
    st = encode(model, TEXTS, prompt="")
    for text, vector, returned in zip(TEXTS, raw, st):
        expected["cases"].append({
            "text": text,
            "token_ids": ids(tokenizer, text, limit),
            "untruncated_count": untruncated(tokenizer, text),
            "embedding": floats(vector),
            "sentence_transformers": floats(returned),
        })
    for text in TEXTS:
        for max_length in sorted({limit, 8, 3}):
            expected["left_truncation"].append({"text": text, "max_length": max_length,
                                                "token_ids": ids(tokenizer, text, max_length, side="left")})
    for prompt_name, prompt in sorted(model.prompts.items()):
        if not prompt:
            continue
        raw = encode(pooled_only, PROMPT_TEXTS, prompt_name=prompt_name)
        st = encode(model, PROMPT_TEXTS, prompt_name=prompt_name)
        prompt_length = model[0]._get_prompt_length(prompt)
        for text, vector, returned in zip(PROMPT_TEXTS, raw, st):
            expected["prompt_cases"].append({
                "prompt_name": prompt_name, "prompt": prompt, "text": text,
                "prompt_length": prompt_length,
                "token_ids": ids(tokenizer, prompt + text, limit),
                "embedding": floats(vector),
                "sentence_transformers": floats(returned),
            })
    if model.default_prompt_name:
        # encode() without a prompt uses the default prompt: record that this is what ST returns.
        expected["default_prompt_cases"] = [{"text": text, "sentence_transformers": floats(v)}
                                            for text, v in zip(PROMPT_TEXTS, encode(model, PROMPT_TEXTS))]
    return expected, model


QUERIES = ["what is the capital of france", "deep learning", "", long_text(30)]
DOCUMENTS = ["paris is the capital city of france", "the quick brown fox", "machine learning with neural networks",
             "Café 東京", "", long_text(50), long_text(12)]


def save_cross_encoder(name, *, hidden, heads, layers, max_length, seed, labels=1):
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer, vocab_size = make_tokenizer(max_length)
        classifier = BertForSequenceClassification(bert_config(hidden, heads, layers, vocab_size, num_labels=labels))
        randomize(classifier, seed)
        classifier.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        CrossEncoder(tmp, num_labels=labels, max_length=max_length, device="cpu").save(str(folder))
    for extra in ["README.md", "vocab.txt", "special_tokens_map.json"]:
        (folder / extra).unlink(missing_ok=True)
    return folder


def cross_encoder_expectations(folder):
    model = CrossEncoder(str(folder), device="cpu")
    tokenizer = model.tokenizer
    limit = model.max_seq_length
    pairs = [(q, d) for q in QUERIES for d in DOCUMENTS]
    logits = model.predict(pairs, activation_fn=torch.nn.Identity(), convert_to_numpy=True)
    scores = model.predict(pairs, convert_to_numpy=True)
    cases = []
    for (query, document), logit, score in zip(pairs, logits, scores):
        # The ids CrossEncoder itself feeds the model (its own preprocessing, padding removed).
        features = model.preprocess([(query, document)])
        length = int(features["attention_mask"][0].sum())
        cases.append({"query": query, "document": document,
                      "token_ids": features["input_ids"][0][:length].tolist(),
                      "type_ids": features["token_type_ids"][0][:length].tolist(),
                      "logits": floats(logit), "scores": floats(score)})
    return {"max_length": limit, "label_count": model.num_labels, "activation": type(model.activation_fn).__name__,
            "cases": cases, "pair_truncation": pair_truncation_cases(tokenizer)}


def pair_truncation_cases(tokenizer):
    """`longest_first` on many length combinations, including both parts too long and odd room.
    Called with lists, as CrossEncoder does: a lone pair with an empty second text would be encoded
    as a single text by transformers (no second [SEP]), a batch keeps it a pair."""
    rng = random.Random(17)
    cases = []
    for first_words, second_words in [(0, 0), (1, 30), (30, 1), (10, 10), (11, 10), (10, 11), (25, 3), (3, 25),
                                      (40, 40), (7, 0), (0, 7)]:
        for max_length in [3, 4, 5, 8, 9, 16, 17, 24]:
            first = " ".join(rng.choice(WORDS) for _ in range(first_words))
            second = " ".join(rng.choice(WORDS) for _ in range(second_words))
            encoded = tokenizer([first], [second], truncation="longest_first", max_length=max_length)
            cases.append({"first": first, "second": second, "max_length": max_length,
                          "token_ids": encoded["input_ids"][0], "type_ids": encoded["token_type_ids"][0]})
    return cases


def quantization_cases(vectors_by_model):
    cases = []
    rng = np.random.default_rng(5)
    for name, vectors in vectors_by_model:
        vectors = np.asarray(vectors[:4], dtype=np.float32)
        calibration = np.asarray(vectors_by_model_all[name], dtype=np.float32)
        ranges = np.vstack((calibration.min(axis=0), calibration.max(axis=0))).astype(np.float32)
        ranges[:, 0] = 0.25  # a dimension whose range is empty: step 1
        ranges[0, 1], ranges[1, 1] = -0.05, 0.05  # a narrow range: values outside are clipped
        cases.append(quantization_case(name, vectors, ranges))
    # A dimension that is not a multiple of 8 (the last byte is padded with zero bits), zeros included.
    odd = rng.normal(size=(3, 12)).astype(np.float32)
    odd[0, 3] = 0.0
    odd[1, 5] = -0.0
    ranges = np.vstack((np.full(12, -1.5), np.full(12, 1.5))).astype(np.float32)
    cases.append(quantization_case("synthetic-dim12", odd, ranges))
    return {"cases": cases}


def quantization_case(name, vectors, ranges):
    case = {"source": name, "embeddings": [floats(v) for v in vectors], "ranges": [floats(r) for r in ranges]}
    for precision in ["binary", "ubinary"]:
        case[precision] = quantize_embeddings(vectors, precision=precision).astype(int).tolist()
    for precision in ["int8", "uint8"]:
        case[precision] = quantize_embeddings(vectors, precision=precision, ranges=ranges).astype(int).tolist()
    return case


vectors_by_model_all = {}


def main():
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    specs = [
        # name, settings
        ("bert-h32-cls-normalize", dict(hidden=32, heads=4, layers=2, pooling="cls", normalize=True, max_length=32, seed=1)),
        ("bert-h32-mean", dict(hidden=32, heads=4, layers=2, pooling="mean", normalize=False, max_length=None, seed=2)),
        ("bert-h64-max-normalize-legacy", dict(hidden=64, heads=8, layers=3, pooling="max", normalize=True, max_length=24,
                                               legacy=True, tokenizer_max_length=512, seed=3)),
        ("bert-h32-mean-sqrt-len-legacy", dict(hidden=32, heads=4, layers=2, pooling="mean_sqrt_len_tokens",
                                               normalize=False, max_length=40, legacy=True, tokenizer_max_length=64,
                                               seed=4)),
        ("bert-h32-lasttoken", dict(hidden=32, heads=4, layers=2, pooling="lasttoken", normalize=False, max_length=48, seed=5)),
        ("bert-h32-prompts-mean", dict(hidden=32, heads=4, layers=2, pooling="mean", normalize=True, max_length=32, seed=6,
                                       prompts={"query": "query: ", "passage": "passage: ", "none": "",
                                                "long": long_text(40) + ": "},
                                       default_prompt_name="query", include_prompt=False)),
        ("bert-h32-prompts-cls", dict(hidden=32, heads=4, layers=2, pooling="cls", normalize=False, max_length=32, seed=7,
                                      prompts={"query": "search query: ", "long": long_text(40) + ": "},
                                      include_prompt=False)),
    ]
    sample_vectors = []
    for name, settings in specs:
        folder = save_embedding_model(name, **settings)
        expected, model = embedding_expectations(folder)
        expected["model"] = name
        (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")
        vectors = [case["sentence_transformers"] for case in expected["cases"]]
        vectors_by_model_all[name] = vectors
        if name in ("bert-h32-cls-normalize", "bert-h64-max-normalize-legacy", "bert-h32-mean"):
            sample_vectors.append((name, vectors))
        print(f"{name}: max_length {expected['max_length']}, pooling {expected['pooling']}, "
              f"normalize {expected['normalize']}, {len(expected['cases'])} cases, {len(expected['prompt_cases'])} prompt cases")
    for name, settings in [("cross-encoder-h32", dict(hidden=32, heads=4, layers=2, max_length=40, seed=8)),
                           ("cross-encoder-h16-3-labels", dict(hidden=16, heads=2, layers=1, max_length=24, seed=9,
                                                               labels=3))]:
        folder = save_cross_encoder(name, **settings)
        expected = cross_encoder_expectations(folder)
        expected["model"] = name
        (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")
        print(f"{name}: max_length {expected['max_length']}, activation {expected['activation']}, "
              f"{len(expected['cases'])} pairs, {len(expected['pair_truncation'])} truncation cases")
    (OUT / "quantization_cases.json").write_text(json.dumps(quantization_cases(sample_vectors)) + "\n")
    (OUT / "VERSIONS.json").write_text(json.dumps({
        "sentence-transformers": sentence_transformers.__version__, "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__, "torch": torch.__version__}, indent=2) + "\n")


if __name__ == "__main__":
    main()
