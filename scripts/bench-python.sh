#!/usr/bin/env bash
# Benchmark (not a test): wechatpay_notify's Verifier.verify_payment vs wechatpy's
# WeChatPay.parse_payment_result on the same ~1 KB, 25-field notification, in one run.
# Builds a release wheel and installs it with wechatpy into a throwaway venv under bench-work/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WORK=bench-work
VENV=$WORK/venv
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "maturin>=1.7,<2" "wechatpy[cryptography]>=1.8,<2"
rm -rf "$WORK/wheels"
"$VENV/bin/maturin" build --release --quiet -m bindings/python/Cargo.toml \
  -i "$VENV/bin/python" -o "$WORK/wheels"
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WORK"/wheels/*.whl
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
"$VENV/bin/python" bindings/python/bench/bench_verify.py
