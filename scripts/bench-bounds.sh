#!/usr/bin/env bash
# Evidence for the two SPEC §6 floors the bindings miss (Python >= 20x wechatpy, Node >= 8x
# wechatpay-axios-plugin, both with handler-like access): how fast a result of the SPEC §4 type
# (a dict / a plain object) can be at all. Builds the current commit in a throwaway git worktree
# with bench/bounds/{python,node}.patch applied (throwaway exports: verification without any
# result object, verification plus the `fields` dict / object alone, and for Node a #[napi] class
# with getters), then times them against the peers in one process per language. Nothing here is
# part of the packages. Needs a clean HEAD to compare with (the worktree is HEAD).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench-work
TREE=$WORK/bounds-tree
mkdir -p "$WORK"

git worktree remove --force "$TREE" 2>/dev/null || rm -rf "$TREE"
git worktree prune
git worktree add --detach --quiet "$TREE" HEAD
trap 'git -C "$ROOT" worktree remove --force "$TREE" 2>/dev/null || true' EXIT
git -C "$TREE" apply "$ROOT/bench/bounds/python.patch" "$ROOT/bench/bounds/node.patch"
export CARGO_TARGET_DIR=$WORK/bounds-target

echo "== Python: release wheel with the bound experiments (bench-work/bounds-venv)"
VENV=$WORK/bounds-venv
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "maturin>=1.7,<2" "wechatpy[cryptography]>=1.8,<2" "wechatpayv3>=2,<3"
rm -rf "$WORK/bounds-wheels"
"$VENV/bin/maturin" build --release --quiet -m "$TREE/bindings/python/Cargo.toml" -i "$VENV/bin/python" -o "$WORK/bounds-wheels"
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WORK"/bounds-wheels/*.whl
"$VENV/bin/python" "$TREE/bench/bounds/python_bounds.py"

echo "== Node: release addon with the bound experiments"
if [ -d "$ROOT/bindings/node/node_modules" ]; then
  ln -s "$ROOT/bindings/node/node_modules" "$TREE/bindings/node/node_modules"
else
  (cd "$TREE/bindings/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$TREE/bindings/node" && npm run build --silent)
node --expose-gc "$TREE/bench/bounds/node_bounds.js" "$TREE/bindings/node" "$(scripts/axios-plugin.sh)"
