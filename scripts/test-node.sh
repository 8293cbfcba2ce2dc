#!/usr/bin/env bash
# Node binding: install the npm dev dependencies from package-lock.json, build the addon in
# release mode (napi build), check the generated index.js/index.d.ts for drift, run the
# node --test suites (every shared vector incl. v3_notify and endpoint, v2/APIv3/Endpoint API and
# misuse, notify.d.ts against the results and typed_views.json, lazy results, worker threads),
# type-check the declarations, their type tests and the TypeScript example with tsc --strict, and
# run the Express example's tests over loopback HTTP.
# Idempotent: npm installs are skipped while the lockfile is unchanged; cargo builds incrementally.
. "$(dirname "$0")/lib.sh"
ROOT=$PWD
NODE_DIR=$ROOT/bindings/node
EXAMPLE_DIR=$ROOT/examples/node
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need node || ! need npm; then
  echo "test-node.sh: node and npm are required" >&2
  exit 2
fi
# better-sqlite3 (the example's store) compiles from source here: it needs make, g++ and python3.
if ! need make || ! need g++ || ! need python3; then
  echo "== apt-get install build tools for better-sqlite3"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends make g++ python3 >/dev/null
fi

# `npm ci` when node_modules does not match package-lock.json (and the Node version).
npm_ci() {
  local dir=$1 stamp want
  stamp=$dir/node_modules/.wechatpay-notify-stamp
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) $(node --version)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "== npm ci ($dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
}

# Sums node --test's closing counts ("# pass N" with the TAP reporter, "ℹ pass N" with spec).
PASSED=0
FAILED=0
node_tests() {
  local name=$1 dir=$2 log=$LOG_DIR/$1.log status=0
  echo "== node --test ($name)"
  (cd "$dir" && npm test --silent) 2>&1 | tee "$log" || status=$?
  local p f
  p=$(grep -E '^(# |ℹ )pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  f=$(grep -E '^(# |ℹ )fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$p" -eq 0 ]; then
    echo "test-node.sh: $name ran no test" >&2
    f=$((f + 1))
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
}

npm_ci "$NODE_DIR"

echo "== napi build --platform --release"
(cd "$NODE_DIR" && npm run build --silent)

echo "== generated files are committed and current (index.js, index.d.ts)"
git diff --exit-code -- bindings/node/index.js bindings/node/index.d.ts

echo "== package.json version matches the Rust crates"
node -e '
const pkg = require(process.argv[1] + "/package.json").version
const native = require(process.argv[1]).version
if (pkg !== native) { console.error(`package.json ${pkg} != crate ${native}`); process.exit(1) }
' "$NODE_DIR"

node_tests binding "$NODE_DIR"

echo "== tsc --noEmit --strict (notify.d.ts, index.d.ts, __test__/results.types.ts, examples/node/typed.ts)"
(cd "$NODE_DIR" && ./node_modules/.bin/tsc --noEmit --strict -p tsconfig.json)

# Build better-sqlite3 from source against the installed Node headers when they are present
# (no prebuilt-binary download is attempted; only the npm registry is used).
export npm_config_build_from_source=true
if [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi
npm_ci "$EXAMPLE_DIR"
# The example's tests drive it with the CLI's `simulate` (and `keygen`).
cargo build -q -p wechatpay-notify-cli
WECHATPAY_NOTIFY_CLI=$ROOT/target/debug/wechatpay-notify node_tests example "$EXAMPLE_DIR"

echo "node: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
