#!/usr/bin/env bash
# The packed-product kernels and the encoder passes' kernels on ARM64 without an ARM machine: builds
# scripts/arm64/kernel_check.c and encoder_check.c with Sources/CPackedGEMM natively (x86-64: writes the portable kernel's outputs) and with
# Debian's aarch64 cross-compiler, runs the aarch64 build under qemu-user, and checks its NEON and
# portable kernels against the x86 outputs. Needs gcc-aarch64-linux-gnu and qemu-user-static (apt;
# `make setup-test` installs them). Prints one line per kernel and shape; exits 1 on a mismatch.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in aarch64-linux-gnu-gcc qemu-aarch64-static cc; do
  command -v "$tool" >/dev/null || { echo "check_kernels: $tool not found (apt install gcc-aarch64-linux-gnu qemu-user-static)"; exit 1; }
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SOURCES=(Sources/CPackedGEMM/*.c scripts/arm64/kernel_check.c scripts/arm64/encoder_check.c scripts/arm64/int8_check.c)
echo "==> x86-64 build: portable reference outputs"
cc -O2 -std=c11 -D_ISOC11_SOURCE -ISources/CPackedGEMM/include -Iscripts/arm64 "${SOURCES[@]}" -lm -o "$WORK/check-x86"
"$WORK/check-x86" --write "$WORK/reference.bin" | tail -2
echo "==> aarch64 build (cross-compiled, $(aarch64-linux-gnu-gcc -dumpversion)), run under qemu-user"
aarch64-linux-gnu-gcc -O2 -std=c11 -D_ISOC11_SOURCE -ISources/CPackedGEMM/include -Iscripts/arm64 "${SOURCES[@]}" -lm -o "$WORK/check-arm64"
file "$WORK/check-arm64" | grep -q "ARM aarch64" || { echo "not an aarch64 binary"; exit 1; }
qemu-aarch64-static -L /usr/aarch64-linux-gnu "$WORK/check-arm64" --check "$WORK/reference.bin"
