#!/usr/bin/env bash
# Soak (issue 13.4): 1,000,000 mixed verifications through Rust, C, Python, Node and .NET, memory
# sampled after a warm-up and at the end, failing on growth beyond noise. See soak/README.md.
#
#   scripts/soak.sh              the soak (make soak)
#   scripts/soak.sh leak-check   the C, Python and Node soaks (short runs) and the Python and Node
#                                test suites under valgrind memcheck
#
# One round = five verifications, the same on every surface, picked from tests/vectors by
# soak/extract.py: a valid payment, a forged one (signature_mismatch), a malformed one
# (malformed_xml), a valid refund, a valid APIv3 notification. Every verdict is checked every round.
#
# Environment: SOAK_ROUNDS (default 200000 = 1,000,000 verifications per surface), SOAK_WARMUP
# (rounds before the first memory sample; default ROUNDS/2, at most 10000), SOAK_SURFACES (default
# "rust c python node dotnet"), SOAK_LEAK_ROUNDS (leak-check: the short run, default 200; the long
# run is ten times longer). Respects CARGO_TARGET_DIR (default: target).
#
# Thresholds ("beyond noise"), growth from the warm-up sample to the end:
#   RSS (every surface; Node: net of the growth of V8's committed heap, heapTotal)
#                                               max(2048 kB, 5% of the warm-up RSS)
#   heap in use, mallinfo2 (C)                  64 KiB
#   VmData, /proc/self/status (Rust)            512 KiB
#   sys.getallocatedblocks() (Python)           1000 blocks
#   process.memoryUsage().heapUsed (Node)       1 MiB
#   GC.GetTotalMemory(true) (.NET, Mono)        1 MiB
. "$(dirname "$0")/lib.sh"

out=$target_dir/soak
lib_dir=$target_dir/release
mode=${1:-soak}
case $mode in soak | leak-check) ;; *) echo "usage: scripts/soak.sh [leak-check]" >&2; exit 2 ;; esac

rounds=${SOAK_ROUNDS:-200000}
default_warmup=$((rounds / 2 < 10000 ? rounds / 2 : 10000))
warmup=${SOAK_WARMUP:-$default_warmup}
surfaces=${SOAK_SURFACES:-rust c python node dotnet}
leak_rounds=${SOAK_LEAK_ROUNDS:-200}
if [ "$mode" = leak-check ]; then surfaces=${SOAK_SURFACES:-c python node}; fi
[ "$rounds" -gt "$warmup" ] || { echo "soak: SOAK_ROUNDS ($rounds) must exceed SOAK_WARMUP ($warmup)" >&2; exit 2; }

step() { printf '\n== %s\n' "$*" >&2; }
want() { [[ " $surfaces " == *" $1 "* ]]; }
sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
apt_install() {
  step "apt-get install $*"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "$@"
}
mkdir -p "$out"

step "the five cases of a round (soak/extract.py)"
python3 soak/extract.py tests/vectors "$out/cases" >&2
cases=$out/cases

# --- builds ---------------------------------------------------------------------------------------
if want c || want dotnet; then
  step "cargo build --release -p wechatpay-notify-ffi"
  $CARGO build --release -p wechatpay-notify-ffi
fi
if want rust; then
  step "cargo build --release (soak/rust, outside the workspace)"
  $CARGO build --release --manifest-path soak/rust/Cargo.toml --target-dir "$out/rust-target"
fi
if want c; then
  missing=()
  command -v gcc >/dev/null || missing+=(gcc)
  [ -f /usr/include/jansson.h ] || missing+=(libjansson-dev)
  if [ "$mode" = leak-check ]; then command -v valgrind >/dev/null || missing+=(valgrind); fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  step "gcc soak/c/soak.c"
  mkdir -p "$out/c"
  gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g -O2 -Iinclude soak/c/soak.c -o "$out/c/soak" \
    -L"$lib_dir" -Wl,-rpath,"$lib_dir" -lwechatpay_notify -ljansson
fi
# Python and Node: the packages as scripts/test-python.sh and scripts/test-node.sh build and install
# them (those scripts run first when a package is missing). A package older than its sources is
# used as it is, with a note: rebuilding here would race with those scripts in a shared checkout.
stale_note() {
  if [ -n "$(find "${@:2}" -type f -newer "$1" -print -quit 2>/dev/null)" ]; then
    echo "NOTE: $1 is older than its sources; run its test script to rebuild it" >&2
  fi
}
if want python; then
  vpy=$root/bindings/python/.venv/bin/python
  native=$(ls bindings/python/.venv/lib/python3*/site-packages/wechatpay_notify/_native*.so 2>/dev/null | head -n 1 || true)
  if [ -z "$native" ]; then
    step "no installed Python package: scripts/test-python.sh builds and installs it"
    scripts/test-python.sh >&2
    native=$(ls bindings/python/.venv/lib/python3*/site-packages/wechatpay_notify/_native*.so | head -n 1)
  fi
  stale_note "$native" bindings/python/src bindings/python/python bindings/python/Cargo.toml crates/wechatpay-notify/src
  if [ "$mode" = leak-check ]; then command -v valgrind >/dev/null || apt_install valgrind; fi
fi
if want node; then
  command -v node >/dev/null || { echo "soak: node is required" >&2; exit 2; }
  addon=bindings/node/wechatpay-notify.linux-x64-gnu.node
  if [ ! -f "$addon" ]; then
    step "no Node addon: scripts/test-node.sh builds it"
    scripts/test-node.sh >&2
  fi
  stale_note "$addon" bindings/node/src bindings/node/Cargo.toml crates/wechatpay-notify/src
fi
if want dotnet; then
  command -v mcs >/dev/null && command -v mono >/dev/null || apt_install mono-mcs mono-runtime
  step "mcs: WechatPay.Notify.dll (bindings/dotnet/src) and soak/dotnet/Soak.cs"
  mkdir -p "$out/dotnet"
  mcs -nologo -langversion:7.2 -warnaserror -unsafe -target:library -out:"$out/dotnet/WechatPay.Notify.dll" \
    bindings/dotnet/src/*.cs
  mcs -nologo -langversion:7.2 -warnaserror -out:"$out/dotnet/Soak.exe" -r:"$out/dotnet/WechatPay.Notify.dll" \
    soak/dotnet/Soak.cs bindings/dotnet/tests/MiniJson.cs
fi

# Sets cmd to the command that runs one surface's soak program (CASES_DIR ROUNDS WARMUP follow).
surface_cmd() {
  case $1 in
    rust) cmd=("$out/rust-target/release/wechatpay-notify-soak") ;;
    c) cmd=("$out/c/soak") ;;
    python) cmd=("$vpy" soak/python/soak.py) ;;
    node) cmd=(node --expose-gc soak/node/soak.js) ;;
    dotnet) cmd=(env "LD_LIBRARY_PATH=$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" mono "$out/dotnet/Soak.exe") ;;
    *) echo "soak: unknown surface $1" >&2; exit 2 ;;
  esac
}

# --- leak-check mode ------------------------------------------------------------------------------
# Each soak program twice under memcheck, SOAK_LEAK_ROUNDS rounds and ten times more: no loss may
# grow with the rounds. Then the Python and Node test suites once under memcheck: no loss of ours
# except the addon's one-time registration, no memory error with our module on the stack.
if [ "$mode" = leak-check ]; then
  status=0
  long_rounds=$((leak_rounds * 10))
  memcheck=(valgrind --leak-check=full --show-leak-kinds=all --num-callers=50 --smc-check=all-non-file)
  py_pattern=_native.abi3.so
  node_pattern=wechatpay-notify.linux-x64-gnu.node
  for s in $surfaces; do
    case $s in
      c) pattern=libwechatpay_notify.so; env=() ;;
      python) pattern=$py_pattern; env=(PYTHONMALLOC=malloc) ;;
      node) pattern=$node_pattern; env=() ;;
      *) echo "soak: no leak check for $s (see soak/README.md)" >&2; continue ;;
    esac
    for r in "$leak_rounds" "$long_rounds"; do
      step "valgrind memcheck: $s soak, $r rounds"
      surface_cmd "$s"
      if ! env "${env[@]}" "${memcheck[@]}" --log-file="$out/valgrind-$s-$r.log" "${cmd[@]}" "$cases" "$r" 0 >&2; then
        echo "LEAKCHECK $s: the soak program failed under valgrind (log: $out/valgrind-$s-$r.log)"
        status=1
        continue 2
      fi
    done
    python3 soak/valgrind_summary.py compare "$s" "$pattern" "$leak_rounds" "$out/valgrind-$s-$leak_rounds.log" \
      "$long_rounds" "$out/valgrind-$s-$long_rounds.log" || status=1
  done
  if want python; then
    # Every test file but the Hypothesis properties (thousands of generated examples: too slow
    # under memcheck; they call the same entry points as the vectors).
    step "valgrind memcheck: the Python suite (bindings/python/tests, without test_properties.py)"
    if (cd bindings/python && HYPOTHESIS_STORAGE_DIRECTORY=$root/bindings/python/.venv/hypothesis \
        PYTHONMALLOC=malloc "${memcheck[@]}" --log-file="$out/valgrind-python-suite.log" \
        "$vpy" -m pytest -q -p no:cacheprovider tests --ignore=tests/test_properties.py >&2); then
      python3 soak/valgrind_summary.py suite python-suite "$py_pattern" "$out/valgrind-python-suite.log" \
        PyInit__native || status=1
    else
      echo "LEAKCHECK python-suite: the suite failed under valgrind (log: $out/valgrind-python-suite.log)"
      status=1
    fi
  fi
  if want node; then
    # node --test runs each file in a child process; here every file runs in one process.
    step "valgrind memcheck: the Node suite (bindings/node/__test__/*.test.js in one process)"
    if (cd bindings/node && "${memcheck[@]}" --log-file="$out/valgrind-node-suite.log" node -e '
        const fs = require("node:fs")
        for (const f of fs.readdirSync("__test__").filter((f) => f.endsWith(".test.js")).sort()) require("./__test__/" + f)
        ' >&2); then
      python3 soak/valgrind_summary.py suite node-suite "$node_pattern" "$out/valgrind-node-suite.log" \
        napi_register_module_v1 || status=1
    else
      echo "LEAKCHECK node-suite: the suite failed under valgrind (log: $out/valgrind-node-suite.log)"
      status=1
    fi
  fi
  exit $status
fi

# --- the soak -------------------------------------------------------------------------------------
# Each surface's extra figure: its allowed growth, its name and unit in the summary.
extra() {
  case $1 in
    heap_in_use_bytes) xlimit=65536 xlabel="heap in use (mallinfo2)" xunit=" B" ;;
    vm_data_kb) xlimit=512 xlabel="VmData" xunit=" kB" ;;
    python_blocks) xlimit=1000 xlabel="allocated blocks" xunit="" ;;
    js_heap_bytes) xlimit=1048576 xlabel="JS heap used" xunit=" B" ;;
    managed_heap_bytes) xlimit=1048576 xlabel="managed heap" xunit=" B" ;;
    *) echo "soak: unknown figure $1" >&2; exit 2 ;;
  esac
}

summary=()
status=0
for s in $surfaces; do
  step "soak $s: $rounds rounds of the five cases, memory sampled after $warmup rounds and at the end"
  log=$out/$s.out
  surface_cmd "$s"
  if ! "${cmd[@]}" "$cases" "$rounds" "$warmup" > "$log"; then
    summary+=("SOAK $s: FAILED (a wrong verdict or a crash, see above)")
    status=1
    continue
  fi
  cname='' c0=0 c1=0
  read -r tag surface n secs rss0 rss1 xname x0 x1 cname c0 c1 < <(grep '^RESULT ' "$log" | tail -n 1) || true
  if [ "${tag:-}" != RESULT ] || [ "$surface" != "$s" ]; then
    summary+=("SOAK $s: FAILED (no RESULT line)")
    status=1
    continue
  fi
  rss_limit=$((rss0 * 5 / 100 > 2048 ? rss0 * 5 / 100 : 2048))
  extra "$xname"
  # Node: V8 commits its heap in steps of megabytes (heapTotal) whatever the live data (heapUsed,
  # judged on its own); RSS is judged net of that growth.
  rss_growth=$((rss1 - rss0))
  printf -v rss_part 'RSS %s→%s kB (%+d' "$rss0" "$rss1" "$rss_growth"
  if [ "$cname" = js_heap_committed_bytes ] && [ "$c1" -gt "$c0" ]; then
    rss_growth=$((rss_growth - (c1 - c0) / 1024))
    printf -v rss_part '%s; %+d net of the JS heap committed %+d kB' "$rss_part" "$rss_growth" $(((c1 - c0) / 1024))
  fi
  rss_part+=", limit +$rss_limit)"
  verdict=OK
  [ "$rss_growth" -le "$rss_limit" ] || verdict=GROWTH
  [ $((x1 - x0)) -le "$xlimit" ] || verdict=GROWTH
  [ "$verdict" = OK ] || status=1
  printf -v x_part '%s %s→%s%s (%+d, limit +%d)' "$xlabel" "$x0" "$x1" "$xunit" $((x1 - x0)) "$xlimit"
  summary+=("SOAK $s: $n verifications in $secs s; $rss_part; $x_part; $verdict")
  echo "${summary[-1]}" >&2
done

printf '\n'
printf '%s\n' "${summary[@]}"
if [ "$status" -ne 0 ]; then
  echo "soak: FAILED"
else
  echo "soak: flat on every surface"
fi
exit $status
