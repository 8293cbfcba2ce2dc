#!/usr/bin/env bash
# Python binding: build and install the package the way a user does (`pip install ./bindings/python`),
# then check the stubs against the real module (stubtest), type-check the tests and examples
# (mypy --strict), and run the pytest suites (shared vectors, properties, threads, examples).
# Idempotent: the venv is reused, and the package is rebuilt only when its inputs changed.
. "$(dirname "$0")/lib.sh"
ROOT=$PWD
PY=${PYTHON:-python3}
VENV=bindings/python/.venv
STAMP=$VENV/.wechatpay-notify-installed

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
VPY=$ROOT/$VENV/bin/python
REQ_HASH=$(sha256sum bindings/python/requirements-dev.txt | cut -d' ' -f1)
if [ "$(cat "$VENV/.req-installed" 2>/dev/null)" != "$REQ_HASH" ]; then
  "$VPY" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VPY" -m pip install -q --disable-pip-version-check -r bindings/python/requirements-dev.txt
  echo "$REQ_HASH" > "$VENV/.req-installed"
fi
# The examples' own dependencies (uvicorn for the FastAPI app), before mypy reads them.
EX_HASH=$(sha256sum examples/python/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$VENV/.examples-req-installed" 2>/dev/null)" != "$EX_HASH" ]; then
  "$VPY" -m pip install -q --disable-pip-version-check -r examples/python/requirements.txt
  echo "$EX_HASH" > "$VENV/.examples-req-installed"
fi

# Everything that ends up in the wheel.
SRC_HASH=$(find bindings/python/src bindings/python/python bindings/python/Cargo.toml \
  bindings/python/pyproject.toml crates/wechatpay-notify/src crates/wechatpay-notify/Cargo.toml \
  Cargo.toml Cargo.lock -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$SRC_HASH" ]; then
  echo "== pip install ./bindings/python"
  "$VPY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
  echo "$SRC_HASH" > "$STAMP"
fi

# The stub's typed-view declarations are generated from the core's (tests/vectors/typed_views.json).
echo "== stubgen --check"
"$VPY" bindings/python/stubgen.py --check

# Run from a directory where the source tree cannot shadow the installed package.
echo "== stubtest"
(cd "$ROOT/$VENV" && "$VPY" -m mypy.stubtest wechatpay_notify)

echo "== mypy --strict (tests, examples, stubgen)"
"$VPY" -m mypy --strict --cache-dir "$ROOT/$VENV/mypy-cache" \
  bindings/python/tests examples/python bindings/python/stubgen.py

export HYPOTHESIS_STORAGE_DIRECTORY=$ROOT/$VENV/hypothesis
echo "== pytest bindings/python/tests"
(cd bindings/python && "$VPY" -m pytest -q -rs -p no:cacheprovider tests)
echo "== pytest examples/python (Flask and FastAPI over loopback HTTP, driven by the CLI's simulate)"
cargo build -q -p wechatpay-notify-cli
(cd examples/python && WECHATPAY_NOTIFY_CLI=$ROOT/target/debug/wechatpay-notify "$VPY" -m pytest -q -p no:cacheprovider .)
echo "test-python: all passed"
