# Shared by scripts/test-java.sh, dist-java.sh, test-dist-java.sh and bench-java.sh (sourced, not run):
# the Debian packages the Java binding is built and tested with, where their jars are, and the
# offline Maven build against Debian's repository.

JNA_JAR=/usr/share/java/jna.jar
GSON_JAR=/usr/share/java/gson.jar
JUNIT_CONSOLE=/usr/share/java/junit-platform-console-standalone.jar
SQLITE_JDBC_JAR=/usr/share/java/sqlite-jdbc.jar
# The servlet adapter (bindings/java/servlet): compiled against the Jakarta Servlet 5.0 API, run on an
# embedded Tomcat 10.1 (whose core jar holds the Servlet 6.0 API).
SERVLET_API_JAR=/usr/share/java/jakarta-servlet-api.jar
TOMCAT_EMBED_JAR=/usr/share/java/tomcat10-embed-core.jar
DEBIAN_MAVEN_REPO=/usr/share/maven-repo

# java_install_deps: apt-get install what is missing (the JDK, Maven and the Maven plugins the pom names,
# JNA, JUnit 5, Gson, sqlite-jdbc, the Jakarta Servlet API and an embeddable Tomcat).
java_install_deps() {
  local missing=() plugin
  command -v javac >/dev/null || missing+=(default-jdk-headless)
  command -v mvn >/dev/null || missing+=(maven)
  [ -f "$JNA_JAR" ] || missing+=(libjna-java)
  [ -f "$GSON_JAR" ] || missing+=(libgoogle-gson-java)
  [ -f "$JUNIT_CONSOLE" ] || missing+=(junit5)
  [ -f "$SQLITE_JDBC_JAR" ] || missing+=(libxerial-sqlite-jdbc-java)
  [ -f "$SERVLET_API_JAR" ] || missing+=(libjakarta-servlet-api-java)
  [ -f "$TOMCAT_EMBED_JAR" ] || missing+=(libtomcat10-embed-java)
  for plugin in compiler:libmaven-compiler-plugin-java jar:libmaven-jar-plugin-java resources:libmaven-resources-plugin-java \
                source:libmaven-source-plugin-java javadoc:libmaven-javadoc-plugin-java surefire:libsurefire-java; do
    [ -d "$DEBIAN_MAVEN_REPO/org/apache/maven/plugins/maven-${plugin%%:*}-plugin" ] || missing+=("${plugin#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  printf '\n== apt-get install %s\n' "${missing[*]}"
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"
}

# java_pom_version: the <version> of the project in bindings/java/pom.xml (the first after <artifactId>).
java_pom_version() {
  sed -n '/<artifactId>wechatpay-notify<\/artifactId>/,/<\/version>/s/.*<version>\(.*\)<\/version>.*/\1/p' bindings/java/pom.xml | head -n 1
}

# java_host_natives LIB_DIR NATIVES: NATIVES/linux-x86-64/libwechatpay_notify.so, a copy of the host's
# library in LIB_DIR (a cargo target profile directory): the jar's resources for this machine alone.
java_host_natives() {
  rm -rf "$2" && mkdir -p "$2/linux-x86-64"
  cp "$1/libwechatpay_notify.so" "$2/linux-x86-64/"
}

# java_mvn_package NATIVES BUILD_DIR [MAVEN ARGS...]: `mvn package` of bindings/java, offline, every
# artifact resolved from Debian's repository (a mirror of every repository to file:///usr/share/maven-repo,
# the file protocol allowed offline), the local repository under BUILD_DIR/.. (never ~/.m2), the native
# libraries taken from NATIVES (JNA resource directories: linux-x86-64/libwechatpay_notify.so, ...), the
# tests not compiled nor run by Maven (scripts/test-java.sh runs them against the jar). Writes
# BUILD_DIR/wechatpay-notify-VERSION{,-sources,-javadoc}.jar.
java_mvn_package() {
  local native=$1 build=$2 base settings
  shift 2
  base=$(dirname "$build")
  settings=$base/maven-settings.xml
  mkdir -p "$base"
  cat > "$settings" <<EOF
<settings>
  <localRepository>$base/m2</localRepository>
  <offline>true</offline>
  <mirrors>
    <mirror><id>debian</id><mirrorOf>*</mirrorOf><url>file://$DEBIAN_MAVEN_REPO</url></mirror>
  </mirrors>
</settings>
EOF
  if ! mvn -B -q -o -Dstyle.color=never -Daether.offline.protocols=file -s "$settings" -f bindings/java/pom.xml \
      -Dmaven.test.skip=true -Dwechatpay.natives.dir="$native" -Dwechatpay.build.dir="$build" "$@" package \
      > "$base/maven.log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$base/maven.log" >&2
    echo "mvn package failed (log: $base/maven.log)" >&2
    return 1
  fi
}
