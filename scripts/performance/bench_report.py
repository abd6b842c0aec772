#!/usr/bin/env python3
"""Static HTML report of a benchmark run (`make bench-report`, end of `make perf-test`).

    bench_report.py RESULTS_DIR [--k6-dir DIR ...]

Reads from RESULTS_DIR:
  gate.json      the regression gate's run (smally-perf-gate --json): per benchmark the samples, the
                 repository's reference and the verdict (one-sided Mann-Whitney U);
  *jmh*.json     package-benchmark results exported with `--format jmh` (optional): percentiles of
                 wall clock, throughput and allocations per benchmark;
  *.html, *-summary.txt, summary.md   k6 reports and summaries beside it (and in each --k6-dir), linked.
Writes RESULTS_DIR/index.html: inline SVG only, opens from disk, no server and no network.
"""
import glob
import html
import json
import os
import sys

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1100px;color:#1d1d1f}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}
.regression{color:#b00020;font-weight:600}.pass{color:#1b7f3a}.faster{color:#1f5fbf}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:12px 0}.muted{color:#666}
"""


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def fmt_time(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def distribution_svg(rows, width=640, row_height=34, unit=""):
    """Horizontal box plots: rows are (label, values); whiskers at min/max, box p25-p75, p50 line,
    p90 and p99 ticks, every sample a dot."""
    all_values = [v for _, values in rows for v in values]
    lo, hi = min(all_values), max(all_values)
    span = (hi - lo) or abs(hi) or 1
    lo, hi = lo - span * 0.05, hi + span * 0.05
    left, right = 150, 20
    plot = width - left - right
    height = row_height * len(rows) + 30

    def x(v):
        return left + (v - lo) / (hi - lo) * plot

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, values) in enumerate(rows):
        y = 10 + i * row_height
        mid = y + row_height / 2 - 4
        q = {p: percentile(values, p) for p in (0, 25, 50, 75, 90, 99, 100)}
        color = "#4a78c2" if i % 2 == 0 else "#d98c1f"
        parts.append(f'<text x="{left - 8}" y="{mid + 4}" text-anchor="end" font-size="12">{html.escape(label)}</text>')
        parts.append(f'<line x1="{x(q[0]):.1f}" x2="{x(q[100]):.1f}" y1="{mid}" y2="{mid}" stroke="#888"/>')
        parts.append(f'<rect x="{x(q[25]):.1f}" y="{mid - 9}" width="{max(1, x(q[75]) - x(q[25])):.1f}" height="18" '
                     f'fill="{color}" fill-opacity="0.25" stroke="{color}"/>')
        parts.append(f'<line x1="{x(q[50]):.1f}" x2="{x(q[50]):.1f}" y1="{mid - 9}" y2="{mid + 9}" stroke="{color}" stroke-width="2.5"/>')
        for p, dash in ((90, "3,2"), (99, "1,2")):
            parts.append(f'<line x1="{x(q[p]):.1f}" x2="{x(q[p]):.1f}" y1="{mid - 12}" y2="{mid + 12}" stroke="#333" '
                         f'stroke-dasharray="{dash}"><title>p{p} {q[p]:.4g}{unit}</title></line>')
        for v in values:
            parts.append(f'<circle cx="{x(v):.1f}" cy="{mid}" r="1.8" fill="{color}"/>')
    axis_y = height - 14
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{axis_y - 6}" y2="{axis_y - 6}" stroke="#bbb"/>')
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(f'<text x="{x(v):.1f}" y="{axis_y + 8}" text-anchor="middle" font-size="11" fill="#555">{v:.3g}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def gate_section(gate):
    out = ["<h2>Regression gate: hot paths against the repository's reference</h2>",
           f'<p class="muted">This run: {html.escape(gate["machine"])}. Reference: {html.escape(gate["reference_recorded"])}. '
           f'Samples are normalised (workload time / calibration-loop time measured just before it); '
           f'a benchmark regresses when current/tolerance is greater than the reference by a one-sided '
           f'Mann-Whitney U test at α = {gate["alpha"]}. The interval is the 95 % Hodges-Lehmann interval of the ratio.</p>',
           "<table><tr><th>benchmark</th><th>per operation p50</th><th>p90</th><th>p99</th><th>max</th><th>throughput</th>"
           "<th>vs reference</th><th>95 % interval</th><th>p (slower)</th><th>verdict</th></tr>"]
    for b in gate["benchmarks"]:
        per_op = [s / b["repetitions"] for s in b["seconds"]]
        p50 = percentile(per_op, 50)
        out.append(
            f'<tr><td>{html.escape(b["name"])}</td><td>{fmt_time(p50)}</td><td>{fmt_time(percentile(per_op, 90))}</td>'
            f'<td>{fmt_time(percentile(per_op, 99))}</td><td>{fmt_time(max(per_op))}</td><td>{1 / p50:,.0f} op/s</td>'
            f'<td>{b["median_ratio"]:.2f}×</td><td>{b["ratio_low"]:.2f}–{b["ratio_high"]:.2f}×</td>'
            f'<td>{b["p_slower"]:.2g}</td><td class="{b["verdict"]}">{b["verdict"]}</td></tr>')
    out.append("</table>")
    for b in gate["benchmarks"]:
        per_op_us = [s / b["repetitions"] * 1e6 for s in b["seconds"]]
        out.append(f'<div class="card"><b>{html.escape(b["name"])}</b> '
                   f'<span class="muted">({b["repetitions"]} operations per chunk, each sample the fastest of its chunks; {len(per_op_us)} samples)</span><br>')
        out.append(distribution_svg([("time per operation", per_op_us)], unit=" µs"))
        out.append(distribution_svg([("reference", b["reference"]), ("this run", b["ratios"]),
                                     (f"this run / {b['tolerance']:g}", [r / b["tolerance"] for r in b["ratios"]])], unit="×"))
        out.append("</div>")
    return "\n".join(out)


def jmh_section(files):
    rows = []
    for path in files:
        with open(path) as handle:
            for element in json.load(handle):
                rows.append((os.path.basename(path), element))
    if not rows:
        return ""
    out = ["<h2>package-benchmark suites</h2>",
           "<table><tr><th>benchmark</th><th>metric</th><th>p0</th><th>p50</th><th>p90</th><th>p99</th><th>p100</th><th>unit</th></tr>"]
    for _, element in rows:
        metrics = [("wall clock", element.get("primaryMetric", {}))]
        metrics += list(element.get("secondaryMetrics", {}).items())
        for name, metric in metrics:
            q = metric.get("scorePercentiles", {})
            cells = "".join(f"<td>{q.get(k, float('nan')):.4g}</td>" for k in ("0.0", "50.0", "90.0", "99.0", "100.0"))
            out.append(f'<tr><td>{html.escape(element.get("benchmark", "?"))}</td><td>{html.escape(name)}</td>{cells}'
                       f'<td>{html.escape(metric.get("scoreUnit", ""))}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def k6_section(directory, extra_dirs):
    links = []
    for folder in [directory] + extra_dirs:
        found = glob.glob(os.path.join(folder, "*.html")) + glob.glob(os.path.join(folder, "*-summary.txt"))
        found += glob.glob(os.path.join(folder, "summary.md"))
        for path in sorted(found):
            if os.path.abspath(path) == os.path.abspath(os.path.join(directory, "index.html")):
                continue
            links.append(os.path.relpath(path, directory))
    if not links:
        return '<h2>k6 runs</h2><p class="muted">No k6 report in this folder (make perf-test writes them here).</p>'
    items = "".join(f'<li><a href="{html.escape(link)}">{html.escape(link)}</a></li>' for link in links)
    return f"<h2>k6 runs</h2><ul>{items}</ul>"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = argv[1]
    extra = [argv[i + 1] for i in range(2, len(argv) - 1) if argv[i] == "--k6-dir"]
    sections = []
    gate_path = os.path.join(directory, "gate.json")
    if os.path.exists(gate_path):
        with open(gate_path) as handle:
            sections.append(gate_section(json.load(handle)))
    sections.append(jmh_section(sorted(glob.glob(os.path.join(directory, "*jmh*.json")))))
    sections.append(k6_section(directory, extra))
    if not os.path.exists(gate_path) and not glob.glob(os.path.join(directory, "*jmh*.json")):
        print(f"bench_report.py: no gate.json or *jmh*.json in {directory}", file=sys.stderr)
        return 1
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>Smally benchmarks — {html.escape(os.path.basename(os.path.abspath(directory)))}</title>'
            f"<style>{CSS}</style></head><body><h1>Smally benchmarks</h1>"
            f'<p class="muted">{html.escape(os.path.abspath(directory))}</p>' + "\n".join(s for s in sections if s) + "</body></html>")
    with open(os.path.join(directory, "index.html"), "w") as handle:
        handle.write(page)
    print(f"bench_report.py: wrote {os.path.join(directory, 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
