#!/usr/bin/env bash
# Benchmark: the Node binding's verifyPayment against wechatpay-axios-plugin's XML parse + sign +
# compare on the notification of every benchmark (bench/payment-notification.xml: Chinese text with
# full-width punctuation, two coupons, 26 fields, MD5), in one run, in CPU time (process.cpuUsage):
# a typical handler (SPEC §6 floor: at least 10x) and the same handler reading `fields` too (3.3x).
# The plugin is installed into bench-work/node (gitignored), never into the project.
. "$(dirname "$0")/lib.sh"

if [ ! -d bindings/node/node_modules ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "== napi build --platform --release"
(cd bindings/node && npm run build --silent)

node bindings/node/bench/compare.js "$(scripts/axios-plugin.sh)"
