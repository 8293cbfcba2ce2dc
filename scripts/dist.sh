#!/usr/bin/env bash
# Build the installable artifacts into dist/ (one version for all: workspace.package.version in
# Cargo.toml). scripts/test-dist.sh installs each one into a fresh temporary place and smoke-tests it.
#
# Platform rows (scripts/platforms.sh, issue 18): PLATFORMS=host (the default: linux-x64-gnu, built for
# glibc 2.17 with cargo-zigbuild), PLATFORMS=all (every row: linux-x64-gnu, linux-arm64-gnu,
# linux-x64-musl, linux-arm64-musl, win32-x64-gnu, darwin-x64, darwin-arm64; `make dist-all`), or a
# comma-separated list of rows. Each step below builds its artifact for every selected row.
#
#   scripts/dist.sh [all]          everything below
#   scripts/dist.sh cli            dist/wechatpay-notify-cli-VERSION-TRIPLE.tar.gz (.zip for Windows):
#                                  bin/wechatpay-notify[.exe] (stripped; static for musl), README, licences;
#                                  then cli-wheel and cli-npm, the same binary for pip and npx (issue 23):
#   scripts/dist.sh cli-wheel      dist/wechatpay_notify_cli-VERSION-py3-none-PLATFORM.whl per row (PyPI
#                                  wechatpay-notify-cli: `pip install` puts `wechatpay-notify` on PATH; the
#                                  tags of the library's wheels; scripts/pack-cli-wheel.py)
#   scripts/dist.sh cli-npm        dist/wechatpay-notify-cli-VERSION.tgz (@wechatpay-notify/cli: the launcher
#                                  bin wechatpay-notify, for `npx`; optionalDependencies on every platform
#                                  package) and per row dist/wechatpay-notify-cli-ROW-VERSION.tgz
#                                  (@wechatpay-notify/cli-ROW: bin/wechatpay-notify[.exe]), packed with `npm pack`
#   scripts/dist.sh c              dist/wechatpay-notify-c-VERSION-TRIPLE.tar.gz (.zip for Windows): the C SDK
#                                  tree (lib/ with the shared library -- Linux: SONAME'd with its symlinks;
#                                  macOS: install name @rpath/libwechatpay_notify.dylib; Windows:
#                                  bin/wechatpay_notify.dll and lib/libwechatpay_notify.dll.a --, the static
#                                  library, lib/pkgconfig/wechatpay-notify.pc relocatable through ${pcfiledir},
#                                  include/, share/doc/wechatpay-notify/ with the licences)
#   scripts/dist.sh install PREFIX the host's C SDK (a native cargo build) installed into $DESTDIR$PREFIX,
#                                  with a .pc naming PREFIX (what `make install PREFIX=...` runs)
#   scripts/dist.sh rust           dist/wechatpay-notify-VERSION.crate, dist/wechatpay-notify-cli-VERSION.crate
#                                  (cargo package of both, the CLI verified against the packaged core)
#   scripts/dist.sh dotnet         dist/WechatPay.Notify.VERSION.nupkg (mcs + scripts/pack-nupkg.py; no .NET SDK)
#                                  with runtimes/<RID>/native/ for every selected row
#   scripts/dist.sh python         dist/wechatpay_notify-VERSION-cp39-abi3-PLATFORM.whl per row (maturin build
#                                  --release --zig, or with mingw for Windows: abi3 for CPython >= 3.9; the
#                                  tags manylinux_2_17 (= manylinux2014) / musllinux_1_2 checked by maturin's
#                                  auditwheel, win_amd64, macosx_10_12_x86_64 / macosx_11_0_arm64) and
#                                  dist/wechatpay_notify-VERSION.tar.gz (maturin sdist)
#   scripts/dist.sh node           dist/wechatpay-notify-VERSION.tgz (the JS entry point, the loader and types, no
#                                  binary; optionalDependencies on every platform package) and per row
#                                  dist/wechatpay-notify-ROW-VERSION.tgz (@wechatpay-notify/ROW: the .node file),
#                                  the napi-rs layout (bindings/node/npm/ROW), each packed with `npm pack`
#   scripts/dist.sh java           dist/wechatpay-notify-VERSION.jar (+ -sources.jar, -javadoc.jar) and
#                                  dist/wechatpay-notify-VERSION.pom: scripts/dist-java.sh, the C library of every
#                                  selected glibc, Windows and macOS row as JNA resources (<os>-<arch>/)
#   scripts/dist.sh version        prints the workspace version
#   scripts/dist.sh rows           prints the selected rows
#
# Installs what it needs (Debian packages, rustup targets, zig from PyPI) when missing. Respects CARGO
# and CARGO_TARGET_DIR.
. "$(dirname "$0")/lib.sh"

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

# shellcheck source=scripts/platforms.sh
. scripts/platforms.sh
rows=$(rows_from "${PLATFORMS:-host}")
stage_root=$target_dir/platforms/stage

# The host's own native build, for `install` only (a local install for this machine).
build_native() {
  need nm binutils readelf binutils
  step "cargo build --release -p wechatpay-notify-ffi"
  $CARGO build --release -p wechatpay-notify-ffi
  local so=$release/lib$lib.so
  [ -f "$so" ] && [ -f "$release/lib$lib.a" ] || die "the FFI build left no lib$lib.so/.a in $release"
  readelf -d "$so" | grep "Library soname: \[lib$lib.so.$major\]" >/dev/null ||
    die "lib$lib.so has no SONAME lib$lib.so.$major"
}

# build_row ROW: the CLI and the C library for ROW, stripped, staged in $stage_root/ROW/{bin,lib}
# (cached: rebuilt when cargo rebuilds). Prints the stage directory.
built_rows=" "
build_row() {
  local row=$1 dir rel st extra=()
  dir=$stage_root/$row rel=$(row_release_dir "$row")
  ensure_row_toolchain "$row"
  # Once per run (dist_cli, dist_c and dist_dotnet all want it).
  if [[ $built_rows == *" $row "* ]]; then echo "$dir"; return 0; fi
  built_rows+="$row "
  # The C library (cdylib + staticlib of the FFI crate) needs flags of its own on two kinds of row,
  # given to its link only (cargo rustc):
  case $row in
    # musl: Rust links musl statically by default, which allows no cdylib; the shared library links
    # musl's libc.so dynamically (the static library and the CLI stay fully static).
    *-musl) extra=(-C target-feature=-crt-static) ;;
    # macOS: the install name a program records when it links the dylib (rustc writes the build path).
    darwin-*) extra=(-C "link-arg=-Wl,-install_name,@rpath/lib$lib.dylib") ;;
  esac
  if [ ${#extra[@]} -eq 0 ]; then
    step "$row: the CLI and the C library ($(row_build_target "$row"))"
    row_cargo "$row" -p wechatpay-notify-cli -p wechatpay-notify-ffi >&2
  else
    step "$row: the CLI ($(row_build_target "$row"))"
    row_cargo "$row" -p wechatpay-notify-cli >&2
    step "$row: the C library (cdylib + staticlib; ${extra[*]})"
    row_cargo_rustc "$row" -p wechatpay-notify-ffi --lib --crate-type cdylib,staticlib -- "${extra[@]}" >&2
  fi
  rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/lib"
  st=$(row_shared_lib "$row")
  cp "$rel/$(row_exe "$row")" "$dir/bin/"
  # cargo rustc --crate-type leaves the cdylib in deps/ without copying it up: take both from there.
  if [ ${#extra[@]} -gt 0 ]; then rel=$rel/deps; fi
  cp "$rel/$st" "$rel/lib$lib.a" "$dir/lib/"
  case $row in win32-*) cp "$rel/lib$lib.dll.a" "$dir/lib/" ;; esac
  strip_kind exe "$dir/bin/$(row_exe "$row")"
  strip_kind shared "$dir/lib/$st"
  musl_needed "$row" "$dir/lib/$st"
  strip_kind static "$dir/lib/lib$lib.a"
  case $row in win32-*) strip_kind static "$dir/lib/lib$lib.dll.a" ;; esac
  echo "$dir"
}

# archive ROW NAME STAGE: dist/NAME.tar.gz (NAME.zip for Windows) of STAGE/NAME, reproducible.
archive() {
  local row=$1 name=$2 stage=$3
  rm -f "$dist/$name.tar.gz" "$dist/$name.zip"
  case $row in
    win32-*)
      python3 - "$stage" "$name" "$dist/$name.zip" <<'EOF'
import os, sys, time, zipfile
stage, name, out = sys.argv[1:]
stamp = time.gmtime(max(int(os.environ["SOURCE_DATE_EPOCH"]), 315532800))[:6]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for base, dirs, files in sorted(os.walk(os.path.join(stage, name))):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(base, f)
            info = zipfile.ZipInfo(os.path.relpath(path, stage), date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
            with open(path, "rb") as fh:
                z.writestr(info, fh.read())
EOF
      echo "$dist/$name.zip" ;;
    *)
      tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
        -C "$stage" -czf "$dist/$name.tar.gz" "$name"
      echo "$dist/$name.tar.gz" ;;
  esac
}

# install_tree ROW DEST PC_PREFIX PC_LIBDIR PC_INCLUDEDIR [SRC]: the C SDK for ROW under DEST; the .pc
# file gets the given (possibly ${pcfiledir}-relative) locations. SRC holds lib/ (default: the stage).
install_tree() {
  local row=$1 dest=$2 src=${6:-$stage_root/$1}
  install -d "$dest/lib/pkgconfig" "$dest/include" "$dest/share/doc/wechatpay-notify"
  case $row in
    win32-*)
      install -d "$dest/bin"
      install -m 0755 "$src/lib/$lib.dll" "$dest/bin/$lib.dll"
      install -m 0644 "$src/lib/lib$lib.dll.a" "$dest/lib/lib$lib.dll.a" ;;
    darwin-*)
      install -m 0755 "$src/lib/lib$lib.dylib" "$dest/lib/lib$lib.dylib" ;;
    *)
      install -m 0755 "$src/lib/lib$lib.so" "$dest/lib/lib$lib.so.$version"
      ln -sfn "lib$lib.so.$version" "$dest/lib/lib$lib.so.$major"
      ln -sfn "lib$lib.so.$major" "$dest/lib/lib$lib.so" ;;
  esac
  install -m 0644 "$src/lib/lib$lib.a" "$dest/lib/lib$lib.a"
  install -m 0644 include/wechatpay_notify.h "$dest/include/wechatpay_notify.h"
  # Libs.private: what the static library needs beside libc (Windows: the system DLLs Rust's std
  # and aws-lc import; macOS: libSystem and the Security framework are linked by default).
  local private='-lpthread -ldl -lm'
  case $row in
    win32-*) private='-lws2_32 -lntdll -luserenv -lbcrypt -ladvapi32 -lkernel32' ;;
    darwin-*) private='-framework CoreFoundation -framework Security -liconv -lm' ;;
    *-musl) private='' ;;
  esac
  sed -e "s|@PREFIX@|$3|" -e "s|@LIBDIR@|$4|" -e "s|@INCLUDEDIR@|$5|" -e "s|@VERSION@|$version|" \
    -e "s|^Libs.private: .*|Libs.private: $private|" \
    examples/c/wechatpay-notify.pc.in > "$dest/lib/pkgconfig/wechatpay-notify.pc"
  chmod 0644 "$dest/lib/pkgconfig/wechatpay-notify.pc"
  install -m 0644 LICENSE-MIT LICENSE-APACHE CHANGELOG.md README.md "$dest/share/doc/wechatpay-notify/"
}

host_triple() { rustc -vV | sed -n 's/^host: //p'; }

dist_c() {
  local row name stage
  mkdir -p "$dist"
  for row in $rows; do
    build_row "$row" >/dev/null
    name=wechatpay-notify-c-$version-$(row_triple "$row")
    stage=$target_dir/dist-c
    rm -rf "${stage:?}/$name" && mkdir -p "$stage"
    step "$row: C SDK tree $name (relocatable pkg-config file)"
    # shellcheck disable=SC2016 # ${pcfiledir} is pkg-config's, expanded by pkg-config.
    install_tree "$row" "$stage/$name" '${pcfiledir}/../..' '${prefix}/lib' '${prefix}/include'
    archive "$row" "$name" "$stage"
  done
}

dist_cli() {
  local row name stage
  mkdir -p "$dist"
  for row in $rows; do
    build_row "$row" >/dev/null
    name=wechatpay-notify-cli-$version-$(row_triple "$row")
    stage=$target_dir/dist-cli
    rm -rf "${stage:?}/$name" && mkdir -p "$stage/$name/bin"
    step "$row: CLI archive $name"
    install -m 0755 "$stage_root/$row/bin/$(row_exe "$row")" "$stage/$name/bin/"
    install -m 0644 README.md LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$stage/$name/"
    archive "$row" "$name" "$stage"
  done
}

install_c() {
  local prefix=${1:-}
  case $prefix in /*) ;; *) die "install needs an absolute PREFIX (got '${prefix}')" ;; esac
  build_native
  step "install the C SDK into ${DESTDIR:-}$prefix"
  local src=$target_dir/install-stage
  rm -rf "$src" && mkdir -p "$src/lib"
  cp "$release/lib$lib.so" "$release/lib$lib.a" "$src/lib/"
  install_tree linux-native "${DESTDIR:-}$prefix" "$prefix" "$prefix/lib" "$prefix/include" "$src"
  echo "${DESTDIR:-}$prefix"
}

dist_rust() {
  step "cargo package -p wechatpay-notify -p wechatpay-notify-cli"
  # Packaged together, cargo verifies the CLI against the packaged core through a temporary local
  # registry, so the unpublished core needs no --no-verify. --allow-dirty: dist builds the working tree.
  # Cargo unpacks that registry's core crate under $CARGO_HOME/registry/src/<hash of its path>/ and
  # reuses an unpacked copy of the same name and version without looking at its contents, so a copy
  # left by an earlier run of this checkout (the same path) would verify the CLI against the old core
  # (seen in CI: a core from before the switch to aws-lc-rs). Remove our own unpacked copies first.
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wechatpay-notify-"$version" \
    "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wechatpay-notify-cli-"$version"
  $CARGO package -p wechatpay-notify -p wechatpay-notify-cli --allow-dirty
  mkdir -p "$dist"
  rm -f "$dist"/wechatpay-notify-*.crate
  for crate in wechatpay-notify wechatpay-notify-cli; do
    cp "$target_dir/package/$crate-$version.crate" "$dist/"
    echo "$dist/$crate-$version.crate"
  done
}

# row_native ROW FILE: ROW's C shared library into FILE, taken out of its C SDK archive in dist/ (so
# that every package carrying it carries the same bytes; tests/dist/check_platforms.py compares them),
# the archive built first when ROW is selected and dist/ lacks it. Fails (status 1, nothing written)
# for a row that is neither selected nor in dist/.
row_native() {
  local row=$1 out=$2 archive
  # `|| true`: under pipefail a row without an archive (ls finds nothing) must not end the script.
  archive=$(ls "$dist/wechatpay-notify-c-$version-$(row_triple "$row")".* 2>/dev/null | head -1) || true
  if [ -z "$archive" ]; then
    [[ " $rows " == *" $row "* ]] || return 1
    rows=$row dist_c >/dev/null
    archive=$(ls "$dist/wechatpay-notify-c-$version-$(row_triple "$row")".* | head -1)
  fi
  mkdir -p "$(dirname "$out")"
  python3 - "$archive" "$(row_shared_lib "$row")" "$out" <<'EOF'
import os, sys, tarfile, zipfile
archive, name, out = sys.argv[1:]
if archive.endswith(".zip"):
    with zipfile.ZipFile(archive) as z:
        member = next(m for m in z.namelist() if m.endswith("/bin/" + name))
        data = z.read(member)
else:
    with tarfile.open(archive) as t:
        member = next(m for m in t.getmembers() if m.isfile() and "/lib/" in m.name
                      and os.path.basename(m.name).startswith(name) and not m.name.endswith(".a"))
        data = t.extractfile(member).read()
with open(out, "wb") as f:
    f.write(data)
EOF
}

# row_cli ROW FILE: ROW's CLI binary into FILE, taken out of its CLI archive in dist/ (the wheel and
# the npm package carry the archive's bytes; tests/dist/check_platforms.py compares them), the archive
# built first when dist/ lacks it.
row_cli() {
  local row=$1 out=$2 archive
  # `|| true`: under pipefail a row without an archive (ls finds nothing) must not end the script.
  archive=$(ls "$dist/wechatpay-notify-cli-$version-$(row_triple "$row")".* 2>/dev/null | head -1) || true
  if [ -z "$archive" ]; then
    rows=$row dist_cli >/dev/null
    archive=$(ls "$dist/wechatpay-notify-cli-$version-$(row_triple "$row")".* | head -1)
  fi
  mkdir -p "$(dirname "$out")"
  python3 - "$archive" "$(row_exe "$row")" "$out" <<'EOF'
import os, sys, tarfile, zipfile
archive, name, out = sys.argv[1:]
if archive.endswith(".zip"):
    with zipfile.ZipFile(archive) as z:
        data = z.read(next(m for m in z.namelist() if m.endswith("/bin/" + name)))
else:
    with tarfile.open(archive) as t:
        member = next(m for m in t.getmembers() if m.isfile() and m.name.endswith("/bin/" + name))
        data = t.extractfile(member).read()
with open(out, "wb") as f:
    f.write(data)
os.chmod(out, 0o755)
EOF
}

# The CLI for pip (issue 23: the test tool without Rust): one py3-none wheel per row, tagged as the
# library's wheel of the row, holding the archive's binary as a script (maturin's `bindings = "bin"`
# layout). No Python in it, so one wheel serves every Python 3.
dist_cli_wheel() {
  need python3 python3
  local row tags exe
  mkdir -p "$dist"
  for row in $rows; do
    exe=$target_dir/dist-cli-wheel/$row/$(row_exe "$row")
    row_cli "$row" "$exe"
    tags=$(row_wheel_platform "$row")
    # The glibc rows carry both names of their tag, as maturin writes --compatibility manylinux2014
    # wheels: pip before 20.3 knows only manylinux2014_ARCH.
    case $row in linux-*-gnu) tags+=".manylinux2014_${tags#manylinux_2_17_}" ;; esac
    rm -f "$dist"/wechatpay_notify_cli-*-py3-none-$(row_wheel_glob "$row").whl
    step "$row: CLI wheel (py3-none-$tags)"
    python3 scripts/pack-cli-wheel.py --exe "$exe" --version "$version" --platform "$tags" \
      --readme bindings/python/cli/README.md --license LICENSE-MIT --license LICENSE-APACHE --out "$dist"
  done
}

# The CLI for npm and npx (issue 23): the main package @wechatpay-notify/cli is a launcher
# (bindings/node/cli/wechatpay-notify.js, with the library's platform detection, bindings/node/platform.js)
# that runs the binary of @wechatpay-notify/cli-ROW, one platform package per row with the os, cpu and
# libc of the library's platform package of that row (bindings/node/npm/ROW/package.json), so npm
# picks the same row for both.
dist_cli_npm() {
  need node nodejs npm npm
  local work=$target_dir/dist-cli-npm row pkg
  rm -rf "$work" && mkdir -p "$work/main" "$dist"
  cp bindings/node/cli/package.json bindings/node/cli/README.md bindings/node/cli/wechatpay-notify.js \
    bindings/node/platform.js LICENSE-MIT LICENSE-APACHE "$work/main/"
  for row in $rows; do
    pkg=$work/cli-$row
    step "$row: npm package @wechatpay-notify/cli-$row"
    row_cli "$row" "$pkg/bin/$(row_exe "$row")"
    cp LICENSE-MIT LICENSE-APACHE "$pkg/"
    node -e '
const fs = require("fs")
const [row, triple, exe, version, root, out] = process.argv.slice(1)
const lib = JSON.parse(fs.readFileSync(`${root}/bindings/node/npm/${row}/package.json`, "utf8"))
const what = require(`${root}/bindings/node/platform.js`).SUPPORTED[row]
const pkg = {
  name: `@wechatpay-notify/cli-${row}`,
  version,
  description: `The ${row} binary of the wechatpay-notify command line (${what}); install @wechatpay-notify/cli, which depends on it and runs it.`,
  license: lib.license,
  repository: { ...lib.repository, directory: "bindings/node/cli" },
  os: lib.os,
  cpu: lib.cpu,
  ...(lib.libc ? { libc: lib.libc } : {}),
  files: [`bin/${exe}`, "LICENSE-MIT", "LICENSE-APACHE"],
  publishConfig: lib.publishConfig,
}
fs.writeFileSync(`${out}/package.json`, JSON.stringify(pkg, null, 2) + "\n")
fs.writeFileSync(`${out}/README.md`, `# \`${pkg.name}\`\n\nThe **${triple}** binary of the \`wechatpay-notify\` ` +
  `command line (${what}).\nInstall \`@wechatpay-notify/cli\`, which depends on it and runs it: ` +
  "`npx @wechatpay-notify/cli --help`.\n")
' "$row" "$(row_triple "$row")" "$(row_exe "$row")" "$version" "$root" "$pkg"
  done
  # optionalDependencies on every platform package we publish, at the same version (as dist_node gives
  # the library's main package); npm installs the one for the machine.
  node -e '
const fs = require("fs")
const [file, version, ...rows] = process.argv.slice(1)
const pkg = JSON.parse(fs.readFileSync(file, "utf8"))
if (pkg.version !== version) throw new Error(`bindings/node/cli/package.json has version ${pkg.version}`)
pkg.optionalDependencies = Object.fromEntries(rows.sort().map((row) => [`@wechatpay-notify/cli-${row}`, version]))
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n")
' "$work/main/package.json" "$version" "${PLATFORM_ROWS[@]}"
  step "npm pack (@wechatpay-notify/cli and the platform packages of: $rows)"
  rm -f "$dist/wechatpay-notify-cli-$version.tgz"
  for row in $rows; do
    rm -f "$dist/wechatpay-notify-cli-$row-$version.tgz"
    (cd "$work/cli-$row" && npm pack --silent --pack-destination "$dist" >/dev/null)
    [ -f "$dist/wechatpay-notify-cli-$row-$version.tgz" ] || die "npm pack left no wechatpay-notify-cli-$row-$version.tgz"
    echo "$dist/wechatpay-notify-cli-$row-$version.tgz"
  done
  (cd "$work/main" && npm pack --silent --pack-destination "$dist" >/dev/null)
  [ -f "$dist/wechatpay-notify-cli-$version.tgz" ] || die "npm pack left no wechatpay-notify-cli-$version.tgz"
  echo "$dist/wechatpay-notify-cli-$version.tgz"
}

dist_dotnet() {
  need mcs mono-mcs mono mono-runtime python3 python3
  local work=$target_dir/dist-dotnet numeric=${version%%[-+]*} row natives=() packed= lib
  # The native libraries: every selected row and every row whose C SDK archive for this version
  # dist/ already has.
  rm -rf "$work.natives"
  for row in "${PLATFORM_ROWS[@]}"; do
    lib=$work.natives/$(row_nuget_rid "$row")/$(row_shared_lib "$row")
    row_native "$row" "$lib" || continue
    natives+=(--native "$(row_nuget_rid "$row")=$lib")
    packed+="$(row_nuget_rid "$row") "
  done
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
  step "pack WechatPay.Notify.$version.nupkg (runtimes: $packed)"
  mkdir -p "$dist"
  rm -f "$dist"/WechatPay.Notify.*.nupkg
  python3 scripts/pack-nupkg.py --csproj bindings/dotnet/WechatPay.Notify.csproj --version "$version" \
    --dll "$work/WechatPay.Notify.dll" --xml "$work/WechatPay.Notify.xml" \
    "${natives[@]}" --readme bindings/dotnet/README.md \
    --license LICENSE-MIT --license LICENSE-APACHE --out "$dist" \
    --commit "$(git rev-parse HEAD 2>/dev/null || true)"
}

dist_python() {
  need python3 python3
  local row args whl
  mkdir -p "$dist"
  rm -f "$dist"/wechatpay_notify-*.tar.gz
  for row in $rows; do
    ensure_row_toolchain "$row"
    rm -f "$dist"/wechatpay_notify-*-$(row_wheel_glob "$row").whl
    args=(--release --target "$(row_triple "$row")" --out "$dist")
    case $row in
      # --zig: zig links for glibc 2.17 / musl / macOS; maturin's audit (--auditwheel check: fail rather
      # than bundle libraries; the module needs none but libc) confirms the tag.
      linux-*-gnu) args+=(--zig --compatibility manylinux2014 --auditwheel check) ;;
      linux-*-musl) args+=(--zig --compatibility musllinux_1_2 --auditwheel check) ;;
      darwin-*) args+=(--zig) ;;
      # Windows: mingw links (ensure_row_toolchain installed it and nasm); maturin writes the
      # python3.dll import library (abi3) itself.
      win32-*) ;;
    esac
    # maturin --zig builds in a target directory of its own. maturin embeds cargo-zigbuild, whose zig
    # wrappers exec the program that wrote them (maturin here, cargo-zigbuild for the CLI, the C
    # library and napi build -x) and live in a directory named after it; the wrapper's path reaches
    # aws-lc-sys's build script as CC_<target>, so in one target directory each switch between the two
    # re-ran that script and rebuilt AWS-LC and everything above it (three AWS-LC builds per row and
    # run, and two more on every rerun). Apart, the CLI, the C library and the addon share one build
    # and the wheel has its own. The Windows row (mingw, no zig) shares the row's target directory.
    [ "$(row_builder "$row")" = zig ] && args+=(--target-dir "$target_dir/maturin-zig")
    step "$row: maturin build ${args[*]}"
    (cd bindings/python && maturin build "${args[@]}")
    whl=$(ls "$dist"/wechatpay_notify-"$version"-cp39-abi3-$(row_wheel_glob "$row").whl 2>/dev/null | head -1) || true
    [ -n "$whl" ] || die "maturin left no $(row_wheel_platform "$row") wheel for $version in $dist"
    fix_wheel "$row" "$whl"
    echo "$whl"
  done
  step "maturin sdist"
  (cd bindings/python && maturin sdist --out "$dist")
  [ -f "$dist/wechatpay_notify-$version.tar.gz" ] || die "maturin left no sdist for $version in $dist"
}

# fix_wheel ROW WHEEL: the wheel's native module stripped like the other shared libraries (and, musl,
# its libc named as Alpine names it: musl_needed), RECORD rewritten with the new hash and size.
fix_wheel() {
  python3 - "$2" "$(declare -f objcopy strip_kind apt_need step musl_needed); strip_kind shared \"\$1\" && musl_needed $1" <<'EOF'
import base64, hashlib, os, subprocess, sys, tempfile, zipfile
wheel, strip = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    entries = [(i, z.read(i.filename)) for i in z.infolist()]
out = []
for info, data in entries:
    name = info.filename
    if name.startswith("wechatpay_notify/_native") and not name.endswith(".pyi"):
        # Under its own name: on macOS, objcopy re-signs the image and names the signature after the
        # file it writes (a temporary name would differ from build to build).
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, os.path.basename(name))
            with open(path, "wb") as f:
                f.write(data)
            subprocess.run(["bash", "-c", strip + ' "$1"', "fix", path], check=True)
            with open(path, "rb") as fh:
                data = fh.read()
    out.append((info, data))
record_name = next(i.filename for i, _ in out if i.filename.endswith(".dist-info/RECORD"))
lines = []
for info, data in out:
    if info.filename == record_name:
        continue
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    lines.append(f"{info.filename},sha256={digest},{len(data)}")
lines.append(f"{record_name},,")
tmp = wheel + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for info, data in out:
        if info.filename == record_name:
            data = ("\n".join(lines) + "\n").encode()
        z.writestr(info, data)
os.replace(tmp, wheel)
EOF
}

# The npm platform packages live in bindings/node/npm/ROW (package.json, README, licences); the loader
# (bindings/node/index.js) and the main package's napi.targets name the same rows.
dist_node() {
  need node nodejs npm npm
  local node_dir=$root/bindings/node work=$target_dir/dist-node row triple addon stamp want args
  # The npm dev dependencies (@napi-rs/cli) from package-lock.json; the same stamp as scripts/test-node.sh.
  stamp=$node_dir/node_modules/.wechatpay-notify-stamp
  want="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1) $(node --version)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "npm ci (bindings/node)"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
  rm -rf "$work" && mkdir -p "$work/build" "$work/main" "$dist"
  # The main package: the JS entry point, the binding loader (index.js, ours: it tries only the
  # platform packages we publish, named by platform.js) and both declaration files, the licences;
  # never a binary.
  step "stage the main package"
  cp "$node_dir/package.json" "$node_dir/README.md" "$node_dir/notify.js" "$node_dir/notify.d.ts" \
    "$node_dir/index.js" "$node_dir/platform.js" "$node_dir/LICENSE-MIT" "$node_dir/LICENSE-APACHE" "$work/main/"
  cp -R "$node_dir/npm" "$work/main/npm"
  for row in $rows; do
    ensure_row_toolchain "$row"
    triple=$(row_triple "$row") addon=wechatpay-notify.$row.node
    args=(--platform --release --target "$(row_build_target "$row")" --output-dir "$work/build/$row" --no-js)
    # -x: cargo-zigbuild (glibc 2.17, musl, macOS); Windows links with mingw (napi rejects -x there).
    [ "$(row_builder "$row")" = zig ] && args+=(-x)
    # windows-gnu: napi's build script (napi-build setup_gnu) insists on linking a libnode.dll. The
    # addon resolves every Node-API function at run time (napi's dyn-symbols feature) and references
    # none, so an empty stand-in satisfies the link and nothing imports it (check_platforms.py checks
    # the addon imports Windows system DLLs only).
    case $row in
      win32-*)
        local stub=$target_dir/platforms/libnode
        if [ ! -f "$stub/libnode.dll" ]; then
          mkdir -p "$stub"
          printf 'void wechatpay_notify_libnode_stand_in(void) {}\n' > "$stub/libnode.c"
          x86_64-w64-mingw32-gcc -shared -o "$stub/libnode.dll" "$stub/libnode.c"
        fi
        export LIBNODE_PATH=$stub ;;
    esac
    step "$row: napi build ${args[*]}"
    (cd "$node_dir" && ./node_modules/.bin/napi build "${args[@]}")
    [ -f "$work/build/$row/$addon" ] || die "napi build left no $addon"
    strip_kind shared "$work/build/$row/$addon"
    musl_needed "$row" "$work/build/$row/$addon"
    [ -f "$work/main/index.d.ts" ] || cp "$work/build/$row/index.d.ts" "$work/main/"
    # What `napi artifacts` does: the addon into its platform package (npm/ROW/).
    cp "$work/build/$row/$addon" "$work/main/npm/$row/"
  done
  # What `napi pre-publish` writes before publishing: optionalDependencies on every platform package we
  # publish (napi.targets), at the same version. Done here rather than in bindings/node/package.json,
  # where `npm ci` would need the packages on the registry before their first release.
  node -e '
const fs = require("fs")
const [file, dir, version] = process.argv.slice(1)
const pkg = JSON.parse(fs.readFileSync(file, "utf8"))
pkg.optionalDependencies = {}
for (const row of fs.readdirSync(dir).sort()) {
  const p = JSON.parse(fs.readFileSync(`${dir}/${row}/package.json`, "utf8"))
  if (p.version !== version) throw new Error(`${dir}/${row}/package.json has version ${p.version}`)
  pkg.optionalDependencies[p.name] = version
}
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n")
' "$work/main/package.json" "$work/main/npm" "$version"
  rm -f "$dist"/wechatpay-notify-"$version".tgz
  for row in $rows; do rm -f "$dist/wechatpay-notify-$row-$version.tgz"; done
  step "npm pack (main and $rows)"
  for row in $rows; do
    (cd "$work/main/npm/$row" && npm pack --silent --pack-destination "$dist" >/dev/null)
    [ -f "$dist/wechatpay-notify-$row-$version.tgz" ] || die "npm pack left no wechatpay-notify-$row-$version.tgz"
    echo "$dist/wechatpay-notify-$row-$version.tgz"
  done
  rm -rf "$work/main/npm"
  (cd "$work/main" && npm pack --silent --pack-destination "$dist" >/dev/null)
  [ -f "$dist/wechatpay-notify-$version.tgz" ] || die "npm pack left no wechatpay-notify-$version.tgz"
  echo "$dist/wechatpay-notify-$version.tgz"
}

# The Java artifacts: a script of their own (Maven offline against Debian's repository), given the
# jar's native libraries as JNA resource directories: every selected row and every row whose C SDK
# archive dist/ already has, except the musl rows (JNA has no resource prefix of their own).
dist_java() {
  local natives=$target_dir/dist-java.natives row prefix
  rm -rf "$natives"
  for row in "${PLATFORM_ROWS[@]}"; do
    prefix=$(row_jna_prefix "$row")
    [ -n "$prefix" ] || continue
    row_native "$row" "$natives/$prefix/$(row_shared_lib "$row")" || true
  done
  scripts/dist-java.sh "$natives"
}

sizes() {
  step "dist/ ($rows)"
  (cd "$dist" && ls -l | awk 'NR > 1 { printf "%10d  %s\n", $5, $NF }')
}

[ $# -gt 0 ] || set -- all
case $1 in
  install) install_c "${2:-}"; exit ;;
  version) echo "$version"; exit ;;
  rows) echo "$rows"; exit ;;
esac
for what in "$@"; do
  case $what in
    all) dist_cli; dist_cli_wheel; dist_cli_npm; dist_c; dist_rust; dist_dotnet; dist_python; dist_node; dist_java; sizes ;;
    cli) dist_cli; dist_cli_wheel; dist_cli_npm ;;
    cli-wheel) dist_cli_wheel ;;
    cli-npm) dist_cli_npm ;;
    c) dist_c ;;
    rust) dist_rust ;;
    dotnet) dist_dotnet ;;
    python) dist_python ;;
    node) dist_node ;;
    java) dist_java ;;
    *) die "usage: [PLATFORMS=host|all|ROW,...] scripts/dist.sh [all|cli|cli-wheel|cli-npm|c|rust|dotnet|python|node|java ...|version|rows|install PREFIX]" ;;
  esac
done
