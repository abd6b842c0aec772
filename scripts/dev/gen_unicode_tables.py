#!/usr/bin/env python3
"""Generate Sources/SmallyTokenizer/UnicodeTables.swift by probing Hugging Face `tokenizers`.

Why probe instead of reading the Unicode Character Database: HF's BertNormalizer and
BertPreTokenizer mix several Unicode versions (an old `unicode_categories` table for
control/punctuation/nonspacing-mark tests, an old `unicode-normalization-alignments`
table for NFD, Rust std (new) for lowercase and whitespace). Swift's own
`Unicode.Scalar.Properties` follow yet another version. Asking the `tokenizers` package
about every code point gives exactly the behaviour we must reproduce.

Every table below is derived from HF behaviour on all scalars 0..0x10FFFF (minus
surrogates). The only outside input is Python's `unicodedata.combining` for canonical
combining classes, which is filtered to the scalars HF's NFD actually reorders and then
checked against HF on random mark sequences.

Usage:  python3 scripts/dev/gen_unicode_tables.py [output.swift]
"""
import random
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers import normalizers, pre_tokenizers

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "Sources/SmallyTokenizer/UnicodeTables.swift"

SCALARS = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
# Ranges hard-coded in HF's bert normalizer (`is_chinese_char`); the probe must agree.
CHINESE = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
           (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def bert(clean=False, chinese=False, strip=False, lower=False):
    return normalizers.BertNormalizer(clean_text=clean, handle_chinese_chars=chinese,
                                      strip_accents=strip, lowercase=lower)


def ranges(sorted_values):
    out = []
    for x in sorted_values:
        if out and out[-1][1] == x - 1:
            out[-1][1] = x
        else:
            out.append([x, x])
    return out


def probe():
    clean, chinese, strip, lower = bert(clean=True), bert(chinese=True), bert(strip=True), bert(lower=True)
    nfd, lower_only = normalizers.NFD(), normalizers.Lowercase()
    pre = pre_tokenizers.BertPreTokenizer()
    removed, clean_space, pre_space, punct, cjk, marks = [], [], [], [], [], []
    lowercase, decomposition = {}, {}
    for c in SCALARS:
        ch = chr(c)
        s = "a" + ch + "b"
        r = clean.normalize_str(s)
        if r == "ab":
            removed.append(c)
        elif r == "a b" and ch != " ":
            clean_space.append(c)
        else:
            assert r == s, (hex(c), r)
        r = chinese.normalize_str(s)
        if r != s:
            assert r == "a " + ch + " b", (hex(c), r)
            cjk.append(c)
        d = nfd.normalize_str(ch)
        if d != ch:
            decomposition[c] = [ord(x) for x in d]
        elif strip.normalize_str(s) == "ab":
            marks.append(c)
        else:
            assert strip.normalize_str(s) == s, hex(c)
        low = lower.normalize_str(ch)
        assert low == lower_only.normalize_str(ch), hex(c)  # same NormalizedString::lowercase
        if low != ch:
            lowercase[c] = [ord(x) for x in low]
        pieces = [p for p, _ in pre.pre_tokenize_str(s)]
        if pieces == ["a", "b"]:
            pre_space.append(c)
        elif pieces == ["a", ch, "b"]:
            punct.append(c)
        else:
            assert pieces == [s], (hex(c), pieces)
    # clean_text = drop `removed`, then map whitespace to ' '; the whitespace it maps is the
    # pre-tokenizer's whitespace minus what was dropped first (\v, \f, U+0085).
    assert set(clean_space) == set(pre_space) - set(removed) - {0x20}, "whitespace sets disagree"
    assert ranges(cjk) == [list(r) for r in sorted(CHINESE_MERGED)], ranges(cjk)
    assert all(not HANGUL_FIRST <= c <= HANGUL_LAST or decomposition[c] == hangul(c)
               for c in range(HANGUL_FIRST, HANGUL_LAST + 1))
    return dict(removed=removed, whitespace=pre_space, punct=punct, marks=marks,
                lowercase=lowercase, decomposition=decomposition)


def merged(rs):
    out = []
    for a, b in sorted(rs):
        if out and out[-1][1] + 1 >= a:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


CHINESE_MERGED = merged(CHINESE)


def hangul(c):
    s = c - HANGUL_FIRST
    out = [0x1100 + s // 588, 0x1161 + (s % 588) // 28]
    if s % 28:
        out.append(0x11A7 + s % 28)
    return out


def combining_classes(decomposition):
    """Canonical combining classes HF's NFD knows. Values are stable across Unicode
    versions, so Python's table is right for every scalar HF's (older) table has; scalars
    HF does not know yet have class 0 there, detected by whether HF reorders them."""
    nfd = normalizers.NFD()
    ccc = {}
    for c in SCALARS:
        k = unicodedata.combining(chr(c))
        if k == 0 or c in decomposition:
            continue
        if c == 0x0345:  # class 240 is the maximum; nothing to reorder it against
            ccc[c] = k
            continue
        moved = nfd.normalize_str("a\u0345" + chr(c))
        if moved == "a" + chr(c) + "\u0345":
            ccc[c] = k
        else:
            assert moved == "a\u0345" + chr(c), hex(c)
    return ccc


def model_nfd(text, decomposition, ccc):
    out = []
    for ch in text:
        c = ord(ch)
        out.extend(decomposition.get(c, [c]))
    # canonical ordering: stable sort of each run of non-starters by class
    i = 0
    while i < len(out):
        if ccc.get(out[i], 0) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and ccc.get(out[j], 0) != 0:
            j += 1
        out[i:j] = sorted(out[i:j], key=lambda x: ccc[x])
        i = j
    return "".join(map(chr, out))


def check_nfd_model(decomposition, ccc):
    rng = random.Random(1234)
    nonstarters = sorted(ccc)
    decomposable = sorted(decomposition)
    nfd = normalizers.NFD()
    for _ in range(30000):
        parts = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.5:
                parts.append(chr(rng.choice(nonstarters)))
            elif r < 0.8:
                parts.append(chr(rng.choice(decomposable)))
            else:
                parts.append(rng.choice("aZ\u00e9\u0915 "))
        s = "".join(parts)
        assert nfd.normalize_str(s) == model_nfd(s, decomposition, ccc), [hex(ord(x)) for x in s]


def lowercase_runs(lowercase):
    """Single-scalar mappings as (first, count, stride, delta) runs, e.g. A-Z = (0x41, 26, 1, 32)."""
    runs = []
    for k in sorted(c for c, v in lowercase.items() if len(v) == 1):
        delta = lowercase[k][0] - k
        if runs:
            s, n, st, dd = runs[-1]
            if dd == delta and ((n == 1 and k - s in (1, 2)) or (n > 1 and k == s + n * st)):
                runs[-1] = (s, n + 1, k - s if n == 1 else st, dd)
                continue
        runs.append((k, 1, 1, delta))
    return runs


def swift_array(name, typ, values, doc, per_line=8, fmt="0x{:X}"):
    lines = [f"    /// {doc}", f"    static let {name}: [{typ}] = ["]
    for i in range(0, len(values), per_line):
        lines.append("        " + ", ".join(fmt.format(v) for v in values[i:i + per_line]) + ",")
    lines.append("    ]")
    return "\n".join(lines)


def flat_ranges(values):
    return [x for r in ranges(sorted(values)) for x in r]


def main():
    p = probe()
    ccc = combining_classes(p["decomposition"])
    check_nfd_model(p["decomposition"], ccc)

    decomp = {c: v for c, v in p["decomposition"].items() if not HANGUL_FIRST <= c <= HANGUL_LAST}
    keys = sorted(decomp)
    offsets, scalars = [0], []
    for k in keys:
        scalars.extend(decomp[k])
        offsets.append(len(scalars))
    ccc_triples = []
    for c in sorted(ccc):
        if ccc_triples and ccc_triples[-1][1] == c - 1 and ccc_triples[-1][2] == ccc[c]:
            ccc_triples[-1][1] = c
        else:
            ccc_triples.append([c, c, ccc[c]])
    runs = lowercase_runs(p["lowercase"])
    multi = {c: v for c, v in p["lowercase"].items() if len(v) > 1}
    multi_keys = sorted(multi)
    multi_offsets, multi_scalars = [0], []
    for k in multi_keys:
        multi_scalars.extend(multi[k])
        multi_offsets.append(len(multi_scalars))

    parts = [
        "// GENERATED by scripts/dev/gen_unicode_tables.py from Hugging Face `tokenizers` "
        f"{tokenizers.__version__} -- do not edit.",
        "// Each table records what HF's BertNormalizer / BertPreTokenizer actually do for every",
        "// scalar (they mix several Unicode versions), so results do not depend on the Unicode",
        "// version of the Swift runtime. Ranges are flat [first, last, first, last, ...] lists.",
        "",
        "enum UnicodeTables {",
        swift_array("removedRanges", "UInt32", flat_ranges(p["removed"]),
                    "clean_text drops these: NUL, U+FFFD and HF's `is_other` (Cc/Cf/Co) except \\t \\n \\r."),
        swift_array("whitespaceRanges", "UInt32", flat_ranges(p["whitespace"]),
                    "Rust `char::is_whitespace` (+ \\t \\n \\r): clean_text maps to ' ', the pre-tokenizer splits on it."),
        swift_array("punctuationRanges", "UInt32", flat_ranges(p["punct"]),
                    "BertPreTokenizer isolates these: ASCII punctuation plus HF's (old) Unicode P* categories."),
        swift_array("chineseRanges", "UInt32", [x for r in CHINESE_MERGED for x in r],
                    "handle_chinese_chars puts spaces around these (HF's hard-coded CJK blocks)."),
        swift_array("nonspacingMarkRanges", "UInt32", flat_ranges(p["marks"]),
                    "strip_accents drops these after NFD: HF's (old) Mn category."),
        swift_array("combiningClassRanges", "UInt32", [x for t in ccc_triples for x in t],
                    "Canonical combining classes known to HF's NFD, as [first, last, class] triples.",
                    per_line=9),
        swift_array("decompositionKeys", "UInt32", keys,
                    "Scalars with a canonical decomposition in HF's NFD (Hangul syllables are algorithmic)."),
        swift_array("decompositionOffsets", "UInt16", offsets,
                    "decompositionScalars[offsets[i]..<offsets[i+1]] is the full NFD of decompositionKeys[i].",
                    per_line=12, fmt="{}"),
        swift_array("decompositionScalars", "UInt32", scalars, "Concatenated full decompositions."),
        swift_array("lowercaseRuns", "Int32", [x for r in runs for x in r],
                    "Rust `char::to_lowercase` single-scalar mappings as [first, count, stride, delta] runs.",
                    fmt="{}"),
        swift_array("lowercaseMultiKeys", "UInt32", multi_keys, "Scalars lowercasing to several scalars."),
        swift_array("lowercaseMultiOffsets", "UInt16", multi_offsets, "Offsets into lowercaseMultiScalars.",
                    fmt="{}"),
        swift_array("lowercaseMultiScalars", "UInt32", multi_scalars, "Concatenated multi-scalar lowercase mappings."),
        "}",
        "",
    ]
    OUT.write_text("\n".join(parts))
    print(f"wrote {OUT}: {len(ranges(p['removed']))} removed, {len(ranges(p['punct']))} punctuation, "
          f"{len(ranges(p['marks']))} mark ranges, {len(ccc_triples)} ccc ranges, {len(keys)} decompositions, "
          f"{len(runs)} lowercase runs, {len(multi)} multi-scalar lowercase")


if __name__ == "__main__":
    main()
