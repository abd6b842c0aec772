#!/usr/bin/env python3
"""Flame graph of `perf script` output, as one SVG (our own small renderer: Debian has no
FlameGraph package).

    perf script -i perf.data | flamegraph.py --title "…" > flamegraph.svg
    flamegraph.py --folded stacks.txt > flamegraph.svg     (lines "root;child;leaf COUNT")

Frames are folded root-first; widths are sample counts; hover a frame for its name, samples and share.
"""
import argparse
import html
import re
import sys
from collections import defaultdict


def fold_perf_script(lines):
    """perf script's text: a header line per sample, then one frame per line (leaf first), then a blank line."""
    stacks = defaultdict(int)
    frames, in_sample = [], False
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                stacks[";".join(reversed(frames))] += 1
            frames, in_sample = [], False
            continue
        if not line.startswith((" ", "\t")):
            in_sample = True
            frames = []
            continue
        if in_sample:
            parts = line.strip().split(None, 1)
            symbol = parts[1] if len(parts) > 1 else parts[0]
            symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol.split(" (")[0])
            frames.append(symbol if symbol != "[unknown]" else "[unknown]")
    if frames:
        stacks[";".join(reversed(frames))] += 1
    return stacks


def build_tree(stacks):
    root = {"name": "all", "value": 0, "children": {}}
    for stack, count in stacks.items():
        root["value"] += count
        node = root
        for frame in stack.split(";"):
            child = node["children"].setdefault(frame, {"name": frame, "value": 0, "children": {}})
            child["value"] += count
            node = child
    return root


def colour(name):
    h = sum(ord(c) for c in name) % 60
    if name.startswith(("$s", "Smally", "smally")) or "Smally" in name:
        return f"rgb({220 + h % 30},{110 + h},{40})"
    if "kernel" in name or name.startswith("[k"):
        return f"rgb(200,{150 + h},{150 + h})"
    return f"rgb({225 + h % 25},{140 + h},{60 + h // 2})"


def render(root, title, width=1200, frame_height=16):
    depth = [0]

    def measure(node, level):
        depth[0] = max(depth[0], level)
        for child in node["children"].values():
            measure(child, level + 1)

    measure(root, 0)
    height = (depth[0] + 1) * frame_height + 50
    total = root["value"] or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
           f'<rect width="100%" height="100%" fill="#fdfdf5"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-family="sans-serif">{html.escape(title)}</text>']

    def draw(node, x, level):
        w = node["value"] / total * (width - 20)
        if w < 0.3:
            return
        y = height - (level + 1) * frame_height - 10
        share = node["value"] / total * 100
        label = node["name"]
        out.append(f'<g><title>{html.escape(label)} ({node["value"]} samples, {share:.2f} %)</title>'
                   f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{frame_height - 1}" fill="{colour(label)}" rx="2"/>')
        chars = int(w / 7)
        if chars >= 3:
            text = label if len(label) <= chars else label[:chars - 2] + ".."
            out.append(f'<text x="{x + 3:.2f}" y="{y + frame_height - 4}">{html.escape(text)}</text>')
        out.append("</g>")
        offset = x
        for child in sorted(node["children"].values(), key=lambda c: c["name"]):
            draw(child, offset, level + 1)
            offset += child["value"] / total * (width - 20)

    draw(root, 10, 0)
    out.append("</svg>")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--title", default="Flame graph")
    parser.add_argument("--folded", help="read folded stacks instead of perf script output from stdin")
    parser.add_argument("--write-folded", help="also write the folded stacks here")
    args = parser.parse_args()
    if args.folded:
        stacks = defaultdict(int)
        with open(args.folded) as handle:
            for line in handle:
                stack, _, count = line.rstrip().rpartition(" ")
                if stack:
                    stacks[stack] += int(count)
    else:
        stacks = fold_perf_script(sys.stdin)
    if not stacks:
        print("flamegraph.py: no samples in the input", file=sys.stderr)
        return 1
    if args.write_folded:
        with open(args.write_folded, "w") as handle:
            for stack, count in sorted(stacks.items()):
                handle.write(f"{stack} {count}\n")
    sys.stdout.write(render(build_tree(stacks), f"{args.title} — {sum(stacks.values())} samples"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
