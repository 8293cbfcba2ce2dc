#!/usr/bin/env bash
# Installs wechatpay-axios-plugin (a benchmark peer, never a project dependency) into
# bench-work/node once per version and prints its directory.
. "$(dirname "$0")/lib.sh"
VERSION=0.9.6
WORK=$PWD/bench-work/node
mkdir -p "$WORK"
if [ "$(cat "$WORK/.installed" 2>/dev/null)" != "$VERSION" ]; then
  echo "== npm install wechatpay-axios-plugin@$VERSION (into bench-work/node)" >&2
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --loglevel=error "wechatpay-axios-plugin@$VERSION" >&2)
  echo "$VERSION" > "$WORK/.installed"
fi
echo "$WORK/node_modules/wechatpay-axios-plugin"
