#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS each (default 300), seeded from tests/vectors, and
# prints the executions and crashes per target. Exit 1 if any target crashed (the reproducer is in
# fuzz/artifacts/<target>/; turn it into a vector in tools/xtask before fixing).
# Usage: scripts/fuzz.sh [target...]      FUZZ_SECONDS=13 scripts/fuzz.sh   (the CI smoke)
# FUZZ_JOBS: how many targets run at once (default: the number of CPUs).
. "$(dirname "$0")/lib.sh"
ROOT=$PWD
SECONDS_EACH=${FUZZ_SECONDS:-300}
export RUSTC_BOOTSTRAP=1   # cargo-fuzz needs nightly flags; the stable toolchain accepts them this way
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked -q

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(xml_reader verify_payment decrypt_refund sign_roundtrip v3_verify endpoint c_abi)

# Seed corpora from the shared vectors (regenerated each run; fuzz/corpus is not committed).
python3 - "$ROOT" <<'PY'
import json, os, sys, hashlib
root = sys.argv[1]
def body(t):
    return t["body"].encode() if "body" in t else bytes.fromhex(t["bodyHex"])
seeds = {"v2": [], "v3": [], "both": []}
for f in ["v2_pay.json", "v2_refund.json"]:
    for g in json.load(open(f"{root}/tests/vectors/{f}"))["testGroups"]:
        seeds["v2"] += [body(t) for t in g["tests"]]
for g in json.load(open(f"{root}/tests/vectors/v3_notify.json"))["testGroups"]:
    seeds["v3"] += [body(t) for t in g["tests"]]
seeds["both"] = seeds["v2"] + seeds["v3"]
for target, kind in [("xml_reader", "v2"), ("verify_payment", "v2"), ("decrypt_refund", "v2"),
                     ("sign_roundtrip", "v2"), ("v3_verify", "v3"), ("endpoint", "both"),
                     ("c_abi", "v2")]:
    d = f"{root}/fuzz/corpus/{target}"
    os.makedirs(d, exist_ok=True)
    for s in seeds[kind]:
        open(f"{d}/seed-{hashlib.sha1(s).hexdigest()}", "wb").write(s)
PY

(cd fuzz && cargo fuzz build -O "${TARGETS[@]:0:1}" >/dev/null 2>&1 || true)
(cd fuzz && cargo fuzz build -O)
# The targets run FUZZ_JOBS at a time (default: one per CPU; libFuzzer uses one core per run), each
# for its full FUZZ_SECONDS; the table is printed in the targets' order.
JOBS=${FUZZ_JOBS:-$(nproc)}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# fuzz_one TARGET: runs it; writes its row of the table to $results/TARGET, its crash excerpt to
# $results/TARGET.crash.
fuzz_one() {
  local t=$1 log=$results/$1.log status=0 runs crashes=0
  (cd fuzz && cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$SECONDS_EACH" -print_final_stats=1) >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    crashes=1
    { grep -E "panicked|ERROR|Test unit written|SUMMARY" "$log" || tail -n 3 "$log"; } | head -8 > "$results/$t.crash"
  fi
  printf '%-16s %14s %8s %s\n' "$t" "${runs:-?}" "$crashes" "$SECONDS_EACH" > "$results/$t"
}
running=0
for t in "${TARGETS[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait
failed=0
printf '%-16s %14s %8s %s\n' target executions crashes seconds
for t in "${TARGETS[@]}"; do
  [ -f "$results/$t" ] || { echo "$t: no result" >&2; failed=1; continue; }
  cat "$results/$t"
  if [ -f "$results/$t.crash" ]; then failed=1; cat "$results/$t.crash" >&2; fi
done
exit $failed
