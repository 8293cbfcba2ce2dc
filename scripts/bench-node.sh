#!/usr/bin/env bash
# Benchmark: the Node binding's verifyPayment against wechatpay-axios-plugin's XML parse + sign +
# compare on the notification of every benchmark (bench/payment-notification.xml: Chinese text with
# full-width punctuation, two coupons, 26 fields, MD5), in one run, in CPU time (process.cpuUsage)
# (SPEC §6 floor: at least 8x, with handler-like access).
# The plugin is installed into bench-work/node (gitignored), never into the project.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d bindings/node/node_modules ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "== napi build --platform --release"
(cd bindings/node && npm run build --silent)

node bindings/node/bench/compare.js "$(scripts/axios-plugin.sh)"
