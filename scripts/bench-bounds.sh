#!/usr/bin/env bash
# `make bench-bounds` (not part of `make bench`): evidence for the Python and Node floors of SPEC §6
# (handler-like access against wechatpy / wechatpay-axios-plugin): how fast a result of the SPEC §4
# kind (a dict / an object) can be at all. Builds the packages as they ship plus two bench-only
# extensions on the core's public API (bench/bounds/python, bench/bounds/node: verification without
# any result object, verification plus the `fields` dict / object alone, and for Node a #[napi]
# class with getters), then times them against the peers in one process per language, in CPU time,
# on the notification of every benchmark (bench/payment-notification.xml). Nothing here is part of
# a package, and nothing here patches the bindings: it builds from any clean or dirty tree.
. "$(dirname "$0")/lib.sh"
ROOT=$PWD
WORK=$ROOT/bench-work/bounds
mkdir -p "$WORK"
export CARGO_TARGET_DIR=$WORK/target

echo "== Python: the package's release wheel and wechatpay_notify_bounds (bench-work/bounds/venv)"
VENV=$WORK/venv
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "maturin>=1.7,<2" "wechatpy[cryptography]>=1.8,<2"
rm -rf "$WORK/wheels"
"$VENV/bin/maturin" build --release --quiet -m bindings/python/Cargo.toml -i "$VENV/bin/python" -o "$WORK/wheels"
"$VENV/bin/maturin" build --release --quiet -m bench/bounds/python/Cargo.toml -i "$VENV/bin/python" -o "$WORK/wheels"
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WORK"/wheels/*.whl
"$VENV/bin/python" bench/bounds/python_bounds.py

echo "== Node: the package's release addon and the bounds addon (bench-work/bounds/bounds.node)"
if [ ! -d bindings/node/node_modules ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd bindings/node && npm run build --silent)
cargo build -q --release --manifest-path bench/bounds/node/Cargo.toml
lib=$CARGO_TARGET_DIR/release/libwechatpay_notify_bounds_node.so
[ -f "$lib" ] || lib=$CARGO_TARGET_DIR/release/libwechatpay_notify_bounds_node.dylib
cp "$lib" "$WORK/bounds.node"
node --expose-gc bench/bounds/node_bounds.js bindings/node "$WORK/bounds.node" "$(scripts/axios-plugin.sh)"
