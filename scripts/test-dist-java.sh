#!/usr/bin/env bash
# The Java artifacts of scripts/dist-java.sh (called by scripts/test-dist.sh, `make test-dist`), used the
# way a user would, from a clean classpath: only the jar from dist/ and JNA, nothing from the source tree,
# no jna.library.path, no LD_LIBRARY_PATH:
#   - one version: bindings/java/pom.xml, the jar's manifest, version.properties and pom.properties
#     against Cargo.toml;
#   - the jar (bindings/java/dist/check_artifacts.py: Java 8 class files, the Java 9 SafetyNet of the
#     multi-release jar, the manifest, linux-x86-64/libwechatpay_notify.so, the licences), the pom
#     (coordinates, packaging, exactly one dependency outside the test scope: JNA, at the version of
#     Debian's jna.jar this is tested with; the same pom the jar was built with), the sources and
#     javadoc jars;
#   - a consumer (bindings/java/dist/Smoke.java) compiled against the jar alone and run with the jar
#     and JNA: the valid sample verified, the forged one refused with signature_mismatch (8211);
#   - the checks fail on a jar without its native library (and the consumer then fails to load it), a
#     jar without the Java 9 safety net or a licence, and a pom without the JNA dependency.
# Builds the artifacts first (scripts/dist-java.sh; DIST_PREBUILT=1 tests what dist/ holds). Prints
# "ok ..." per check.
. "$(dirname "$0")/lib.sh"
dist=$root/dist
samples=$root/examples/notifications

step() { printf '\n== %s\n' "$*"; }
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }

# shellcheck source=scripts/java-env.sh
. scripts/java-env.sh
java_install_deps
check() { python3 bindings/java/dist/check_artifacts.py "$@"; }

version=$(scripts/dist.sh version)
[ "$(java_pom_version)" = "$version" ] || fail "bindings/java/pom.xml has $(java_pom_version), Cargo.toml $version"
if [ "${DIST_PREBUILT:-0}" != 1 ]; then
  step "build the Java artifacts (scripts/dist-java.sh)"
  scripts/dist-java.sh >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wechatpay-notify-java-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH CLASSPATH JAVA_TOOL_OPTIONS _JAVA_OPTIONS
jar=$dist/wechatpay-notify-$version.jar pom=$dist/wechatpay-notify-$version.pom
sources=$dist/wechatpay-notify-$version-sources.jar javadoc=$dist/wechatpay-notify-$version-javadoc.jar
for f in "$jar" "$pom" "$sources" "$javadoc"; do [ -f "$f" ] || fail "no $f"; done
jna_version=$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("META-INF/MANIFEST.MF").decode())' "$JNA_JAR" |
  sed -n 's/^Implementation-Version: \([0-9.]*\).*/\1/p' | tr -d '\r')
[ -n "$jna_version" ] || fail "no Implementation-Version in $JNA_JAR"

step "Java artifacts"
check jar "$jar" "$version" || fail "the jar is incomplete"
ok "$(basename "$jar"): Java 8 classes, META-INF/versions/9 SafetyNet (java.lang.ref.Cleaner), manifest (Multi-Release, Automatic-Module-Name, $version), linux-x86-64/libwechatpay_notify.so, version.properties, pom.properties, licences"
check pom "$pom" "$jar" "$version" "$jna_version" || fail "the pom is incomplete"
ok "$(basename "$pom"): io.github.wechatpay-notify:wechatpay-notify:$version, jar, one dependency outside the test scope (net.java.dev.jna:jna:$jna_version, Debian's jna.jar), licences, scm; the pom the jar was built with"
check sources "$sources" || fail "the sources jar is incomplete"
check javadoc "$javadoc" || fail "the javadoc jar is incomplete"
ok "$(basename "$sources") (sources, licences, no native library), $(basename "$javadoc") (index.html, every public class)"

step "a consumer compiled against the jar alone, run with the jar and JNA"
mkdir -p "$tmp/app" && cp bindings/java/dist/Smoke.java "$samples/api_key.txt" "$samples/pay-md5.xml" "$samples/pay-forged.xml" "$tmp/app/"
javac -encoding UTF-8 --release 8 -Xlint:-options -cp "$jar" -d "$tmp/app" "$tmp/app/Smoke.java"
# expect_verdicts NAME JAR: --version, the valid sample verified, the forged one refused.
expect_verdicts() {
  local name=$1 cp="$2:$JNA_JAR:$tmp/app" out rc
  out=$(cd "$tmp/app" && java -Djna.tmpdir="$tmp/jna" -cp "$cp" Smoke --version) || fail "$name --version"
  [ "$out" = "$version" ] || fail "$name reports version '$out', expected $version"
  out=$(cd "$tmp/app" && java -Djna.tmpdir="$tmp/jna" -cp "$cp" Smoke api_key.txt pay-md5.xml) || fail "$name refused the valid sample: $out"
  [ "$out" = "ok out_trade_no=20261127ORDER0001 total_fee=101 success=true" ] || fail "$name: $out"
  set +e; out=$(cd "$tmp/app" && java -Djna.tmpdir="$tmp/jna" -cp "$cp" Smoke api_key.txt pay-forged.xml); rc=$?; set -e
  [ $rc -eq 1 ] && [[ $out == "refused signature_mismatch (8211): "* ]] || fail "$name on the forged sample (exit $rc): $out"
  ok "$name: version $version, pay-md5.xml verified (total_fee=101), pay-forged.xml refused (signature_mismatch)"
}
expect_verdicts "Java consumer (javac -cp the jar; java -cp the jar and JNA; the native library from the jar)" "$jar"
loaded=$(cd "$tmp/app" && java -Djna.tmpdir="$tmp/jna" -cp "$jar:$JNA_JAR:$tmp/app" Smoke --library)
[[ $loaded == "$tmp/jna/"* ]] || fail "the native library was loaded from $loaded, not extracted from the jar into jna.tmpdir"
ok "the native library was the jar's (JNA extracted linux-x86-64/libwechatpay_notify.so into jna.tmpdir)"

step "the checks fail on incomplete artifacts"
system_lib=false
if /sbin/ldconfig -p 2>/dev/null | grep 'libwechatpay_notify\.so' >/dev/null; then system_lib=true; fi
check strip "$jar" "$tmp/no-native.jar" linux-x86-64/libwechatpay_notify.so
if check jar "$tmp/no-native.jar" "$version" 2>/dev/null; then fail "the jar check passes without the native library"; fi
if ! $system_lib && (cd "$tmp/app" && java -Djna.tmpdir="$tmp/jna2" -cp "$tmp/no-native.jar:$JNA_JAR:$tmp/app" Smoke api_key.txt pay-md5.xml) >/dev/null 2>&1; then
  fail "the consumer runs without the jar's native library (a library from elsewhere?)"
fi
for entry in "META-INF/versions/9/io/github/wechatpay_notify/SafetyNet.class" META-INF/LICENSE-MIT; do
  check strip "$jar" "$tmp/broken.jar" "$entry"
  if check jar "$tmp/broken.jar" "$version" 2>/dev/null; then fail "the jar check passes without $entry"; fi
done
check edit-pom "$pom" "$tmp/broken.pom" "<artifactId>jna</artifactId>" "<artifactId>jna-platform</artifactId>"
if check pom "$tmp/broken.pom" "$jar" "$version" "$jna_version" 2>/dev/null; then fail "the pom check passes without the JNA dependency"; fi
ok "the checks fail without the native library (the consumer cannot load it then), the Java 9 safety net, a licence, or the pom's JNA dependency"
