#!/usr/bin/env python3
"""Every metric name used by a PromQL expression of the alert rules and the Grafana dashboard
must be exported by a live Smally node.
  check_metric_names.py METRICS_URL_OR_FILE deploy/prometheus/alerts.yml deploy/grafana/dashboards/smally.json
Prometheus' own series (`up`) and the Redis Cluster / Sentinel ones (TOPOLOGY_SPECIFIC) are allowed. Exits 1 naming each unknown metric."""
import json
import re
import sys
import urllib.request

import yaml

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
            "inf", "nan"}
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
# Exported only by a node on a Redis Cluster (redirects) or behind Sentinel (master switches), never by one on a
# single Redis like the node this check reads; their names and labels are asserted by the Swift tests that run
# those topologies (RedisClusterIntegrationTests, SentinelIntegrationTests).
TOPOLOGY_SPECIFIC = {"smally_redis_redirects_total", "smally_redis_sentinel_master_switches_total"}


def names_in(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)            # strings (regexes, label values)
    expr = re.sub(r"\{[^}]*\}", "", expr)                         # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                        # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"(?<![A-Za-z0-9_:])\d+(\.\d+)?([eE][-+]?\d+)?", "", expr)   # numbers (1e-9)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        token, rest = match.group(0), expr[match.end():].lstrip()
        if rest.startswith("(") or token.lower() in KEYWORDS:
            continue                                              # a function or aggregation
        if re.fullmatch(r"\d+[smhdwy]", token):
            continue
        names.add(token)
    return names


def expressions(path):
    with open(path) as f:
        if path.endswith(".json"):
            dashboard = json.load(f)
            return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        rules = yaml.safe_load(f)
        return [r["expr"] for g in rules["groups"] for r in g["rules"]]


def exported(source):
    text = urllib.request.urlopen(source).read().decode() if source.startswith("http") else open(source).read()
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            names.add(name)
            if kind in ("histogram", "summary"):
                names.update({name + "_bucket", name + "_sum", name + "_count"})
        elif line and not line.startswith("#"):
            names.add(re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0))
    return names


def main():
    metrics = exported(sys.argv[1])
    used, unknown = set(), []
    for path in sys.argv[2:]:
        for expr in expressions(path):
            for name in names_in(expr):
                used.add(name)
                if name not in metrics and name not in PROMETHEUS_OWN and name not in TOPOLOGY_SPECIFIC:
                    unknown.append(f"{path}: {name} (in: {' '.join(expr.split())})")
    if not used:
        sys.exit("no metric names found in the expressions: the check would prove nothing")
    if unknown:
        print("metrics used but not exported by the server:\n  " + "\n  ".join(unknown))
        sys.exit(1)
    print(f"metric names: all {len(used)} used by {len(sys.argv) - 2} files are exported ({', '.join(sorted(used))})")


if __name__ == "__main__":
    main()
