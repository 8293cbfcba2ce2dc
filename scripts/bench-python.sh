#!/usr/bin/env bash
# Benchmark (not a test), in one run: wechatpay_notify's Verifier.verify_payment vs wechatpy's
# WeChatPay.parse_payment_result on the notification of every benchmark (bench/payment-notification.xml:
# Chinese text with full-width punctuation, two coupons, 26 fields, MD5), and V3Verifier.verify vs
# wechatpayv3's WeChatPay.callback on the same APIv3 notification (tests/vectors/v3_notify.json).
# Builds a release wheel and installs it with the peers into a throwaway venv under bench-work/
# (the peers are never dependencies of the project).
. "$(dirname "$0")/lib.sh"
PY=${PYTHON:-python3}
WORK=bench-work
VENV=$WORK/venv
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "maturin>=1.7,<2" "wechatpy[cryptography]>=1.8,<2" "wechatpayv3>=2,<3"
rm -rf "$WORK/wheels"
"$VENV/bin/maturin" build --release --quiet -m bindings/python/Cargo.toml \
  -i "$VENV/bin/python" -o "$WORK/wheels"
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WORK"/wheels/*.whl
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
"$VENV/bin/python" bindings/python/bench/bench_verify.py
