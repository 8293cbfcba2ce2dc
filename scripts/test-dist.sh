#!/usr/bin/env bash
# Install every artifact of scripts/dist.sh into a fresh temporary place, the way a user would, and
# verify the shipped sample notifications through it (valid: pay-md5.xml; forged: pay-forged.xml),
# with nothing from the source tree on the include, library or assembly path:
#   - one version: Cargo.toml (workspace), the .csproj, bindings/python/pyproject.toml,
#     bindings/node/package.json, CHANGELOG.md, and every artifact built from them;
#   - C: the SDK tree (SONAME, versioned symlinks, exports == the header's functions, all wechatpay_*,
#     static library, header, pkg-config file, licences) both as `dist.sh install PREFIX` and as the
#     tarball; a small program built with `pkg-config --cflags --libs` (shared, run with
#     LD_LIBRARY_PATH) and `pkg-config --static` (-static), and against the unpacked tarball;
#   - Rust: the .crate files hold the licences, README and metadata; `cargo install --path
#     crates/wechatpay-notify-cli --root TMP` and the installed binary verifies the samples;
#   - .NET: the .nupkg structure (tests/dist/check_nupkg.py), a consumer compiled with mcs against the
#     packaged DLL and run with the packaged native library;
#   - the checks fail on an artifact without its native library, its types/docs/header or its licence
#     (each is shown by removing it from a copy and expecting the check to fail).
# Builds the artifacts first (scripts/dist.sh; DIST_PREBUILT=1 tests what dist/ holds). Respects CARGO
# and CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CARGO=${CARGO:-cargo}
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
dist=$root/dist
samples=$root/examples/notifications
lib=wechatpay_notify

step() { printf '\n== %s\n' "$*"; }
passed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }

# Tools from Debian when missing (CI runs as root on a fresh machine).
missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v nm >/dev/null || missing+=(binutils)
command -v python3 >/dev/null || missing+=(python3)
command -v mcs >/dev/null || missing+=(mono-mcs)
command -v mono >/dev/null || missing+=(mono-runtime)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wechatpay-notify-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Nothing from the source tree or the environment on the search paths.
unset LD_LIBRARY_PATH PKG_CONFIG_PATH C_INCLUDE_PATH LIBRARY_PATH MONO_PATH
cp "$samples/api_key.txt" "$samples/pay-md5.xml" "$samples/pay-forged.xml" "$tmp/"
key=$tmp/api_key.txt valid=$tmp/pay-md5.xml forged=$tmp/pay-forged.xml
# A libwechatpay_notify installed system-wide would make the "not found without the packaged
# library" checks meaningless; they are skipped then.
system_lib=false
if /sbin/ldconfig -p 2>/dev/null | grep "lib$lib\.so" >/dev/null; then system_lib=true; fi

# expect_verdicts NAME COMMAND...: COMMAND --version prints the version; COMMAND KEY valid is
# accepted (the sample's order and amount), COMMAND KEY forged refused with signature_mismatch.
expect_verdicts() {
  local name=$1 out rc; shift
  out=$("$@" --version) || fail "$name --version"
  [ "$out" = "$version" ] || fail "$name reports version '$out', expected $version"
  out=$("$@" "$key" "$valid") || fail "$name refused the valid sample: $out"
  [[ $out == "ok out_trade_no=20261127ORDER0001 total_fee=101 success=true" ]] || fail "$name: $out"
  set +e; out=$("$@" "$key" "$forged"); rc=$?; set -e
  [ $rc -eq 1 ] && [[ $out == "refused signature_mismatch (8211): "* ]] ||
    fail "$name accepted or mis-refused the forged sample (exit $rc): $out"
  ok "$name: version $version, pay-md5.xml verified (total_fee=101), pay-forged.xml refused (signature_mismatch)"
}

# ---------------------------------------------------------------------------------------------
step "one version"
version=$(scripts/dist.sh version)
py_version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' bindings/python/pyproject.toml | head -n 1)
node_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' bindings/node/package.json)
cs_version=$(sed -n 's/.*<Version>\(.*\)<\/Version>.*/\1/p' bindings/dotnet/WechatPay.Notify.csproj)
drift=
for pair in "bindings/python/pyproject.toml=$py_version" "bindings/node/package.json=$node_version" \
            "bindings/dotnet/WechatPay.Notify.csproj=$cs_version"; do
  [ "${pair#*=}" = "$version" ] || drift+=" ${pair%%=*} has '${pair#*=}';"
done
[ -z "$drift" ] || fail "version drift from Cargo.toml ($version):$drift"
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no section '## [$version]'"
ok "Cargo.toml, pyproject.toml, package.json, .csproj: $version; CHANGELOG.md has a section for $version"

if [ "${DIST_PREBUILT:-0}" = 1 ]; then
  step "testing the artifacts already in dist/ (DIST_PREBUILT=1)"
else
  step "build the artifacts (scripts/dist.sh)"
  scripts/dist.sh all
fi

# ---------------------------------------------------------------------------------------------
step "C SDK"
triple=$(rustc -vV | sed -n 's/^host: //p')
tarball=$dist/wechatpay-notify-c-$version-$triple.tar.gz
[ -f "$tarball" ] || fail "no $tarball"

# check_c_tree DIR: a complete C SDK tree (exit status only; reasons on stderr).
check_c_tree() {
  local d=$1 so=$1/lib/lib$lib.so.$version
  [ -f "$so" ] && [ ! -L "$so" ] || { echo "no native library $so" >&2; return 1; }
  [ "$(readlink "$d/lib/lib$lib.so.${version%%.*}")" = "lib$lib.so.$version" ] &&
    [ "$(readlink "$d/lib/lib$lib.so")" = "lib$lib.so.${version%%.*}" ] ||
    { echo "versioned symlinks missing or wrong in $d/lib" >&2; return 1; }
  readelf -d "$so" | grep "Library soname: \[lib$lib.so.${version%%.*}\]" >/dev/null ||
    { echo "$so has no SONAME lib$lib.so.${version%%.*}" >&2; return 1; }
  [ -f "$d/include/wechatpay_notify.h" ] || { echo "no header in $d/include" >&2; return 1; }
  # Exactly the header's functions are exported, all wechatpay_* (nothing from Rust's std or deps).
  local exported declared
  exported=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort -u)
  declared=$(grep -v '^ *//' "$d/include/wechatpay_notify.h" | grep -oE '\bwechatpay_[a-z0-9_]+\(' | tr -d '(' | sort -u)
  if grep -qv '^wechatpay_' <<<"$exported"; then
    echo "exports other than wechatpay_*: $(grep -v '^wechatpay_' <<<"$exported" | head -5 | tr '\n' ' ')" >&2; return 1
  fi
  if [ "$exported" != "$declared" ]; then
    { echo "exports differ from the header's functions (< header, > exported):"
      diff <(echo "$declared") <(echo "$exported") | head; } >&2
    return 1
  fi
  [ -f "$d/lib/lib$lib.a" ] && nm "$d/lib/lib$lib.a" 2>/dev/null | grep ' T wechatpay_verifier_verify_payment$' >/dev/null ||
    { echo "no static library with wechatpay_verifier_verify_payment" >&2; return 1; }
  grep -qx "Version: $version" "$d/lib/pkgconfig/wechatpay-notify.pc" 2>/dev/null ||
    { echo "no pkg-config file for $version" >&2; return 1; }
  grep -q 'MIT License' "$d/share/doc/wechatpay-notify/LICENSE-MIT" 2>/dev/null &&
    grep -q 'Apache License' "$d/share/doc/wechatpay-notify/LICENSE-APACHE" 2>/dev/null ||
    { echo "no licence texts in $d/share/doc/wechatpay-notify" >&2; return 1; }
  echo "$(wc -l <<<"$exported") exported functions, all declared in the header" >&2
}

mkdir -p "$tmp/tarball"
tar -C "$tmp/tarball" -xzf "$tarball"
tree=$tmp/tarball/wechatpay-notify-c-$version-$triple
check_c_tree "$tree" || fail "the C tarball is incomplete"
ok "C tarball $(basename "$tarball"): SONAME lib$lib.so.${version%%.*}, symlinks, exports = header, .a, .pc, licences"

prefix=$tmp/prefix
scripts/dist.sh install "$prefix" >/dev/null
check_c_tree "$prefix" || fail "dist.sh install left an incomplete tree"
grep -qx "prefix=$prefix" "$prefix/lib/pkgconfig/wechatpay-notify.pc" || fail "the installed .pc does not name $prefix"
ok "scripts/dist.sh install $prefix: the same tree, .pc with prefix=$prefix"

for part in "lib/lib$lib.so.$version" include/wechatpay_notify.h share/doc/wechatpay-notify/LICENSE-MIT; do
  rm -rf "$tmp/broken" && cp -a "$tree" "$tmp/broken" && rm "$tmp/broken/$part"
  if check_c_tree "$tmp/broken" 2>/dev/null; then fail "the C tree check passes without $part"; fi
done
ok "the C tree check fails without the native library, the header or a licence"

mkdir -p "$tmp/c" && cp tests/dist/smoke.c "$tmp/c/"
cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror)
# shellcheck disable=SC2046 # pkg-config output is a word list.
(
  export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
  [ "$(pkg-config --modversion wechatpay-notify)" = "$version" ] || fail "pkg-config --modversion"
  gcc "${cflags[@]}" "$tmp/c/smoke.c" -o "$tmp/c/smoke-shared" $(pkg-config --cflags --libs wechatpay-notify)
  gcc "${cflags[@]}" "$tmp/c/smoke.c" -o "$tmp/c/smoke-static" $(pkg-config --static --cflags --libs wechatpay-notify) -static
)
readelf -d "$tmp/c/smoke-shared" | grep "NEEDED.*\[lib$lib.so.${version%%.*}\]" >/dev/null ||
  fail "the shared smoke does not record lib$lib.so.${version%%.*}"
# Loaded from the prefix, not from elsewhere (unless the machine has the library installed system-wide).
if ! $system_lib && LD_LIBRARY_PATH= "$tmp/c/smoke-shared" --version >/dev/null 2>&1; then
  fail "the shared smoke runs without the prefix's lib on LD_LIBRARY_PATH (a library from elsewhere?)"
fi
expect_verdicts "C shared (pkg-config --libs, LD_LIBRARY_PATH=PREFIX/lib)" env LD_LIBRARY_PATH="$prefix/lib" "$tmp/c/smoke-shared"
if readelf -d "$tmp/c/smoke-static" 2>/dev/null | grep NEEDED >/dev/null; then fail "the static smoke needs shared libraries"; fi
expect_verdicts "C static (pkg-config --static, -static)" "$tmp/c/smoke-static"

# shellcheck disable=SC2046
PKG_CONFIG_LIBDIR=$tree/lib/pkgconfig \
  gcc "${cflags[@]}" "$tmp/c/smoke.c" -o "$tmp/c/smoke-tarball" $(PKG_CONFIG_LIBDIR=$tree/lib/pkgconfig pkg-config --cflags --libs wechatpay-notify)
expect_verdicts "C shared from the unpacked tarball (relocatable .pc)" env LD_LIBRARY_PATH="$tree/lib" "$tmp/c/smoke-tarball"

# ---------------------------------------------------------------------------------------------
step "Rust crates"
for crate in wechatpay-notify wechatpay-notify-cli; do
  file=$dist/$crate-$version.crate
  [ -f "$file" ] || fail "no $file"
  listing=$(tar -tzf "$file")
  main=src/lib.rs; [ "$crate" = wechatpay-notify ] || main=src/main.rs
  for entry in Cargo.toml LICENSE-MIT LICENSE-APACHE README.md $main; do
    grep -qx "$crate-$version/$entry" <<<"$listing" || fail "$crate-$version.crate has no $entry"
  done
  manifest=$(tar -xzOf "$file" "$crate-$version/Cargo.toml")
  for field in "version = \"$version\"" 'license = "MIT OR Apache-2.0"' 'description = ' 'repository = ' \
               'readme = "README.md"' 'keywords = ' 'categories = '; do
    grep -qF "$field" <<<"$manifest" || fail "$crate-$version.crate: Cargo.toml lacks $field"
  done
  grep -q 'MIT License' <(tar -xzOf "$file" "$crate-$version/LICENSE-MIT") || fail "$crate: LICENSE-MIT is not the MIT text"
  ok "$crate-$version.crate: licences, README, metadata (version, license, description, repository, readme, keywords, categories)"
done
grep -qF "version = \"$version\"" <(tar -xzOf "$dist/wechatpay-notify-cli-$version.crate" "wechatpay-notify-cli-$version/Cargo.toml" |
  sed -n '/^\[dependencies.wechatpay-notify\]/,/^\[/p') || fail "the packaged CLI does not depend on wechatpay-notify $version"
ok "the packaged CLI depends on wechatpay-notify = $version (by version, as on crates.io)"

step "cargo install --path crates/wechatpay-notify-cli --root TMP"
$CARGO install --quiet --locked --path crates/wechatpay-notify-cli --root "$tmp/cargo"
bin=$tmp/cargo/bin/wechatpay-notify
[ -x "$bin" ] || fail "cargo install left no $bin"
out=$("$bin" --version) && [[ $out == *"$version"* ]] || fail "wechatpay-notify --version: $out"
out=$(WECHATPAY_API_KEY=$(cat "$key") "$bin" verify --sign-type MD5 --mch-id 10000100 "$valid") ||
  fail "the installed CLI refused the valid sample: $out"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is True and d["typed"]["total_fee"]==101, d' "$out" ||
  fail "the installed CLI's verdict: $out"
set +e; out=$(WECHATPAY_API_KEY=$(cat "$key") "$bin" verify --sign-type MD5 --mch-id 10000100 "$forged"); rc=$?; set -e
[ $rc -eq 1 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is False and d["error"]["code"]=="signature_mismatch", d' "$out" ||
  fail "the installed CLI on the forged sample (exit $rc): $out"
ok "installed wechatpay-notify $version: pay-md5.xml verified (exit 0), pay-forged.xml signature_mismatch (exit 1)"

# ---------------------------------------------------------------------------------------------
step ".NET NuGet package"
nupkg=$dist/WechatPay.Notify.$version.nupkg
[ -f "$nupkg" ] || fail "no $nupkg"
python3 tests/dist/check_nupkg.py check "$nupkg" "$version" || fail "the .nupkg is incomplete"
ok "$(basename "$nupkg"): OPC parts, nuspec (id, version, licence expression, readme, repository), DLL, XML docs, native library, licences"
for entry in runtimes/linux-x64/native/libwechatpay_notify.so lib/netstandard2.0/WechatPay.Notify.xml LICENSE-MIT; do
  python3 tests/dist/check_nupkg.py strip "$nupkg" "$tmp/broken.nupkg" "$entry"
  if python3 tests/dist/check_nupkg.py check "$tmp/broken.nupkg" "$version" 2>/dev/null; then
    fail "the .nupkg check passes without $entry"
  fi
done
ok "the .nupkg check fails without the native library, the XML docs or a licence"

pkg=$tmp/nuget/wechatpay.notify/$version
mkdir -p "$pkg" "$tmp/app"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$nupkg" "$pkg"
cp tests/dist/Smoke.cs "$tmp/app/"
mcs -nologo -langversion:7.2 -warnaserror -out:"$tmp/app/Smoke.exe" \
  -r:"$pkg/lib/netstandard2.0/WechatPay.Notify.dll" "$tmp/app/Smoke.cs"
# What a build does with a package reference: the managed assembly is copied beside the program.
cp "$pkg/lib/netstandard2.0/WechatPay.Notify.dll" "$tmp/app/"
if ! $system_lib && LD_LIBRARY_PATH= mono "$tmp/app/Smoke.exe" "$key" "$valid" >/dev/null 2>&1; then
  fail "the .NET consumer runs without the packaged native library (a library from elsewhere?)"
fi
expect_verdicts ".NET consumer (mcs -r:packaged DLL, LD_LIBRARY_PATH=runtimes/linux-x64/native)" \
  env LD_LIBRARY_PATH="$pkg/runtimes/linux-x64/native" mono "$tmp/app/Smoke.exe"

step "test-dist: $passed checks passed, 0 failed"
