#!/usr/bin/env bash
# Build the installable artifacts into dist/ (one version for all: workspace.package.version in
# Cargo.toml). scripts/test-dist.sh installs each one into a fresh temporary place and smoke-tests it.
#
#   scripts/dist.sh [all]          everything below
#   scripts/dist.sh c              dist/wechatpay-notify-c-VERSION-TRIPLE.tar.gz: the C SDK tree
#                                  (lib/ with the SONAME'd shared library and its symlinks, the static
#                                  library, lib/pkgconfig/wechatpay-notify.pc relocatable through
#                                  ${pcfiledir}, include/, share/doc/wechatpay-notify/ with the licences)
#   scripts/dist.sh install PREFIX the same tree installed into $DESTDIR$PREFIX, with a .pc naming PREFIX
#                                  (what `make install PREFIX=...` runs)
#   scripts/dist.sh rust           dist/wechatpay-notify-VERSION.crate, dist/wechatpay-notify-cli-VERSION.crate
#                                  (cargo package of both, the CLI verified against the packaged core)
#   scripts/dist.sh dotnet         dist/WechatPay.Notify.VERSION.nupkg (mcs + scripts/pack-nupkg.py; no .NET SDK)
#   scripts/dist.sh python         dist/wechatpay_notify-VERSION-cp39-abi3-manylinux_X_Y_x86_64.whl (maturin
#                                  build --release: abi3 for CPython >= 3.9, the manylinux tag chosen by
#                                  maturin's audit of the glibc symbols) and dist/wechatpay_notify-VERSION.tar.gz
#                                  (maturin sdist), from a build venv in $CARGO_TARGET_DIR/dist-python
#   scripts/dist.sh node           dist/wechatpay-notify-VERSION.tgz (the JS entry point and types, no binary)
#                                  and dist/wechatpay-notify-linux-x64-gnu-VERSION.tgz (the .node file), the
#                                  napi-rs layout (bindings/node/npm/, as `napi create-npm-dirs` makes it),
#                                  each packed with `npm pack`
#   scripts/dist.sh java           dist/wechatpay-notify-VERSION.jar (+ -sources.jar, -javadoc.jar) and
#                                  dist/wechatpay-notify-VERSION.pom: scripts/dist-java.sh
#   scripts/dist.sh version        prints the workspace version
#
# Installs what it needs from Debian when missing. Respects CARGO and CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CARGO=${CARGO:-cargo}
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
release=$target_dir/release
dist=$root/dist
lib=wechatpay_notify

step() { printf '\n== %s\n' "$*" >&2; }
die() { echo "dist.sh: $*" >&2; exit 1; }

# The workspace version: the `version` key of the [workspace.package] table.
workspace_version() {
  awk '/^\[/ { in_table = ($0 == "[workspace.package]") }
       in_table && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' Cargo.toml
}
version=$(workspace_version)
[ -n "$version" ] || die "no version in [workspace.package] of Cargo.toml"
major=${version%%.*}
# Timestamps inside the archives: the last commit's, so rebuilding a commit gives the same bytes.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

# apt-get install PACKAGE... for the commands that are missing (CI runs as root on a fresh machine).
need() {
  local missing=() cmd pkg
  while [ $# -gt 0 ]; do
    cmd=$1 pkg=$2; shift 2
    command -v "$cmd" >/dev/null || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "apt-get install ${missing[*]}"
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"
}

build_native() {
  need nm binutils readelf binutils
  step "cargo build --release -p wechatpay-notify-ffi"
  $CARGO build --release -p wechatpay-notify-ffi
  local so=$release/lib$lib.so
  [ -f "$so" ] && [ -f "$release/lib$lib.a" ] || die "the FFI build left no lib$lib.so/.a in $release"
  # The SONAME comes from crates/wechatpay-notify-ffi/build.rs; only wechatpay_* symbols are exported.
  readelf -d "$so" | grep "Library soname: \[lib$lib.so.$major\]" >/dev/null ||
    die "lib$lib.so has no SONAME lib$lib.so.$major"
  local foreign
  foreign=$(nm -D --defined-only "$so" | awk '{ print $NF }' | grep -v '^wechatpay_' || true)
  [ -z "$foreign" ] || die "lib$lib.so exports symbols other than wechatpay_*: $(echo "$foreign" | head -5 | tr '\n' ' ')"
}

# install_tree DEST PC_PREFIX PC_LIBDIR PC_INCLUDEDIR: the C SDK under DEST; the .pc file gets the
# given (possibly ${pcfiledir}-relative) locations.
install_tree() {
  local dest=$1
  install -d "$dest/lib/pkgconfig" "$dest/include" "$dest/share/doc/wechatpay-notify"
  install -m 0755 "$release/lib$lib.so" "$dest/lib/lib$lib.so.$version"
  ln -sfn "lib$lib.so.$version" "$dest/lib/lib$lib.so.$major"
  ln -sfn "lib$lib.so.$major" "$dest/lib/lib$lib.so"
  install -m 0644 "$release/lib$lib.a" "$dest/lib/lib$lib.a"
  install -m 0644 include/wechatpay_notify.h "$dest/include/wechatpay_notify.h"
  sed -e "s|@PREFIX@|$2|" -e "s|@LIBDIR@|$3|" -e "s|@INCLUDEDIR@|$4|" -e "s|@VERSION@|$version|" \
    examples/c/wechatpay-notify.pc.in > "$dest/lib/pkgconfig/wechatpay-notify.pc"
  chmod 0644 "$dest/lib/pkgconfig/wechatpay-notify.pc"
  install -m 0644 LICENSE-MIT LICENSE-APACHE CHANGELOG.md README.md "$dest/share/doc/wechatpay-notify/"
}

host_triple() { rustc -vV | sed -n 's/^host: //p'; }

dist_c() {
  build_native
  local name stage
  name=wechatpay-notify-c-$version-$(host_triple)
  stage=$target_dir/dist-c
  rm -rf "$stage" && mkdir -p "$stage" "$dist"
  step "C SDK tree $name (relocatable pkg-config file)"
  # shellcheck disable=SC2016 # ${pcfiledir} is pkg-config's, expanded by pkg-config.
  install_tree "$stage/$name" '${pcfiledir}/../..' '${prefix}/lib' '${prefix}/include'
  rm -f "$dist"/wechatpay-notify-c-*.tar.gz
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$stage" -czf "$dist/$name.tar.gz" "$name"
  echo "$dist/$name.tar.gz"
}

install_c() {
  local prefix=${1:-}
  case $prefix in /*) ;; *) die "install needs an absolute PREFIX (got '${prefix}')" ;; esac
  build_native
  step "install the C SDK into ${DESTDIR:-}$prefix"
  install_tree "${DESTDIR:-}$prefix" "$prefix" "$prefix/lib" "$prefix/include"
  echo "${DESTDIR:-}$prefix"
}

dist_rust() {
  step "cargo package -p wechatpay-notify -p wechatpay-notify-cli"
  # Packaged together, cargo verifies the CLI against the packaged core through a temporary local
  # registry, so the unpublished core needs no --no-verify. --allow-dirty: dist builds the working tree.
  $CARGO package -p wechatpay-notify -p wechatpay-notify-cli --allow-dirty
  mkdir -p "$dist"
  rm -f "$dist"/wechatpay-notify-*.crate
  for crate in wechatpay-notify wechatpay-notify-cli; do
    cp "$target_dir/package/$crate-$version.crate" "$dist/"
    echo "$dist/$crate-$version.crate"
  done
}

dist_dotnet() {
  [ "$(host_triple)" = x86_64-unknown-linux-gnu ] || die "the NuGet package carries linux-x64 only; this host is $(host_triple)"
  need mcs mono-mcs mono mono-runtime python3 python3
  build_native
  local work=$target_dir/dist-dotnet numeric=${version%%[-+]*}
  rm -rf "$work" && mkdir -p "$work"
  step "mcs: WechatPay.Notify.dll $version with XML documentation"
  cat > "$work/AssemblyInfo.cs" <<EOF
// Generated by scripts/dist.sh (dotnet pack would generate the same from the .csproj).
[assembly: System.Reflection.AssemblyTitle("WechatPay.Notify")]
[assembly: System.Reflection.AssemblyProduct("wechatpay-notify")]
[assembly: System.Reflection.AssemblyVersion("$numeric.0")]
[assembly: System.Reflection.AssemblyFileVersion("$numeric.0")]
[assembly: System.Reflection.AssemblyInformationalVersion("$version")]
EOF
  mcs -nologo -langversion:7.2 -warnaserror -unsafe -optimize+ -target:library \
    -doc:"$work/WechatPay.Notify.xml" -out:"$work/WechatPay.Notify.dll" \
    bindings/dotnet/src/*.cs "$work/AssemblyInfo.cs"
  step "pack WechatPay.Notify.$version.nupkg"
  mkdir -p "$dist"
  rm -f "$dist"/WechatPay.Notify.*.nupkg
  python3 scripts/pack-nupkg.py --csproj bindings/dotnet/WechatPay.Notify.csproj --version "$version" \
    --dll "$work/WechatPay.Notify.dll" --xml "$work/WechatPay.Notify.xml" \
    --native "$release/lib$lib.so" --readme bindings/dotnet/README.md \
    --license LICENSE-MIT --license LICENSE-APACHE --out "$dist" \
    --commit "$(git rev-parse HEAD 2>/dev/null || true)"
}

dist_python() {
  need python3 python3
  local work=$target_dir/dist-python venv
  venv=$work/venv
  # A build venv of our own (maturin from PyPI; 1.9.2 writes PEP 639 License-Expression), reused between runs.
  if ! "$venv/bin/maturin" --version >/dev/null 2>&1; then
    step "build venv $venv (maturin)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'maturin>=1.9.2,<2'
  fi
  mkdir -p "$dist"
  rm -f "$dist"/wechatpay_notify-*.whl "$dist"/wechatpay_notify-*.tar.gz
  step "maturin build --release (abi3 wheel; maturin audits the glibc symbols and picks the manylinux tag)"
  # --auditwheel check: fail rather than bundle libraries into the wheel (the module needs none but libc).
  (cd bindings/python && "$venv/bin/maturin" build --release --auditwheel check --out "$dist")
  step "maturin sdist"
  (cd bindings/python && "$venv/bin/maturin" sdist --out "$dist")
  ls "$dist"/wechatpay_notify-"$version"-*.whl "$dist/wechatpay_notify-$version.tar.gz" ||
    die "maturin left no wheel or sdist for $version in $dist"
}

dist_node() {
  [ "$(host_triple)" = x86_64-unknown-linux-gnu ] || die "the npm platform package is linux-x64-gnu only; this host is $(host_triple)"
  need node nodejs npm npm
  local node_dir=$root/bindings/node work=$target_dir/dist-node platform=linux-x64-gnu
  local addon=wechatpay-notify.$platform.node stamp want
  # The npm dev dependencies (@napi-rs/cli) from package-lock.json; the same stamp as scripts/test-node.sh.
  stamp=$node_dir/node_modules/.wechatpay-notify-stamp
  want="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1) $(node --version)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "npm ci (bindings/node)"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
  rm -rf "$work" && mkdir -p "$work/build" "$work/main" "$dist"
  step "napi build --platform --release (into $work/build, the source tree untouched)"
  (cd "$node_dir" && ./node_modules/.bin/napi build --platform --release --output-dir "$work/build")
  [ -f "$work/build/$addon" ] || die "napi build left no $addon"

  # The main package: the JS entry point, the binding loader and both declaration files from the
  # same build as the addon, the licences; never the binary (package.json `files` leaves it out).
  step "stage the main package and bindings/node/npm/$platform"
  cp "$node_dir/package.json" "$node_dir/README.md" "$node_dir/notify.js" "$node_dir/notify.d.ts" \
    "$node_dir/LICENSE-MIT" "$node_dir/LICENSE-APACHE" "$work/main/"
  cp "$work/build/index.js" "$work/build/index.d.ts" "$work/main/"
  cp -R "$node_dir/npm" "$work/main/npm"
  # What `napi artifacts` does: the addon into its platform package (npm/linux-x64-gnu/).
  cp "$work/build/$addon" "$work/main/npm/$platform/"
  # What `napi pre-publish` writes before publishing: optionalDependencies on every platform package
  # at the same version. Done here rather than in bindings/node/package.json, where `npm ci` would
  # need the package on the registry before its first release.
  node -e '
const fs = require("fs")
const [file, dep, version] = process.argv.slice(1)
const pkg = JSON.parse(fs.readFileSync(file, "utf8"))
pkg.optionalDependencies = { [dep]: version }
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n")
' "$work/main/package.json" "wechatpay-notify-$platform" "$version"
  rm -f "$dist"/wechatpay-notify-"$version".tgz "$dist"/wechatpay-notify-"$platform"-*.tgz
  step "npm pack (main and $platform)"
  (cd "$work/main/npm/$platform" && npm pack --silent --pack-destination "$dist" >/dev/null)
  (cd "$work/main" && npm pack --silent --pack-destination "$dist" >/dev/null)
  for tgz in "wechatpay-notify-$version.tgz" "wechatpay-notify-$platform-$version.tgz"; do
    [ -f "$dist/$tgz" ] || die "npm pack left no $dist/$tgz"
    echo "$dist/$tgz"
  done
}

# The Java artifacts: a script of their own (Maven offline against Debian's repository; also
# `scripts/dist.sh all`).
dist_java() {
  scripts/dist-java.sh
}

case ${1:-all} in
  all) dist_c; dist_rust; dist_dotnet; dist_python; dist_node; dist_java; step "dist/: $(cd "$dist" && ls | tr '\n' ' ')" ;;
  c) dist_c ;;
  install) install_c "${2:-}" ;;
  rust) dist_rust ;;
  dotnet) dist_dotnet ;;
  python) dist_python ;;
  node) dist_node ;;
  java) dist_java ;;
  version) echo "$version" ;;
  *) die "usage: scripts/dist.sh [all|c|rust|dotnet|python|node|java|version|install PREFIX]" ;;
esac
