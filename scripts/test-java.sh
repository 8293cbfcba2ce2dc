#!/usr/bin/env bash
# The Java binding (bindings/java) and its example (examples/java):
#   - one version: bindings/java/pom.xml against Cargo.toml;
#   - the generated typed views (tools/bindgen/bindgen.py views --lang java --check) and the JNA
#     declarations against the C header (tools/bindgen/bindgen.py native --lang java);
#   - cargo build -p wechatpay-notify-ffi (debug), then the jar, sources jar and javadoc jar with
#     Debian's Maven offline against Debian's repository (/usr/share/maven-repo), the native library
#     packaged as linux-x86-64/libwechatpay_notify.so;
#   - the JUnit 5 suite (Debian's junit5 console launcher, Gson for the vectors) against the packaged
#     multi-release jar: every shared vector, typed views both ways, misuse, close, 8 threads, the
#     safety net (java.lang.ref.Cleaner), the library's lookup; then the safety-net class again with
#     multi-release disabled (the Java 8 PhantomReference version);
#   - the example (HttpServer + SQLite) over loopback, driven by `wechatpay-notify simulate`; then the
#     same cases with the example's servlet (NotifyServlet, through the copy-in servlet adapter
#     bindings/java/servlet/WechatPayServlets.java) on an embedded Tomcat 10.1; the adapter is also
#     compiled against the Jakarta Servlet 5.0 API at the Java 8 level.
# Closing line: "N passed, M failed" (every JUnit test and container of the three runs).
# Installs what it needs from Debian when missing (CI runs as root on a fresh machine). Respects CARGO
# and CARGO_TARGET_DIR.
. "$(dirname "$0")/lib.sh"

lib_dir=$target_dir/debug
work=$target_dir/java
mkdir -p "$work"

step() { printf '\n== %s\n' "$*"; }

# shellcheck source=scripts/java-env.sh
. scripts/java-env.sh
java_install_deps

step "one version: Cargo.toml and bindings/java/pom.xml"
cargo_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
pom_version=$(java_pom_version)
[ "$cargo_version" = "$pom_version" ] || { echo "version drift: Cargo.toml $cargo_version, pom.xml $pom_version" >&2; exit 1; }
echo "$cargo_version"

step "generated typed views: the regions of bindings/java are what tests/vectors/typed_views.json declares"
python3 tools/bindgen/bindgen.py views --lang java --check

step "JNA declarations: NativeMethods.java matches include/wechatpay_notify.h (every function, arity, types, struct layouts)"
python3 tools/bindgen/bindgen.py native --lang java --check

step "the generator's own tests (tools/bindgen)"
python3 -m unittest discover -s tools/bindgen -p 'test_*.py'

step "cargo build -p wechatpay-notify-ffi"
$CARGO build -p wechatpay-notify-ffi

step "mvn -o package (Debian's Maven and repository, offline): jar, sources jar, javadoc jar"
java_host_natives "$lib_dir" "$work/natives"
java_mvn_package "$work/natives" "$work/build"
jar=$work/build/wechatpay-notify-$cargo_version.jar
[ -f "$jar" ] || { echo "Maven left no $jar" >&2; exit 1; }

passed=0 failed=0
# run_junit NAME JAVA_ARGS... -- LAUNCHER_ARGS...: one console-launcher run; adds its counts.
run_junit() {
  local name=$1 log=$work/junit-$1.log jvm=() rc ok bad tests_failed containers_failed
  shift
  while [ "$1" != -- ]; do jvm+=("$1"); shift; done
  shift
  set +e
  java "${jvm[@]}" -jar "$JUNIT_CONSOLE" --disable-banner --details=summary --fail-if-no-tests "$@" > "$log" 2>&1
  rc=$?
  set -e
  ok=$(sed -n 's/^\[ *\([0-9]*\) tests successful *\]$/\1/p' "$log")
  tests_failed=$(sed -n 's/^\[ *\([0-9]*\) tests failed *\]$/\1/p' "$log")
  containers_failed=$(sed -n 's/^\[ *\([0-9]*\) containers failed *\]$/\1/p' "$log")
  ok=${ok:-0}
  bad=$(( ${tests_failed:-0} + ${containers_failed:-0} ))
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi   # the launcher failed before counting
  grep -v '^notify: ' "$log" | sed -n '/^Failures/,/^Test run finished/p' | head -200
  echo "$name: $ok passed, $bad failed"
  passed=$((passed + ok)) failed=$((failed + bad))
}

step "javac: the tests (against the jar, JUnit 5, Gson)"
classes=$work/test-classes
rm -rf "$classes" && mkdir -p "$classes"
javac -encoding UTF-8 --release 17 -Xlint:all -Werror -cp "$jar:$JNA_JAR:$GSON_JAR:$JUNIT_CONSOLE" -d "$classes" \
  $(find bindings/java/src/test/java -name '*.java')

step "Java tests (shared vectors, typed views, API, misuse, close, 8 threads, safety net, library lookup)"
cp=$jar:$JNA_JAR:$GSON_JAR:$classes
props=(-Dwechatpay.notify.vectors="$root/tests/vectors" -Dwechatpay.notify.jar="$jar" -Dwechatpay.notify.jna="$JNA_JAR"
       -Dwechatpay.notify.testClasses="$classes" -Dwechatpay.notify.nativeDir="$lib_dir")
run_junit binding "${props[@]}" -Dwechatpay.notify.expectSafetyNet=java.lang.ref.Cleaner -- \
  -cp "$cp" --select-package io.github.wechatpay_notify

step "the Java 8 safety net: the multi-release jar's base SafetyNet (PhantomReference), multi-release disabled"
run_junit java8-safety-net "${props[@]}" -Djdk.util.jar.enableMultiRelease=false \
  -Dwechatpay.notify.expectSafetyNet=PhantomReference -- -cp "$cp" --select-class io.github.wechatpay_notify.SafetyNetTest

# The example's tests drive it with the CLI (simulate, keygen).
step "cargo build -p wechatpay-notify-cli"
$CARGO build -p wechatpay-notify-cli

step "javac: the servlet adapter against the Jakarta Servlet 5.0 API (Java 8 level)"
sv5=$work/servlet-api5-classes
rm -rf "$sv5" && mkdir -p "$sv5"
javac -encoding UTF-8 --release 8 -Xlint:all -Werror -cp "$jar:$SERVLET_API_JAR" -d "$sv5" bindings/java/servlet/WechatPayServlets.java

step "javac: the example (Java 8 level), its servlet with the adapter (Tomcat 10.1, Java 11 level) and its test"
ex=$work/example-classes exs=$work/example-servlet-classes ext=$work/example-test-classes
rm -rf "$ex" "$exs" "$ext" && mkdir -p "$ex" "$exs" "$ext"
javac -encoding UTF-8 --release 8 -Xlint:all -Werror -cp "$jar" -d "$ex" $(find examples/java/src/main/java -name '*.java')
cp examples/schema.sql "$ex/schema.sql"
javac -encoding UTF-8 --release 11 -Xlint:all -Werror -cp "$jar:$ex:$TOMCAT_EMBED_JAR" -d "$exs" \
  bindings/java/servlet/WechatPayServlets.java $(find examples/java/src/servlet/java -name '*.java')
javac -encoding UTF-8 --release 17 -Xlint:all -Werror -cp "$jar:$ex:$exs:$TOMCAT_EMBED_JAR:$GSON_JAR:$JUNIT_CONSOLE" -d "$ext" \
  $(find examples/java/src/test/java -name '*.java')

step "example: HttpServer endpoint over loopback HTTP (two merchants, v2 and APIv3; SQLite orders; simulate)"
excp=$jar:$JNA_JAR:$SQLITE_JDBC_JAR:$ex
run_junit example -Dwechatpay.notify.root="$root" -Dwechatpay.notify.cli="$lib_dir/wechatpay-notify" \
  -Dwechatpay.notify.exampleClasspath="$excp" -- -cp "$excp:$GSON_JAR:$ext" --select-package io.github.wechatpay_notify.example

step "example: the same cases with NotifyServlet on an embedded Tomcat 10.1 (the servlet adapter, bindings/java/servlet)"
run_junit example-servlet -Dwechatpay.notify.root="$root" -Dwechatpay.notify.cli="$lib_dir/wechatpay-notify" \
  -Dwechatpay.notify.exampleServer=servlet -- -cp "$excp:$exs:$TOMCAT_EMBED_JAR:$GSON_JAR:$ext" \
  --select-package io.github.wechatpay_notify.example

echo
echo "java: every run"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
