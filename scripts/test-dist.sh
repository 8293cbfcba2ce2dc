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
#   - Rust: the .crate files hold the licences, README and metadata; `cargo install --debug --path
#     crates/wechatpay-notify-cli --root TMP` and the installed binary verifies the samples;
#   - .NET: the .nupkg structure (tests/dist/check_nupkg.py), a consumer compiled with mcs against the
#     packaged DLL and run with the packaged native library;
#   - Python: the wheel's name, tag and contents (tests/dist/check_wheel.py: abi3 cp39, the manylinux
#     tag against the compiled module's glibc symbol versions, stubs, py.typed, PEP 639 metadata,
#     licences), installed with `pip install --no-index` into a fresh venv and run from outside the
#     tree (tests/dist/smoke.py); the sdist built into a wheel in another fresh venv and run the same;
#   - Node: the main tarball (JS, types, licences, no binary; optionalDependencies on the platform
#     package at the same version) and the linux-x64-gnu one (the .node, licences), installed with
#     `npm install --offline` into an empty project, required (tests/dist/smoke.js) and type-checked
#     (tsc --noEmit --strict tests/dist/smoke.ts with typescript and @types/node from bindings/node);
#   - the CLI without Rust (issue 23): the wheel wechatpay-notify-cli (only the binary, = the CLI
#     archive's; metadata, tags) installed with `pip install --no-index --find-links dist` into a fresh
#     venv, and the npm packages @wechatpay-notify/cli (the launcher) and @wechatpay-notify/cli-<platform>
#     installed offline from an empty cache and run with `npx`: each runs --version, keygen, and
#     simulate --print's v2 and APIv3 payments through verify / verify-v3 with the generated keys; the
#     launcher passes exit statuses and SIGTERM through, and names the supported platforms on another
#     one (process.platform/arch faked) or its missing platform package;
#   - Java: scripts/test-dist-java.sh (the jar, sources and javadoc jars and the pom; a consumer
#     compiled against the jar alone and run with the jar and JNA only), on the artifacts just built;
#   - the checks fail on an artifact without its native library, its types/docs/header/stubs or its
#     licence (each is shown by removing it from a copy and expecting the check to fail).
#   - then every platform row in dist/ through scripts/test-platforms.sh (issue 18).
# Builds the artifacts first (scripts/dist.sh; DIST_PREBUILT=1 tests what dist/ holds). Respects CARGO
# and CARGO_TARGET_DIR.
. "$(dirname "$0")/lib.sh"

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

# expect_verdicts NAME [--no-number] COMMAND...: COMMAND --version prints the version; COMMAND KEY
# valid is accepted (the sample's order and amount), COMMAND KEY forged refused with
# signature_mismatch ("refused signature_mismatch (8211): ..."; "refused signature_mismatch: ..."
# with --no-number, for the Python and Node bindings, which expose codes without numbers).
expect_verdicts() {
  local name=$1 out rc refused="refused signature_mismatch (8211): "; shift
  if [ "$1" = --no-number ]; then refused="refused signature_mismatch: "; shift; fi
  out=$("$@" --version) || fail "$name --version"
  [ "$out" = "$version" ] || fail "$name reports version '$out', expected $version"
  out=$("$@" "$key" "$valid") || fail "$name refused the valid sample: $out"
  [[ $out == "ok out_trade_no=20261127ORDER0001 total_fee=101 success=true" ]] || fail "$name: $out"
  set +e; out=$("$@" "$key" "$forged"); rc=$?; set -e
  [ $rc -eq 1 ] && [[ $out == "$refused"* ]] ||
    fail "$name accepted or mis-refused the forged sample (exit $rc): $out"
  ok "$name: version $version, pay-md5.xml verified (total_fee=101), pay-forged.xml refused (signature_mismatch)"
}

# ---------------------------------------------------------------------------------------------
step "one version"
version=$(scripts/dist.sh version)
py_version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' bindings/python/pyproject.toml | head -n 1)
node_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' bindings/node/package.json)
cs_version=$(sed -n 's/.*<Version>\(.*\)<\/Version>.*/\1/p' bindings/dotnet/WechatPay.Notify.csproj)
# shellcheck source=scripts/java-env.sh
java_version=$(. scripts/java-env.sh && java_pom_version)
drift=
platform_pairs=()
for f in bindings/node/npm/*/package.json bindings/node/cli/package.json; do
  platform_pairs+=("$f=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$f")")
done
for pair in "bindings/python/pyproject.toml=$py_version" "bindings/node/package.json=$node_version" \
            "${platform_pairs[@]}" "bindings/dotnet/WechatPay.Notify.csproj=$cs_version" \
            "bindings/java/pom.xml=$java_version"; do
  [ "${pair#*=}" = "$version" ] || drift+=" ${pair%%=*} has '${pair#*=}';"
done
[ -z "$drift" ] || fail "version drift from Cargo.toml ($version):$drift"
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no section '## [$version]'"
ok "Cargo.toml, pyproject.toml, package.json (main, $(ls bindings/node/npm | wc -l) platform packages, the CLI's), .csproj, pom.xml: $version; CHANGELOG.md has a section for $version"
# The packages built from a binding's directory carry copies of the licences: the same texts.
for dir in bindings/python bindings/node bindings/node/npm/*; do
  for licence in LICENSE-MIT LICENSE-APACHE; do
    cmp -s "$licence" "$dir/$licence" || fail "$dir/$licence is missing or differs from ./$licence"
  done
done
ok "bindings/python, bindings/node, bindings/node/npm/*: LICENSE-MIT and LICENSE-APACHE equal the root's"

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

step "cargo install --debug --path crates/wechatpay-notify-cli --root TMP"
# --debug: the same install route with the dev profile, which make test has already built for the
# CLI (the release binary is what the archives, wheels and npm packages above hold and are tested
# with; a release build here would compile AWS-LC once more, 2 minutes of CI's budget).
$CARGO install --quiet --locked --debug --path crates/wechatpay-notify-cli --root "$tmp/cargo"
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

# ---------------------------------------------------------------------------------------------
step "Python wheel and sdist"
# The host's wheel (Linux x86-64 glibc); the other rows' wheels are checked by scripts/test-platforms.sh.
wheels=("$dist"/wechatpay_notify-"$version"-*-manylinux*_x86_64.whl)
[ ${#wheels[@]} -eq 1 ] && [ -f "${wheels[0]}" ] || fail "expected one wechatpay_notify-$version-*-manylinux*_x86_64.whl in $dist, found: ${wheels[*]}"
wheel=${wheels[0]} sdist=$dist/wechatpay_notify-$version.tar.gz
[ -f "$sdist" ] || fail "no $sdist"
python3 tests/dist/check_wheel.py wheel "$wheel" "$version" || fail "the wheel is incomplete"
wheel_tag=$(basename "$wheel" .whl); wheel_tag=${wheel_tag#wechatpay_notify-"$version"-}
ok "$(basename "$wheel"): tag $wheel_tag (no glibc symbol newer than the tag), native module, stubs, py.typed, PEP 639 metadata, licences"
python3 tests/dist/check_wheel.py sdist "$sdist" "$version" || fail "the sdist is incomplete"
ok "$(basename "$sdist"): PKG-INFO, pyproject.toml, Cargo.lock, Python and Rust sources, stubs, py.typed, licences"

# py_venv DIR: a fresh venv (no packages but pip) at DIR.
py_venv() { rm -rf "$1" && python3 -m venv "$1" && "$1/bin/python" -m pip --version >/dev/null; }
pip_q=(-q --disable-pip-version-check --no-input)
mkdir -p "$tmp/py" && cp tests/dist/smoke.py "$tmp/py/"
# Run from $tmp/py in isolated mode (-I: no PYTHONPATH, no user site, not the current directory).
py_smoke() { env -C "$tmp/py" "$1/bin/python" -I smoke.py "${@:2}"; }

step "pip install --no-index $(basename "$wheel") into a fresh venv"
py_venv "$tmp/py/venv"
"$tmp/py/venv/bin/python" -m pip install "${pip_q[@]}" --no-index "$wheel"
py_smoke "$tmp/py/venv" installed "$version" || fail "the installed wheel is incomplete"
ok "installed wheel: wechatpay_notify and _native.abi3.so from site-packages, py.typed, _native.pyi, metadata $version, licences in .dist-info"
expect_verdicts "Python (wheel in a fresh venv, run from outside the tree)" --no-number py_smoke "$tmp/py/venv"

py_venv "$tmp/py/broken-venv"
mkdir -p "$tmp/py/broken"
for entry in wechatpay_notify/_native.abi3.so wechatpay_notify/_native.pyi wechatpay_notify/py.typed \
             "wechatpay_notify-$version.dist-info/licenses/LICENSE-MIT"; do
  broken=$tmp/py/broken/$(basename "$wheel")
  python3 tests/dist/check_wheel.py strip "$wheel" "$broken" "$entry"
  if python3 tests/dist/check_wheel.py wheel "$broken" "$version" 2>/dev/null; then
    fail "the wheel check passes without $entry"
  fi
  "$tmp/py/broken-venv/bin/python" -m pip install "${pip_q[@]}" --no-index --force-reinstall "$broken"
  if py_smoke "$tmp/py/broken-venv" installed "$version" 2>/dev/null; then
    fail "the installed-wheel check passes without $entry"
  fi
done
ok "the wheel check and the installed-wheel check fail without the native module, the stubs, py.typed or a licence"

step "pip wheel $(basename "$sdist") in a fresh venv (PEP 517: maturin from PyPI, cargo)"
py_venv "$tmp/py/sdist-venv"
# The sdist's own build, in the workspace's target directory: the sdist's crates are compiled from
# its own sources (another path), the registry dependencies make test has built are reused.
CARGO_TARGET_DIR=$target_dir \
  "$tmp/py/sdist-venv/bin/python" -m pip wheel "${pip_q[@]}" --no-deps -w "$tmp/py/sdist-wheel" "$sdist"
sdist_wheels=("$tmp/py/sdist-wheel"/wechatpay_notify-"$version"-cp39-abi3-*.whl)
[ -f "${sdist_wheels[0]}" ] || fail "building the sdist left no abi3 wheel"
"$tmp/py/sdist-venv/bin/python" -m pip install "${pip_q[@]}" --no-index "${sdist_wheels[0]}"
py_smoke "$tmp/py/sdist-venv" installed "$version" || fail "the wheel built from the sdist is incomplete"
expect_verdicts "Python (built from the sdist, fresh venv, $(basename "${sdist_wheels[0]}" | sed 's/.*-cp39-/cp39-/; s/\.whl$//'))" \
  --no-number py_smoke "$tmp/py/sdist-venv"

# ---------------------------------------------------------------------------------------------
step "npm packages"
platform=linux-x64-gnu addon=wechatpay-notify.linux-x64-gnu.node
main_tgz=$dist/wechatpay-notify-$version.tgz plat_tgz=$dist/wechatpay-notify-$platform-$version.tgz
[ -f "$main_tgz" ] || fail "no $main_tgz"
[ -f "$plat_tgz" ] || fail "no $plat_tgz"
node_modules=$root/bindings/node/node_modules
[ -x "$node_modules/.bin/tsc" ] && [ -d "$node_modules/@types/node" ] ||
  fail "no typescript/@types/node in bindings/node/node_modules (scripts/dist.sh node or scripts/test-node.sh installs them)"

# npm_project DIR MAIN_TGZ PLATFORM_TGZ: an empty project with both tarballs installed, offline.
npm_project() {
  rm -rf "$1" && mkdir -p "$1"
  printf '{ "name": "smoke", "version": "1.0.0", "private": true }\n' > "$1/package.json"
  cp tests/dist/smoke.js tests/dist/smoke.ts "$1/"
  (cd "$1" && npm install --offline --no-audit --no-fund --loglevel=error "$2" "$3" >/dev/null)
}
# npm_files PROJECT: the installed packages' files and metadata (exit status; reasons on stderr).
npm_files() {
  local m=$1/node_modules/wechatpay-notify p=$1/node_modules/@wechatpay-notify/$platform f
  for f in package.json notify.js index.js platform.js notify.d.ts index.d.ts LICENSE-MIT LICENSE-APACHE; do
    [ -f "$m/$f" ] || { echo "the main package has no $f" >&2; return 1; }
  done
  if [ -n "$(find "$m" -name '*.node' -print -quit)" ]; then echo "the main package carries a .node binary" >&2; return 1; fi
  for f in package.json "$addon" LICENSE-MIT LICENSE-APACHE; do
    [ -f "$p/$f" ] || { echo "the $platform package has no $f" >&2; return 1; }
  done
  head -c 20 "$p/$addon" | od -An -tx1 | tr -d ' \n' | grep -q '^7f454c46020101' ||
    { echo "$addon is not a 64-bit little-endian ELF object" >&2; return 1; }
  grep -q 'MIT License' "$m/LICENSE-MIT" && grep -q 'MIT License' "$p/LICENSE-MIT" &&
    grep -q 'Apache License' "$m/LICENSE-APACHE" && grep -q 'Apache License' "$p/LICENSE-APACHE" ||
    { echo "a licence file is not the licence text" >&2; return 1; }
  node -e '
const [main, plat, version, platName, addon] = process.argv.slice(1)
const m = require(main + "/package.json"), p = require(plat + "/package.json")
const want = (cond, what) => { if (!cond) { console.error(what); process.exit(1) } }
want(m.version === version && p.version === version, `versions ${m.version}/${p.version}, expected ${version}`)
want(m.license === "MIT OR Apache-2.0" && p.license === m.license, "license is not MIT OR Apache-2.0")
want(m.types === "notify.d.ts" && m.main === "notify.js", "main/types are not notify.js/notify.d.ts")
want(Array.isArray(m.files) && m.engines && m.engines.node && m.repository && p.repository,
  "files, engines or repository missing")
// Every platform package we publish (napi.targets: one bindings/node/npm/ROW each), at the same version.
const rows = ["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl", "win32-x64-gnu", "darwin-x64", "darwin-arm64"]
const wantDeps = Object.fromEntries(rows.map((r) => [`@wechatpay-notify/${r}`, version]).sort())
want(JSON.stringify(m.optionalDependencies) === JSON.stringify(wantDeps),
  `optionalDependencies ${JSON.stringify(m.optionalDependencies)}, expected ${JSON.stringify(wantDeps)}`)
want(m.napi && m.napi.targets.length === rows.length, `napi.targets ${m.napi && m.napi.targets}`)
want(p.name === platName && p.main === addon && p.os + "" === "linux" && p.cpu + "" === "x64" &&
  p.libc + "" === "glibc", "the platform package: name, main, os, cpu or libc")
' "$m" "$p" "$version" "@wechatpay-notify/$platform" "$addon"
}
npm_tsc() {
  (cd "$1" && "$node_modules/.bin/tsc" --noEmit --strict --target es2022 --module commonjs \
    --moduleResolution node10 --types node --typeRoots "$node_modules/@types" smoke.ts)
}
# repack TGZ OUT ENTRY (or +ENTRY to add an empty file): a copy of an npm tarball with ENTRY removed.
repack() {
  local work=$tmp/repack
  rm -rf "$work" && mkdir -p "$work" && tar -xzf "$1" -C "$work"
  case $3 in +*) : > "$work/package/${3#+}" ;; *) rm "$work/package/$3" ;; esac
  tar -czf "$2" -C "$work" package
}

listing=$(tar -tzf "$main_tgz")
if grep -q '\.node$' <<<"$listing"; then fail "the main tarball carries a binary: $(grep '\.node$' <<<"$listing")"; fi
grep -qx "package/$addon" <(tar -tzf "$plat_tgz") || fail "the $platform tarball has no $addon"
step "npm install --offline $(basename "$main_tgz") $(basename "$plat_tgz") into an empty project"
proj=$tmp/npm/app
npm_project "$proj" "$main_tgz" "$plat_tgz"
npm_files "$proj" || fail "the installed npm packages are incomplete"
ok "installed wechatpay-notify $version (JS, loader, notify.d.ts, index.d.ts, licences, no binary, optionalDependencies on the 7 @wechatpay-notify/* platform packages at $version) and @wechatpay-notify/$platform ($addon, licences)"
expect_verdicts "Node (npm install --offline of both tarballs, require('wechatpay-notify'))" --no-number \
  env -C "$proj" NODE_PATH= node smoke.js
# The loader tries exactly the platform packages we publish, and elsewhere names the supported ones.
node -e '
const fs = require("fs")
const [proj] = process.argv.slice(1)
const m = `${proj}/node_modules/wechatpay-notify`
const src = fs.readFileSync(`${m}/index.js`, "utf8")
const table = Object.keys(require(`${m}/platform.js`).SUPPORTED).sort()
const deps = Object.keys(require(`${m}/package.json`).optionalDependencies).map((n) => n.replace("@wechatpay-notify/", "")).sort()
const triples = { "x86_64-unknown-linux-gnu": "linux-x64-gnu", "aarch64-unknown-linux-gnu": "linux-arm64-gnu",
  "x86_64-unknown-linux-musl": "linux-x64-musl", "aarch64-unknown-linux-musl": "linux-arm64-musl",
  "x86_64-pc-windows-gnu": "win32-x64-gnu", "x86_64-apple-darwin": "darwin-x64", "aarch64-apple-darwin": "darwin-arm64" }
const targets = require(`${m}/package.json`).napi.targets.map((t) => triples[t]).sort()
const requires = [...src.matchAll(/require\(([^)]*)\)/g)].map((x) => x[1])
if (JSON.stringify(table) !== JSON.stringify(deps) || JSON.stringify(table) !== JSON.stringify(targets)) {
  console.error(`loader ${table}, optionalDependencies ${deps}, napi.targets ${targets}`); process.exit(1)
}
if (requires.join() !== "\x27./platform.js\x27,process.env.NAPI_RS_NATIVE_LIBRARY_PATH,id") {
  console.error(`the loader requires ${requires}`); process.exit(1)
}
' "$proj" || fail "the loader, optionalDependencies and napi.targets name different platforms"
ok "the loader's platforms = optionalDependencies = napi.targets ($(ls bindings/node/npm | tr '\n' ' '))"
for fake in freebsd-x64 linux-ia32 win32-arm64; do
  set +e
  out=$(env -C "$proj" node -e "Object.defineProperty(process, 'platform', { value: '${fake%-*}' })
Object.defineProperty(process, 'arch', { value: '${fake#*-}' }); require('wechatpay-notify')" 2>&1); rc=$?
  set -e
  [ $rc -ne 0 ] && [[ $out == *"no native addon for this platform (${fake}"* ]] && [[ $out == *"Supported platforms: linux-x64-gnu"*"darwin-arm64"* ]] ||
    fail "require('wechatpay-notify') on $fake: $out"
done
ok "require('wechatpay-notify') on freebsd-x64, linux-ia32, win32-arm64: an error naming the platform and the supported ones"
npm_tsc "$proj" || fail "tsc --noEmit --strict smoke.ts against the installed package"
ok "tsc --noEmit --strict: smoke.ts type-checks against the installed declarations"

mkdir -p "$tmp/npm/broken"
bmain=$tmp/npm/broken/wechatpay-notify-$version.tgz bplat=$tmp/npm/broken/wechatpay-notify-$platform-$version.tgz
repack "$plat_tgz" "$bplat" "$addon"
npm_project "$tmp/npm/no-addon" "$main_tgz" "$bplat"
if npm_files "$tmp/npm/no-addon" 2>/dev/null; then fail "the npm check passes without $addon"; fi
if env -C "$tmp/npm/no-addon" node smoke.js --version >/dev/null 2>&1; then fail "require('wechatpay-notify') works without $addon"; fi
repack "$main_tgz" "$bmain" notify.d.ts
npm_project "$tmp/npm/no-types" "$bmain" "$plat_tgz"
if npm_files "$tmp/npm/no-types" 2>/dev/null; then fail "the npm check passes without notify.d.ts"; fi
if npm_tsc "$tmp/npm/no-types" >/dev/null 2>&1; then fail "tsc passes without notify.d.ts"; fi
for licence in LICENSE-MIT LICENSE-APACHE; do
  repack "$main_tgz" "$bmain" "$licence"
  npm_project "$tmp/npm/no-licence" "$bmain" "$plat_tgz"
  if npm_files "$tmp/npm/no-licence" 2>/dev/null; then fail "the npm check passes without the main package's $licence"; fi
  repack "$plat_tgz" "$bplat" "$licence"
  npm_project "$tmp/npm/no-licence" "$main_tgz" "$bplat"
  if npm_files "$tmp/npm/no-licence" 2>/dev/null; then fail "the npm check passes without the $platform package's $licence"; fi
done
repack "$main_tgz" "$bmain" "+$addon"
npm_project "$tmp/npm/main-binary" "$bmain" "$plat_tgz"
if npm_files "$tmp/npm/main-binary" 2>/dev/null; then fail "the npm check passes with a binary in the main package"; fi
ok "the npm checks fail without the .node (require fails too), the types (tsc fails too), either package's licences, or with a binary in the main package"

# ---------------------------------------------------------------------------------------------
# The CLI without Rust (issue 23): the wheel with pip and the npm packages with npx, each in a place of
# its own, run through what a user does with it: keygen, then simulate --print's notifications verified.
step "the CLI from pip and from npm (wechatpay-notify-cli, @wechatpay-notify/cli)"
cli_t0=$SECONDS
cli_wheels=("$dist"/wechatpay_notify_cli-"$version"-py3-none-manylinux*_x86_64.whl)
[ ${#cli_wheels[@]} -eq 1 ] && [ -f "${cli_wheels[0]}" ] ||
  fail "expected one wechatpay_notify_cli-$version-py3-none-manylinux*_x86_64.whl in $dist, found: ${cli_wheels[*]}"
cli_main_tgz=$dist/wechatpay-notify-cli-$version.tgz cli_plat_tgz=$dist/wechatpay-notify-cli-$platform-$version.tgz
[ -f "$cli_main_tgz" ] || fail "no $cli_main_tgz"
[ -f "$cli_plat_tgz" ] || fail "no $cli_plat_tgz"
# The binary every package must carry: the one of the host's CLI archive.
mkdir -p "$tmp/cli-archive"
tar -C "$tmp/cli-archive" -xzf "$dist/wechatpay-notify-cli-$version-$triple.tar.gz"
cli_exe=$tmp/cli-archive/wechatpay-notify-cli-$version-$triple/bin/wechatpay-notify
[ -x "$cli_exe" ] || fail "the CLI archive has no bin/wechatpay-notify"

# cli_round_trip NAME DIR COMMAND...: COMMAND (an installed `wechatpay-notify`) prints its version;
# keygen writes the five test files into DIR/keys; simulate --print's v2 payment, signed with the
# generated API key, verifies (exit 0) and with its amount changed is refused (exit 1,
# signature_mismatch); simulate --print's APIv3 payment, signed with the generated private key,
# verifies with verify-v3 given the generated public key under the generated id.
cli_round_trip() {
  local name=$1 d=$2 out rc id headers=() line; shift 2
  out=$("$@" --version) || fail "$name --version"
  [ "$out" = "wechatpay-notify $version" ] || fail "$name --version printed '$out'"
  rm -rf "$d" && mkdir -p "$d"
  "$@" keygen --out "$d/keys" >/dev/null || fail "$name keygen --out $d/keys"
  for f in test_private_key.pem test_public_key.pem test_key_id.txt test_api_key.txt test_api_v3_key.txt; do
    [ -s "$d/keys/$f" ] || fail "$name keygen wrote no $f"
  done
  "$@" simulate pay --print --api-key-file "$d/keys/test_api_key.txt" --mch-id 10000100 \
    --out-trade-no DIST0001 --total-fee 101 > "$d/pay.xml" || fail "$name simulate pay --print"
  out=$("$@" verify --sign-type MD5 --mch-id 10000100 --api-key-file "$d/keys/test_api_key.txt" "$d/pay.xml") ||
    fail "$name verify refused the simulated payment: $out"
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is True and d["typed"]["out_trade_no"]=="DIST0001" and d["typed"]["total_fee"]==101, d' "$out" ||
    fail "$name verify's verdict on the simulated payment: $out"
  grep -qF '<total_fee><![CDATA[101]]></total_fee>' "$d/pay.xml" || fail "$name: no total_fee 101 in the simulated payment"
  sed 's|<total_fee><!\[CDATA\[101\]\]></total_fee>|<total_fee><![CDATA[1]]></total_fee>|' "$d/pay.xml" > "$d/pay-altered.xml"
  ! cmp -s "$d/pay.xml" "$d/pay-altered.xml" || fail "$name: the payment's amount was not altered"
  set +e; out=$("$@" verify --sign-type MD5 --mch-id 10000100 --api-key-file "$d/keys/test_api_key.txt" "$d/pay-altered.xml"); rc=$?; set -e
  [ $rc -eq 1 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is False and d["error"]["code"]=="signature_mismatch", d' "$out" ||
    fail "$name verify on the altered payment (exit $rc): $out"
  id=$(cat "$d/keys/test_key_id.txt")
  "$@" simulate v3 pay --print --api-v3-key-file "$d/keys/test_api_v3_key.txt" --private-key "$d/keys/test_private_key.pem" \
    --key-id "$id" --mch-id 1900000109 --out-trade-no DIST0003 --total-fee 303 > "$d/v3.txt" || fail "$name simulate v3 pay --print"
  # --print writes the header lines, an empty line, then the body and a newline (not part of the body).
  python3 - "$d/v3.txt" "$d/v3-headers.txt" "$d/v3-body.json" <<'EOF'
import sys
text, head_out, body_out = sys.argv[1:]
head, body = open(text, "rb").read().split(b"\n\n", 1)
open(head_out, "wb").write(b"\n".join(l for l in head.split(b"\n") if b": " in l) + b"\n")
open(body_out, "wb").write(body[:-1] if body.endswith(b"\n") else body)
EOF
  while IFS= read -r line; do headers+=(--header "$line"); done < "$d/v3-headers.txt"
  for line in Timestamp Nonce Serial Signature; do
    grep -q "^Wechatpay-$line: " "$d/v3-headers.txt" || fail "$name simulate v3 pay --print: no Wechatpay-$line header"
  done
  out=$("$@" verify-v3 --api-v3-key-file "$d/keys/test_api_v3_key.txt" --platform-key "$id=$d/keys/test_public_key.pem" \
    "${headers[@]}" "$d/v3-body.json") || fail "$name verify-v3 refused the simulated APIv3 payment: $out"
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); r=d["resource"]; assert d["ok"] is True and d["event"]["event_type"]=="TRANSACTION.SUCCESS" and r["out_trade_no"]=="DIST0003" and r["amount"]["total"]==303, d' "$out" ||
    fail "$name verify-v3's verdict on the simulated APIv3 payment: $out"
  ok "$name: --version, keygen (5 files), simulate pay --print -> verify (exit 0; altered amount: exit 1, signature_mismatch), simulate v3 pay --print -> verify-v3 with the keygen key (TRANSACTION.SUCCESS, 303 fen)"
}

cli_wheel=${cli_wheels[0]}
python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$cli_wheel" > "$tmp/cli-wheel.list"
[ "$(grep -v '\.dist-info/' "$tmp/cli-wheel.list")" = "wechatpay_notify_cli-$version.data/scripts/wechatpay-notify" ] ||
  fail "$(basename "$cli_wheel") holds more or other than the binary: $(tr '\n' ' ' < "$tmp/cli-wheel.list")"
step "pip install --no-index --find-links dist wechatpay-notify-cli into a fresh venv"
# A venv without a pip of its own, installed into by the Python section's venv's pip (`pip --python`):
# the same installation, without ensurepip's seconds.
rm -rf "$tmp/cli-py/venv" && python3 -m venv --without-pip "$tmp/cli-py/venv"
cli_pip=("$tmp/py/venv/bin/python" -m pip --python "$tmp/cli-py/venv/bin/python")
"${cli_pip[@]}" install "${pip_q[@]}" --no-index --find-links "$dist" wechatpay-notify-cli
# The command on PATH as a user has it after activating the venv; nothing of the tree on PATH.
cli_path=$tmp/cli-py/venv/bin:/usr/bin:/bin
[ "$(PATH=$cli_path command -v wechatpay-notify)" = "$tmp/cli-py/venv/bin/wechatpay-notify" ] ||
  fail "pip install put no wechatpay-notify on the venv's PATH"
cmp -s "$tmp/cli-py/venv/bin/wechatpay-notify" "$cli_exe" || fail "the pip-installed wechatpay-notify differs from the CLI archive's"
"$tmp/cli-py/venv/bin/python" - "$version" <<'EOF' || fail "the installed wechatpay-notify-cli's metadata"
import sys
from importlib.metadata import distribution
version = sys.argv[1]
d = distribution("wechatpay-notify-cli")
m = d.metadata
want = {"Name": "wechatpay-notify-cli", "Version": version, "License-Expression": "MIT OR Apache-2.0"}
for k, v in want.items():
    assert m[k] == v, (k, m[k])
assert m["Summary"] and "command line" in m["Summary"], m["Summary"]
assert "Homepage, https://github.com/wechatpay-notify/wechatpay-notify" in m.get_all("Project-URL"), m.get_all("Project-URL")
assert "Operating System :: POSIX :: Linux" in m.get_all("Classifier"), m.get_all("Classifier")
assert m["Description-Content-Type"].startswith("text/markdown"), m["Description-Content-Type"]
body = m.get_payload()
assert "pip install wechatpay-notify-cli" in body and "wechatpay-notify keygen" in body and "cargo" not in body, body[:200]
wheel = d.read_text("WHEEL")
tags = sorted(l.split(": ", 1)[1] for l in wheel.splitlines() if l.startswith("Tag: "))
assert tags == ["py3-none-manylinux2014_x86_64", "py3-none-manylinux_2_17_x86_64"], tags
for licence, text in (("LICENSE-MIT", "MIT License"), ("LICENSE-APACHE", "Apache License")):
    assert text in d.read_text(f"licenses/{licence}"), licence
EOF
ok "$(basename "$cli_wheel"): only the binary (= the CLI archive's) as a script; pip install puts wechatpay-notify on the venv's PATH; metadata: summary, licence expression and texts, homepage, Linux classifier, a README on installing and using the tool; tags py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64"
cli_round_trip "wechatpay-notify from pip" "$tmp/cli-py/run" env PATH="$cli_path" wechatpay-notify
"${cli_pip[@]}" uninstall "${pip_q[@]}" -y wechatpay-notify-cli
[ ! -e "$tmp/cli-py/venv/bin/wechatpay-notify" ] || fail "pip uninstall left bin/wechatpay-notify"
ok "pip uninstall wechatpay-notify-cli removes the command"

# cli_npm_project DIR TARBALL...: an empty project with TARBALL... installed offline from an empty npm
# cache (nothing from a registry or from earlier installs).
cli_npm_project() {
  local d=$1; shift
  rm -rf "$d" && mkdir -p "$d"
  printf '{ "name": "cli-smoke", "version": "1.0.0", "private": true }\n' > "$d/package.json"
  (cd "$d" && npm install --offline --cache "$d/.npm-cache" --no-audit --no-fund --loglevel=error "$@" >/dev/null)
}
step "npm install --offline $(basename "$cli_main_tgz") $(basename "$cli_plat_tgz") into an empty project, empty cache"
proj=$tmp/cli-npm/app
cli_npm_project "$proj" "$cli_main_tgz" "$cli_plat_tgz"
m=$proj/node_modules/@wechatpay-notify/cli p=$proj/node_modules/@wechatpay-notify/cli-$platform
for f in package.json wechatpay-notify.js platform.js LICENSE-MIT LICENSE-APACHE; do
  [ -f "$m/$f" ] || fail "@wechatpay-notify/cli has no $f"
done
[ "$(cd "$m" && find . -type f | sort | tr '\n' ' ')" = "./LICENSE-APACHE ./LICENSE-MIT ./README.md ./package.json ./platform.js ./wechatpay-notify.js " ] ||
  fail "@wechatpay-notify/cli holds other files than the launcher, platform.js, README, licences: $(cd "$m" && find . -type f | tr '\n' ' ')"
[ -x "$p/bin/wechatpay-notify" ] || fail "@wechatpay-notify/cli-$platform has no executable bin/wechatpay-notify"
cmp -s "$p/bin/wechatpay-notify" "$cli_exe" || fail "@wechatpay-notify/cli-$platform's binary differs from the CLI archive's"
cmp -s "$m/platform.js" bindings/node/platform.js || fail "the launcher's platform.js differs from the library loader's"
grep -q 'MIT License' "$p/LICENSE-MIT" && grep -q 'Apache License' "$p/LICENSE-APACHE" &&
  grep -q 'MIT License' "$m/LICENSE-MIT" && grep -q 'Apache License' "$m/LICENSE-APACHE" || fail "a CLI package's licence is not the licence text"
node -e '
const [m, p, version, platform] = process.argv.slice(1)
const main = require(`${m}/package.json`), plat = require(`${p}/package.json`)
const want = (cond, what) => { if (!cond) { console.error(what); process.exit(1) } }
want(main.version === version && plat.version === version, `versions ${main.version}/${plat.version}, expected ${version}`)
want(main.license === "MIT OR Apache-2.0" && plat.license === main.license, "license is not MIT OR Apache-2.0")
want(JSON.stringify(main.bin) === JSON.stringify({ "wechatpay-notify": "wechatpay-notify.js" }), `bin ${JSON.stringify(main.bin)}`)
want(!main.dependencies, `@wechatpay-notify/cli has dependencies ${JSON.stringify(main.dependencies)}`)
// The launcher runs the platform package of every platform the library loader supports, and only those.
const rows = Object.keys(require(`${m}/platform.js`).SUPPORTED).sort()
const wantDeps = Object.fromEntries(rows.map((r) => [`@wechatpay-notify/cli-${r}`, version]))
want(JSON.stringify(main.optionalDependencies) === JSON.stringify(wantDeps),
  `optionalDependencies ${JSON.stringify(main.optionalDependencies)}, expected ${JSON.stringify(wantDeps)}`)
want(plat.name === `@wechatpay-notify/cli-${platform}` && plat.os + "" === "linux" && plat.cpu + "" === "x64" &&
  plat.libc + "" === "glibc" && !plat.bin, "the platform package: name, os, cpu, libc, or a bin of its own")
' "$m" "$p" "$version" "$platform" || fail "the installed CLI npm packages' metadata"
[ "$(readlink -f "$proj/node_modules/.bin/wechatpay-notify")" = "$(readlink -f "$m/wechatpay-notify.js")" ] ||
  fail "node_modules/.bin/wechatpay-notify is not the launcher"
ok "installed @wechatpay-notify/cli $version (launcher as bin wechatpay-notify, platform.js = the library's, licences, no binary, no dependencies; optionalDependencies on the 7 @wechatpay-notify/cli-* packages) and @wechatpay-notify/cli-$platform (bin/wechatpay-notify = the CLI archive's, os/cpu/libc)"
# npx finds the project's own bin; offline, from the project's cache, as a user's `npx wechatpay-notify`.
cli_npx=(env -C "$proj" npm_config_offline=true npm_config_cache="$proj/.npm-cache" npx --no-install wechatpay-notify)
cli_round_trip "npx wechatpay-notify" "$tmp/cli-npm/run" "${cli_npx[@]}"
set +e; out=$("${cli_npx[@]}" verify --no-such-option 2>&1); rc=$?; set -e
[ $rc -eq 2 ] && [[ $out == *"--no-such-option"* ]] || fail "npx wechatpay-notify with an unknown option (exit $rc): $out"
# A signal to the launcher reaches the binary, and the launcher ends by the same signal (as the shell
# reports a program it ran itself). The binary waits on its standard input (verify -) meanwhile.
mkfifo "$tmp/cli-npm/stdin"
exec 3<>"$tmp/cli-npm/stdin"
node "$m/wechatpay-notify.js" verify --sign-type MD5 --api-key-file "$tmp/cli-npm/run/keys/test_api_key.txt" - <&3 >/dev/null 2>&1 &
launcher=$!
child=
for _ in $(seq 50); do child=$(ps -o pid= --ppid "$launcher" | tr -d ' ') && [ -n "$child" ] && break; sleep 0.1; done
[ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$(readlink -f "$p/bin/wechatpay-notify")" ] ||
  { kill "$launcher" 2>/dev/null || true; fail "the launcher started no wechatpay-notify binary"; }
kill -TERM "$launcher"
set +e; wait "$launcher"; rc=$?; set -e
exec 3>&-
if kill -0 "$child" 2>/dev/null; then kill "$child"; fail "SIGTERM to the launcher left the binary running"; fi
[ $rc -eq 143 ] || fail "the launcher ended with status $rc after SIGTERM, expected 143 (SIGTERM)"
ok "npx wechatpay-notify: exit status 2 of a usage error passed through (1 and 0 above); SIGTERM to the launcher ends the binary, then the launcher by SIGTERM (status 143)"
for fake in freebsd-x64 linux-ia32 win32-arm64; do
  set +e
  out=$(env -C "$proj" node -e "Object.defineProperty(process, 'platform', { value: '${fake%-*}' })
Object.defineProperty(process, 'arch', { value: '${fake#*-}' }); process.argv = [process.argv[0], 'wechatpay-notify', '--version']
require('@wechatpay-notify/cli/wechatpay-notify.js')" 2>&1); rc=$?
  set -e
  [ $rc -eq 2 ] && [[ $out == *"has no binary for this platform (${fake}"* ]] && [[ $out == *"Supported platforms: linux-x64-gnu"*"darwin-arm64"* ]] ||
    fail "the launcher on $fake (exit $rc): $out"
done
cli_npm_project "$tmp/cli-npm/no-binary" "$cli_main_tgz"
set +e; out=$(env -C "$tmp/cli-npm/no-binary" npm_config_offline=true npx --no-install wechatpay-notify --version 2>&1); rc=$?; set -e
[ $rc -eq 2 ] && [[ $out == *"the platform package @wechatpay-notify/cli-$platform"*"is not installed"* ]] ||
  fail "npx wechatpay-notify without its platform package (exit $rc): $out"
ok "the launcher on freebsd-x64, linux-ia32, win32-arm64: exit 2 and an error naming the platform and the supported ones; without @wechatpay-notify/cli-$platform: exit 2 naming the missing package"
echo "the CLI from pip and npm: $((SECONDS - cli_t0)) s"

# ---------------------------------------------------------------------------------------------
# Java: scripts/test-dist-java.sh on the artifacts scripts/dist.sh wrote above (its own clean
# classpath: the jar and JNA only); each of its "ok" lines counts as a check here.
step "Java (scripts/test-dist-java.sh)"
java_log=$tmp/test-dist-java.log
DIST_PREBUILT=1 scripts/test-dist-java.sh 2>&1 | tee "$java_log" || fail "scripts/test-dist-java.sh"
java_checks=$(grep -c '^ok ' "$java_log" || true)
[ "$java_checks" -gt 0 ] || fail "scripts/test-dist-java.sh ran no check"
passed=$((passed + java_checks))

step "test-dist: $passed checks passed, 0 failed"

# ---------------------------------------------------------------------------------------------
# Every platform row in dist/ (the host's row after make dist; all seven after make dist-all): the
# structural check of each artifact and the runs this machine can do (qemu-user, wine, musl, Debian 11).
if [ "${SKIP_PLATFORMS:-0}" = 1 ]; then
  step "SKIP_PLATFORMS=1: scripts/test-platforms.sh not run"
else
  step "the platform rows in dist/ (scripts/test-platforms.sh)"
  scripts/test-platforms.sh
fi
