#!/usr/bin/env python3
"""Reads the k6 summaries of a perf_curve.sh run (results/perf-curve-<stamp>/) and writes
curve.csv, curve.md (printed too) and curve.png: p50/p95/p99 of cache hits, misses and refusals,
and the error rate, against offered load as a percentage of the measured capacity."""
import csv
import json
import os
import re
import sys

from queue_floor import floor_ms

out = sys.argv[1]


def histogram(path, name):
    """Cumulative bucket counts {le: count} of histogram `name` in a Prometheus text scrape, summed over labels."""
    buckets = {}
    if not os.path.exists(path):
        return buckets
    for line in open(path):
        m = re.match(name + r'_bucket\{(.*)\} ([0-9.e+-]+)$', line.strip())
        if m:
            le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
            bound = float("inf") if le == "+Inf" else float(le)
            buckets[bound] = buckets.get(bound, 0) + float(m.group(2))
    return buckets


def step_quantile_ms(prefix, name, q):
    """The q-quantile (ms) of what `name` observed between the step's two scrapes, interpolated within
    its bucket as Prometheus' histogram_quantile does; None without observations."""
    before, after = (histogram(os.path.join(out, f"{prefix}-metrics-{w}.txt"), name) for w in ("before", "after"))
    counts = sorted((le, after[le] - before.get(le, 0)) for le in after)
    if not counts or counts[-1][1] <= 0:
        return None
    target, lower, below = q * counts[-1][1], 0.0, 0.0
    for le, count in counts:
        if count >= target:
            if le == float("inf"):
                return lower * 1000    # beyond the last finite bound: report that bound
            return 1000 * (lower + (le - lower) * (target - below) / max(count - below, 1e-9))
        lower, below = le, count
    return None


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)["figures"]


unloaded = load("unloaded-summary.json")
env = open(os.path.join(out, "environment.txt")).read().strip()
cpus = int(re.search(r"(\d+) CPUs", env).group(1))
rows = []
for name in sorted(os.listdir(out)):
    m = re.fullmatch(r"step-hit([0-9.]+)-(\d+)-summary\.json", name)
    if not m:
        continue
    ratio, step = float(m.group(1)), int(m.group(2))
    f = load(name)
    capacity = load(f"capacity-hit{m.group(1)}-summary.json")["rps"]
    sent = f["requests"]
    refused = f["rate_limited_429"] + f["queue_timeout_503"]
    rows.append({
        "hit_ratio": ratio, "step_pct": step, "capacity_rps": capacity,
        "offered_rps": round(capacity * step / 100), "achieved_rps": f["rps"], "requests": sent,
        "hit_p50": f["cached_latency_ms"].get("p50"), "hit_p95": f["cached_latency_ms"].get("p95"), "hit_p99": f["cached_latency_ms"].get("p99"),
        "miss_p50": f["uncached_latency_ms"].get("p50"), "miss_p95": f["uncached_latency_ms"].get("p95"), "miss_p99": f["uncached_latency_ms"].get("p99"),
        "refused": refused, "refused_429": f["rate_limited_429"], "refused_503": f["queue_timeout_503"],
        "refused_p99": f.get("refused_latency_ms", {}).get("p99"),
        "error_pct": 100 * f["error_rate"], "other_errors": f["failures"] - refused,
        "not_sent": f.get("dropped_iterations", 0),
        # Forward passes during the step.
        "batch_p99": step_quantile_ms(f"step-hit{m.group(1)}-{step}", "smally_model_inference_seconds", 0.99),
    })
    # Misses only: every request costs about the same, so an ideal queue on this capacity gives the floor
    # (queue_floor.py). With hits mixed in, requests cost very different amounts and no such floor is drawn.
    floor = (floor_ms(capacity, cpus, unloaded["uncached_latency_ms"]["p50"], step)
             if ratio == 0 and step < 100 else (None, None, None))
    rows[-1].update({"ideal_p50": floor[0], "ideal_p95": floor[1], "ideal_p99": floor[2]})
rows.sort(key=lambda r: (r["hit_ratio"], r["step_pct"]))

with open(os.path.join(out, "curve.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)


def ms(v):
    return "-" if v is None else f"{v:.1f}"


lines = ["```", env, "```", "",
         f"Unloaded single text (1 VU, misses): p50 {ms(unloaded['uncached_latency_ms'].get('p50'))} ms, "
         f"p95 {ms(unloaded['uncached_latency_ms'].get('p95'))} ms, p99 {ms(unloaded['uncached_latency_ms'].get('p99'))} ms", "",
         "| hits | offered | req/s offered → done | hits p50 / p95 / p99 ms | misses p50 / p95 / p99 ms | floor p50 / p95 / p99 ms | batch p99 ms | refused (429 / 503), p99 ms | errors | not sent |",
         "|---:|---:|---:|---|---|---|---:|---|---:|---:|"]
for r in rows:
    refused = f"{r['refused_429']} / {r['refused_503']}" + (f", {ms(r['refused_p99'])}" if r["refused"] else "")
    lines.append(f"| {r['hit_ratio']:g} | {r['step_pct']}% of {r['capacity_rps']:.0f} | {r['offered_rps']} → {r['achieved_rps']:.0f} | "
                 f"{ms(r['hit_p50'])} / {ms(r['hit_p95'])} / {ms(r['hit_p99'])} | "
                 f"{ms(r['miss_p50'])} / {ms(r['miss_p95'])} / {ms(r['miss_p99'])} | "
                 f"{ms(r['ideal_p50'])} / {ms(r['ideal_p95'])} / {ms(r['ideal_p99'])} | {ms(r['batch_p99'])} | {refused} | "
                 f"{r['error_pct']:.2f}% | {r['not_sent']} |")
lines += ["", "Floor (misses only): the unloaded p50 plus the wait in an ideal queue with this capacity on "
          f"{cpus} CPUs (no variance, no overhead; queue_floor.py): no scheduler does better at that offered load.",
          "Batch p99: the forward passes' duration during the step (`smally_model_inference_seconds`, interpolated "
          "within its bucket): an admitted miss waits at most the queue deadline, then one such batch."]
table = "\n".join(lines) + "\n"
open(os.path.join(out, "curve.md"), "w").write(table)
print(table)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is missing (pip install matplotlib): no chart", file=sys.stderr)
    sys.exit(0)

ratios = sorted({r["hit_ratio"] for r in rows})
fig, axes = plt.subplots(1, len(ratios), figsize=(6.5 * len(ratios), 4.8), squeeze=False)
for ax, ratio in zip(axes[0], ratios):
    sel = [r for r in rows if r["hit_ratio"] == ratio]
    x = [r["step_pct"] for r in sel]
    for kind, color in (("hit", "tab:green"), ("miss", "tab:blue")):
        for q, style in (("p50", ":"), ("p95", "--"), ("p99", "-")):
            y = [r[f"{kind}_{q}"] for r in sel]
            if all(v is None for v in y):
                continue
            ax.plot(x, [float("nan") if v is None else v for v in y], style, color=color, marker="o", ms=3,
                    label=f"{'hits' if kind == 'hit' else 'misses'} {q}")
    if any(r["ideal_p95"] is not None for r in sel):
        ax.plot(x, [float("nan") if r["ideal_p95"] is None else r["ideal_p95"] for r in sel], "--", color="grey",
                label="misses p95 floor (ideal queue)")
    ax.set_yscale("log")
    ax.set_xlabel(f"offered load, % of capacity ({sel[0]['capacity_rps']:.0f} req/s)")
    ax.set_ylabel("latency (ms)")
    ax.set_title(f"CACHE_HIT_RATIO={ratio:g}")
    ax.grid(True, which="both", alpha=0.3)
    err = ax.twinx()
    err.bar(x, [r["error_pct"] for r in sel], width=4, alpha=0.25, color="tab:red", label="refused %")
    err.set_ylabel("refused (429/503) %")
    err.set_ylim(0, max(10, max(r["error_pct"] for r in sel) * 1.2))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = err.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
cpu = re.search(r"cpu: (.*)", env)
fig.suptitle(f"Smally, open loop (k6 constant-arrival-rate) — {cpu.group(1) if cpu else ''}", fontsize=10)
fig.tight_layout()
fig.savefig(os.path.join(out, "curve.png"), dpi=110)
print(f"chart: {os.path.join(out, 'curve.png')}")
