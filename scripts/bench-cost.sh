#!/usr/bin/env bash
# Load-independent cost ratio: instructions counted by callgrind for verify_payment vs bare MD5 /
# HMAC-SHA256 of the same notification's string to sign (examples/cost.rs, on the benchmark
# notification bench/payment-notification.xml; "general reader" is the same notification with a
# character reference, which the fast path leaves to the general reader), fixed setup subtracted;
# then peak RSS over 1,000,000 rounds of (valid pay, forged pay, refund): it must stay flat.
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
cargo build -q --release -p wechatpay-notify --example cost
bin="${CARGO_TARGET_DIR:-target}/release/examples/cost"
n=2000
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$n" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
setup=$(count setup)
for pair in "verify md5 MD5 fast_path" "verify-general md5 MD5 general_reader" "verify-hmac hmac HMAC-SHA256 fast_path"; do
  set -- $pair
  v=$(( ($(count "$1") - setup) / n ))
  b=$(( ($(count "$2") - setup) / n ))
  awk -v v="$v" -v b="$b" -v l="$3" -v r="${4/_/ }" 'BEGIN { printf "COST %s (%s): verify_payment %d instructions / bare %s %d instructions = %.2fx\n", l, r, v, l, b, v / b }'
done
"$bin" memory 1000000 | grep MEMORY
