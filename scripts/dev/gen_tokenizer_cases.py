#!/usr/bin/env python3
"""Generate Tests/Fixtures/tokenizer_cases.json: diverse texts with the ids Hugging Face
`tokenizers` produces for all-MiniLM-L6-v2, truncated at 256 like sentence-transformers
(max_seq_length 256; the padding/truncation sections of tokenizer.json are overridden).

Usage:  python3 scripts/dev/gen_tokenizer_cases.py [model_dir]   (default: $SMALLY_MODEL_DIR
        or models/all-MiniLM-L6-v2)
"""
import json
import os
import random
import sys
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(sys.argv[1] if len(sys.argv) > 1 else
                 os.environ.get("SMALLY_MODEL_DIR", ROOT / "models/all-MiniLM-L6-v2"))
OUT = ROOT / "Tests/Fixtures/tokenizer_cases.json"
MAX_LENGTH = 256
SEED = 20240611

CASES = []


def add(category, *texts):
    for text in texts:
        CASES.append((category, text))


add("accents",
    "café", "naïve résumé", "Ångström", "e\u0301te\u0301", "CAFÉ DÉJÀ VU", "Příliš žluťoučký kůň úpěl ďábelské ódy",
    "Tiếng Việt có dấu", "Zażółć gęślą jaźń", "Straße", "ﬁnancial ﬂow", "a\u0301\u0316\u0300b", "o\u0338\u0327\u0300",
    "\u212b and \u00c5 and A\u030a", "\u212a Kelvin", "\u1e9b\u0323", "\u0344\u0345x", "ǅemal ǈubljana", "Ὀδυσσεύς",
    "ΣΊΣΥΦΟΣ και σίσυφος", "Ελληνικά", "ÀÁÂÃÄÅàáâãäå", "Çà et là", "São Paulo", "Crème brûlée à la carte",
    "\U0001d15e\U0001d165\U0001d16d\U0001d16e", "\U0001d165\U0001d16d\u0301", "x\u0f71\u0f72\u0f74",
    "Hindi: क़िताब", "\u0915\u093c\u093f\u0924\u093e\u092c", "é\u0001\u0316", "\u1100\u1161\u11a8 jamo", "ǖǘǚǜ")
add("cjk",
    "你好，世界！", "我爱自然语言处理", "東京都渋谷区", "日本語のテキストです。", "ひらがなとカタカナ",
    "한국어 텍스트입니다", "안녕하세요 세계", "중국어와 일본어", "漢字かな交じり文", "中文English混合text",
    "𠀀𠀁𪚥 extension B", "\uf900\uf901\ufa0e compatibility", "\U0002f800\U0002f801", "㐀㐁 ext A", "ｶﾀｶﾅ 半角",
    "（括弧）「引用」『二重』", "〜ゞヽ", "北京欢迎你2008", "ㄅㄆㄇㄈ bopomofo", "一二三四五六七八九十",
    "\U00030000\U00031350 ext G", "\U0002ebe0\U0002ee5d ext I", "\u31c0\u31e3 strokes", "⺀⺁⼀ radicals")
add("emoji",
    "I love it 😍", "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇺🇸🇯🇵 flags", "1️⃣ keycap", "❤️ heart",
    "😀😃😄😁", "👩🏾‍💻 coder", "🧑‍🤝‍🧑", "🤷‍♂️ shrug", "☕️ coffee", "emoji🙂inside", "🫠🫨🪿 new emoji",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿 scotland", "©️®️™️", "✈︎ text style", "🔥🔥🔥 lit")
add("control_zero_width",
    "zero\u200bwidth", "zw\u200cnj", "zw\u200dj", "\ufeffBOM start", "soft\u00adhyphen", "nul\u0000char", "bell\u0007x",
    "\u001b[31mred\u001b[0m", "del\u007fx", "nel\u0085line", "word\u2060joiner", "private\ue000use", "repl\ufffdchar",
    "unassigned\u0378x", "tag\U000e0001\U000e0041x", "vs\ufe0fx", "lrm\u200erlm\u200f", "\u202aembed\u202c",
    "\u2066isolate\u2069", "\u180emongolian vowel sep", "\u0600\u0601 arabic number sign", "\U000f0000 plane 15",
    "\u0008\u0008backspace", "form\u000cfeed", "vertical\u000btab", "\u001c\u001d\u001e\u001f separators",
    "\u00a0\u200b\u00a0", "\U0001bca0 shorthand", "\U000110bd kaithi")
add("rtl",
    "مرحبا بالعالم", "السَّلَامُ عَلَيْكُمْ", "اللغة العربية ١٢٣", "שלום עולם", "שָׁלוֹם", "עִבְרִית", "فارسی: سلام دنیا",
    "اردو زبان", "مرحبا\u200fworld", "hello \u202eolleh", "؟،؛ punctuation", "\u061d\u061c marks", "ﷺ ligature",
    "ﻻ lam alef")
add("indic_thai",
    "สวัสดีครับ", "ภาษาไทยไม่มีช่องว่าง", "नमस्ते दुनिया", "हिन्दी भाषा", "संस्कृतम्", "বাংলা ভাষা", "தமிழ் மொழி",
    "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "ગુજરાતી", "ਪੰਜਾਬੀ", "བོད་ཡིག", "ພາສາລາວ", "ខ្មែរ", "မြန်မာ", "සිංහල", "।॥ danda",
    "\u09fd\u0a76\u0c77 new punct")
add("math",
    "∀x∈ℝ: x²≥0", "∑_{i=1}^n i = n(n+1)/2", "√2 ≈ 1.41421356", "α+β=γ", "𝔸𝕓𝒞𝓓 𝟘𝟙", "∫₀^∞ e^{-x} dx = 1",
    "a≠b, a≤b, a≥b", "∂f/∂x ∇·F", "½ ¼ ¾ ⅓", "x₁ + x₂ = x³", "∞ ∅ ∩ ∪ ⊂ ⊃", "f(x) = 3x^2 + 2x - 1", "±5% × 3 ÷ 2",
    "ℵ₀ < 𝔠", "⌈x⌉ ⌊y⌋", "⟨ψ|φ⟩")
add("fullwidth",
    "ＡＢＣ　１２３！", "Ｈｅｌｌｏ，Ｗｏｒｌｄ", "ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", "（１）［２］｛３｝", "＄１００", "＠ｕｓｅｒ ＃ｔａｇ",
    "～〜", "ﾊﾝｶｸ ｶﾅ", "ㄱㄴㄷ ﾡﾢ", "￥１０００ ￡５")
add("lowercase_special",
    "İ", "İstanbul", "İİİ", "ISTANBUL İZMİR", "ΣΑΣ ΟΔΟΣ", "ǅ ǈ ǋ ǲ", "ẞ großes", "Ω ohm", "K kelvin", "Å angstrom",
    "ᏣᎳᎩ Cherokee", "ꭰꭱ cherokee small", "ᲐᲑᲒ Mtavruli", "𐐀𐐁 Deseret", "\ua7cb\ua7cc\ua7da new latin",
    "\U00010d50\U00010d51 garay", "ᾈᾉ ᾼ", "ΐ ΰ", "Ⅻ Ⅸ roman", "ⓐⒶ circled", "ǰ ŉ", "\u1c89\u1c8a", "Ⴀ Georgian",
    "\U0001e900 adlam", "İ\u0307 dotted")
add("special_tokens",
    "[SEP]", "[MASK]", "[sep]", "[CLS]x", "hello [SEP] world", "x[SEP]y", "[SEP][SEP]", "[ SEP ]", "[SEP", "SEP]",
    "[UNK]", "[PAD]", "[[SEP]]", "[MASK]ed", "[Sep]", "[ＳＥＰ]", "é[SEP]\u0301", "[CLS] a [SEP] b [SEP]",
    "the [MASK] sat on the mat", "[MASK][MASK][MASK]", "[unk]", "\u200b[SEP]\u200b", "[SEP]" * 300,
    "[UNKNOWN]", "[CLS ]", "[[MASK]]")
add("long_words",
    "a" * 99, "a" * 100, "a" * 101, "ab" * 50, "x" * 100 + " ok", "é" * 100, "é" * 101, "Ü" * 100, "Ü" * 101,
    "д" * 99, "д" * 100, "д" * 101, "😀" * 100, "😀" * 101, "İ" * 50, "İ" * 51, "e\u0301" * 100, "e\u0301" * 101,
    "supercalifragilisticexpialidocious" * 3, "pneumonoultramicroscopicsilicovolcanoconiosis",
    "Donaudampfschifffahrtsgesellschaftskapitän", "a" * 300, "q" * 100 + "." + "q" * 101,
    "0123456789" * 10, "0123456789" * 10 + "0", "ｘ" * 101, "ß" * 100)
add("whitespace",
    "", " ", "   ", "\t\n\r", "a\u00a0b", "a\u3000b", "a\u2028b", "a\u2029b", "a\u1680b", "a\u2000b\u2001c\u200ad",
    "a\u202fb\u205fc", "a\u0085b", "a\u180eb", "  leading and trailing  ", "line1\r\nline2\nline3", "tab\tseparated\tvalues",
    "\u00a0\u00a0", "\u3000", "\u2028\u2029", "multiple     spaces", "\u000b\u000c", "x\u200by \u200b z")
add("punctuation",
    "Hello, world!", "What?! Really...", "«Bonjour» „Hallo“ “quotes” ‘single’", "em—dash en–dash", "wait…",
    "¿Qué? ¡Hola!", "、。「」『』【】", "‽ ※ § ¶ ⁂", "¡¿‹›〈〉", "⸮ irony", "\u2e43\u2e4f\u2e55 new", "$+<=>^`|~",
    "©®™°± not punct", "£€¥₹₿ currency", "a-b_c.d/e\\f", "(a)[b]{c}", "#hashtag @mention", "100% & more",
    "\"quoted\" 'single'", "::: ;;; ,,,", "...---...", "←↑→↓ arrows", "•‣◦ bullets", "†‡ daggers", "・ middle dot",
    "'tis o'clock rock'n'roll", "‐‑‒―", "⁅⁆ ⁽⁾", "﹏﹐﹑ small forms", "‼⁇⁈⁉")
add("misc",
    "https://example.com/path?q=1&r=two#frag", "user.name+tag@example.co.uk", "def foo(x): return x**2",
    "<div class=\"a\">Hi &amp; bye</div>", "SELECT * FROM t WHERE id = 42;", "3.14159 2,718 1e-10 -42",
    "2024-06-11T12:34:56Z", "+1 (555) 123-4567", "C++ C# F# .NET", "don't won't can't", "U.S.A. e.g. i.e.",
    "snake_case camelCase PascalCase kebab-case", "#!/bin/bash\necho $HOME", "{\"json\": [1, 2, 3]}",
    "MiXeD CaSe TeXt", "ALL CAPS SENTENCE", "l33t sp34k", "v1.2.3-beta+build.5")

# Truncation: far beyond 512 pieces, and around the 256 boundary (254 pieces + [CLS]/[SEP] = 256).
PARAGRAPH = ("Natural language processing enables computers to understand, interpret and generate "
             "human language in useful ways. ")
add("long_texts",
    PARAGRAPH * 20, PARAGRAPH * 60, "word " * 1000, "hello " * 254, "hello " * 255, "hello " * 253,
    "日本語" * 300, "é" * 40 + " " + "token " * 600, ", " * 400, "unbelievable " * 200,
    "[SEP] " * 260, "😀 " * 300, " ".join(str(i) for i in range(700)))


def random_texts(rng):
    out = []
    printable = [c for c in range(0x20, 0x30000) if not 0xD800 <= c <= 0xDFFF and chr(c).isprintable()]
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
              (0xE00, 0xE7F), (0x1E00, 0x1FFF), (0x2000, 0x2BFF), (0x3000, 0x30FF), (0x4E00, 0x4FFF),
              (0xAC00, 0xAD00), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF), (0x300, 0x36F)]
    for i in range(150):
        length = rng.randint(1, 60)
        chars = []
        for _ in range(length):
            r = rng.random()
            if r < 0.35:
                chars.append(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     "))
            elif r < 0.75:
                lo, hi = rng.choice(blocks)
                chars.append(chr(rng.randint(lo, hi)))
            else:
                chars.append(chr(rng.choice(printable)))
        out.append("".join(chars))
    for i in range(20):  # any scalar at all, including unassigned and controls
        out.append("".join(chr(rng.choice([rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                           for _ in range(rng.randint(1, 30))))
    return out


def main():
    rng = random.Random(SEED)
    add("random_unicode", *random_texts(rng))
    tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_LENGTH)
    full = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    full.no_padding()
    full.no_truncation()
    cases = []
    for i, (category, text) in enumerate(CASES):
        enc = tok.encode(text)
        untruncated = len(full.encode(text).ids)
        cases.append({
            "id": f"t{i:03d}", "category": category, "text": text, "token_ids": enc.ids,
            "num_tokens_untruncated": untruncated, "truncated": untruncated > len(enc.ids),
        })
    header = json.dumps({"generator": "scripts/dev/gen_tokenizer_cases.py",
                         "tokenizers_version": tokenizers.__version__, "max_length": MAX_LENGTH})
    lines = ",\n".join("  " + json.dumps(case, ensure_ascii=True) for case in cases)  # one case per line
    OUT.write_text(header[:-1] + ', "cases": [\n' + lines + "\n]}\n")
    print(f"wrote {OUT}: {len(cases)} cases, {sum(c['truncated'] for c in cases)} truncated")


if __name__ == "__main__":
    main()
