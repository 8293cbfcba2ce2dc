#!/usr/bin/env bash
# Benchmark (not a test), `make bench-java`: the Java binding against the Rust core on the same
# notifications, in one run (bindings/java/bench/compare.py reuses bench/peers/run.py's rounds and
# tables). WxJava and wechatpay-java cannot be run here (not in Debian; Maven Central unreachable), so
# the figure is the binding's overhead over the core: verifyPayment plus handler-like reads (v2), verify
# plus the typed reads (APIv3). The jar is built from the release native library; the core's driver is
# bench/peers/rust, the one `make bench-peers` times (release + LTO, as the core ships).
# ROUNDS, ROUND_MS and WARM_MS tune the run (defaults 15, 150, 3000; e.g. ROUNDS=2 ROUND_MS=50
# WARM_MS=500 for a quick check that it runs).
. "$(dirname "$0")/lib.sh"
work=$target_dir/java-bench
mkdir -p "$work"

# shellcheck source=scripts/java-env.sh
. scripts/java-env.sh
java_install_deps

echo "== cargo build --release -p wechatpay-notify-ffi; the jar (mvn -o package)"
cargo build -q --release -p wechatpay-notify-ffi
java_mvn_package "$target_dir/release" "$work/build"
version=$(java_pom_version)
jar=$work/build/wechatpay-notify-$version.jar

echo "== the core's driver (cargo build --release, bench/peers/rust)"
CARGO_TARGET_DIR=$work/core-target cargo build -q --release --manifest-path bench/peers/rust/Cargo.toml
rust_bin=$work/core-target/release/wechatpay-notify-bench-peers

echo "== the Java driver (javac bindings/java/bench/JavaDriver.java)"
rm -rf "$work/driver" && mkdir -p "$work/driver"
javac -encoding UTF-8 --release 8 -cp "$jar:$JNA_JAR:$GSON_JAR" -d "$work/driver" bindings/java/bench/JavaDriver.java

echo "== timing"
sep=$'\x1f'
python3 bindings/java/bench/compare.py --rust-bin "$rust_bin" --work "$work" \
  --java-cmd "java${sep}-cp${sep}$jar:$JNA_JAR:$GSON_JAR:$work/driver${sep}JavaDriver" | tee "$work/table.md"
