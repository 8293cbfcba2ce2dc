#!/usr/bin/env bash
# Benchmark: the Node binding's verifyPayment against wechatpay-axios-plugin's XML parse + sign +
# compare on the same ~1 KB, 25-field notification, in one run (SPEC §6 floor: at least 8x, with handler-like access).
# The plugin is installed into bench-work/node (gitignored), never into the project.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench-work/node
PLUGIN_VERSION=0.9.6

if [ ! -d bindings/node/node_modules ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "== napi build --platform --release"
(cd bindings/node && npm run build --silent)

mkdir -p "$WORK"
if [ "$(cat "$WORK/.installed" 2>/dev/null)" != "$PLUGIN_VERSION" ]; then
  echo "== npm install wechatpay-axios-plugin@$PLUGIN_VERSION (into bench-work/node)"
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --loglevel=error "wechatpay-axios-plugin@$PLUGIN_VERSION")
  echo "$PLUGIN_VERSION" > "$WORK/.installed"
fi

node bindings/node/bench/compare.js "$WORK/node_modules/wechatpay-axios-plugin"
