#!/usr/bin/env bash
# The Java artifacts (`scripts/dist.sh java`, part of `make dist`): into dist/,
#   wechatpay-notify-VERSION.jar          the library (Java 8 classes, the Java 9 SafetyNet in
#                                         META-INF/versions/9) with linux-x86-64/libwechatpay_notify.so
#   wechatpay-notify-VERSION-sources.jar  and wechatpay-notify-VERSION-javadoc.jar
#   wechatpay-notify-VERSION.pom          io.github.wechatpay-notify:wechatpay-notify:VERSION, depending
#                                         on net.java.dev.jna:jna only
# built by Debian's Maven offline against Debian's repository (scripts/java-env.sh) from the release
# native library, the archives' timestamps those of SOURCE_DATE_EPOCH (the last commit's). Installs what
# it needs from Debian when missing. Respects CARGO and CARGO_TARGET_DIR.
. "$(dirname "$0")/lib.sh"
dist=$root/dist
work=$target_dir/dist-java
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# shellcheck source=scripts/java-env.sh
. scripts/java-env.sh
java_install_deps

version=$(scripts/dist.sh version)
[ "$(java_pom_version)" = "$version" ] || { echo "dist-java.sh: bindings/java/pom.xml has $(java_pom_version), Cargo.toml $version" >&2; exit 1; }

printf '\n== %s\n' "cargo build --release -p wechatpay-notify-ffi" >&2
$CARGO build --release -p wechatpay-notify-ffi
printf '\n== %s\n' "mvn -o package: wechatpay-notify-$version.jar, -sources.jar, -javadoc.jar" >&2
rm -rf "$work/build"
java_mvn_package "$target_dir/release" "$work/build" -Dproject.build.outputTimestamp="$SOURCE_DATE_EPOCH"

mkdir -p "$dist"
rm -f "$dist"/wechatpay-notify-*.jar "$dist"/wechatpay-notify-*.pom
for suffix in "" -sources -javadoc; do
  cp "$work/build/wechatpay-notify-$version$suffix.jar" "$dist/"
  echo "$dist/wechatpay-notify-$version$suffix.jar"
done
cp bindings/java/pom.xml "$dist/wechatpay-notify-$version.pom"
echo "$dist/wechatpay-notify-$version.pom"
