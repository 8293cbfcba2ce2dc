#!/usr/bin/env bash
# Benchmark (not a test), `make bench-peers`: the same notifications, in one run, through our core
# (bench/peers/rust, release + LTO as shipped), our Python package (release wheel) and our Node
# package (napi release build), and through the peers: wechatpy and wechatpayv3 (Python),
# wechatpay-axios-plugin and tenpay (Node). Prints a Markdown table with the machine, per-call µs
# (best and median of interleaved rounds) and the ratios (bench/peers/run.py says how).
# Everything is built and installed under bench-work/peers/ (gitignored): the peers are never
# dependencies of the project. ROUNDS, ROUND_MS and WARM_MS tune the run (defaults 15, 150, 600).
. "$(dirname "$0")/lib.sh"
ROOT=$PWD
WORK=$ROOT/bench-work/peers
PY=${PYTHON:-python3}
VENV=$WORK/venv
PLUGIN_VERSION=0.9.6
TENPAY_VERSION=2.1.18
mkdir -p "$WORK"

echo "== core driver (cargo build --release, bench/peers/rust)"
CARGO_TARGET_DIR=$WORK/target cargo build -q --release --manifest-path bench/peers/rust/Cargo.toml
RUST_BIN=$WORK/target/release/wechatpay-notify-bench-peers

echo "== Python: venv with wechatpy, wechatpayv3 and our release wheel (bench-work/peers/venv)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "maturin>=1.7,<2" "wechatpy[cryptography]>=1.8,<2" "wechatpayv3>=2,<3"
rm -rf "$WORK/wheels"
"$VENV/bin/maturin" build --release --quiet -m bindings/python/Cargo.toml -i "$VENV/bin/python" -o "$WORK/wheels"
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WORK"/wheels/*.whl

echo "== Node: napi release build of bindings/node; wechatpay-axios-plugin and tenpay (bench-work/peers/node)"
if [ ! -d bindings/node/node_modules ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd bindings/node && npm run build --silent >/dev/null)
want="wechatpay-axios-plugin@$PLUGIN_VERSION tenpay@$TENPAY_VERSION"
if [ "$(cat "$WORK/node/.installed" 2>/dev/null)" != "$want" ]; then
  mkdir -p "$WORK/node"
  (cd "$WORK/node" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --loglevel=error $want)
  echo "$want" > "$WORK/node/.installed"
fi

echo "== timing"
"$VENV/bin/python" bench/peers/run.py --rust-bin "$RUST_BIN" --python "$VENV/bin/python" \
  --node node --node-modules "$WORK/node/node_modules" --work "$WORK" | tee "$WORK/table.md"
