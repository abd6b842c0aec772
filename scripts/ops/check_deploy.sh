#!/usr/bin/env bash
# Fast checks of deploy/ (a few seconds; run by scripts/test.sh):
#   nginx -t on deploy/nginx/smally.conf; promtool check config/rules and the alert unit tests;
#   compose.yaml against the compose-spec schema; the Kubernetes manifests against the API schemas
#   (strict: unknown fields fail) and the shutdown budget (grace period > preStop + drain);
#   systemd-analyze verify on the unit. The metric names of alerts and dashboard are checked
#   against a live server by scripts/ops/rolling_restart.sh; the runtime package list by
#   scripts/ops/check_runtime_packages.sh (slow: not in CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d); chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

echo "--> nginx -t (deploy/nginx/smally.conf)"
# The upstream names resolve inside compose only: test the same file with local addresses.
sed -e 's/server smally-\([12]\):8000;/server 127.0.0.1:1800\1;/' -e 's/listen 80;/listen 127.0.0.1:18399;/' \
  deploy/nginx/smally.conf >"$WORK/smally.conf"
printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp { include %s/smally.conf; }\n' "$WORK" "$WORK" >"$WORK/nginx.conf"
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf"

echo "--> promtool: config, rules, alert unit tests"
promtool check config --lint=all deploy/prometheus/prometheus.yml >/dev/null
promtool test rules deploy/prometheus/alerts_test.yml >/dev/null

echo "--> compose.yaml against the compose-spec schema"
check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml >/dev/null
python3 -c "import json; json.load(open('deploy/grafana/dashboards/smally.json'))"

echo "--> Kubernetes manifests against the API schemas (strict)"
kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml
python3 - <<'PY'
import yaml
deployment = yaml.safe_load(open("deploy/kubernetes/deployment.yaml"))
config = yaml.safe_load(open("deploy/kubernetes/configmap.yaml"))
pod = deployment["spec"]["template"]["spec"]
container = pod["containers"][0]
pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
drain = int(config["data"]["SMALLY_DRAIN_SECONDS"])
grace = pod["terminationGracePeriodSeconds"]
# What is left after preStop and the drain is for in-flight requests and the usage flush.
assert grace >= pre_stop + drain + 15, f"terminationGracePeriodSeconds {grace} < preStop {pre_stop} + drain {drain} + 15"
assert container["readinessProbe"]["httpGet"]["path"] == "/ready" and container["livenessProbe"]["httpGet"]["path"] == "/health"
assert container["resources"]["requests"] and container["resources"]["limits"]
print(f"    grace {grace} s >= preStop {pre_stop} s + drain {drain} s + 15 s")
PY

echo "--> systemd-analyze verify deploy/systemd/smally.service"
if command -v systemd-analyze >/dev/null; then
  sed "s|/usr/local/bin/smally|$PWD/.build/debug/smally|g" deploy/systemd/smally.service >"$WORK/smally.service"
  out=$(systemd-analyze verify "$WORK/smally.service" 2>&1 | grep -v -e 'smally.env' -e 'Failed to prepare filename' || true)
  [ -z "$out" ] || { echo "$out"; exit 1; }
else
  echo "    systemd-analyze not installed: skipped"
fi
echo "==> deploy/ checks passed"
