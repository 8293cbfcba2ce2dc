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
#   - Python: the wheel's name, tag and contents (tests/dist/check_wheel.py: abi3 cp39, the manylinux
#     tag against the compiled module's glibc symbol versions, stubs, py.typed, PEP 639 metadata,
#     licences), installed with `pip install --no-index` into a fresh venv and run from outside the
#     tree (tests/dist/smoke.py); the sdist built into a wheel in another fresh venv and run the same;
#   - Node: the main tarball (JS, types, licences, no binary; optionalDependencies on the platform
#     package at the same version) and the linux-x64-gnu one (the .node, licences), installed with
#     `npm install --offline` into an empty project, required (tests/dist/smoke.js) and type-checked
#     (tsc --noEmit --strict tests/dist/smoke.ts with typescript and @types/node from bindings/node);
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
for f in bindings/node/npm/*/package.json; do
  platform_pairs+=("$f=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$f")")
done
for pair in "bindings/python/pyproject.toml=$py_version" "bindings/node/package.json=$node_version" \
            "${platform_pairs[@]}" "bindings/dotnet/WechatPay.Notify.csproj=$cs_version" \
            "bindings/java/pom.xml=$java_version"; do
  [ "${pair#*=}" = "$version" ] || drift+=" ${pair%%=*} has '${pair#*=}';"
done
[ -z "$drift" ] || fail "version drift from Cargo.toml ($version):$drift"
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no section '## [$version]'"
ok "Cargo.toml, pyproject.toml, package.json (main and $(ls bindings/node/npm | wc -l) platform packages), .csproj, pom.xml: $version; CHANGELOG.md has a section for $version"
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
# The sdist's own build (its target directory kept between runs, so only the crates are recompiled).
CARGO_TARGET_DIR=$target_dir/dist-python/sdist-target \
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
  for f in package.json notify.js index.js notify.d.ts index.d.ts LICENSE-MIT LICENSE-APACHE; do
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
const table = Object.keys(eval("(" + src.match(/const SUPPORTED = (\{[\s\S]*?\n\})/)[1] + ")")).sort()
const deps = Object.keys(require(`${m}/package.json`).optionalDependencies).map((n) => n.replace("@wechatpay-notify/", "")).sort()
const triples = { "x86_64-unknown-linux-gnu": "linux-x64-gnu", "aarch64-unknown-linux-gnu": "linux-arm64-gnu",
  "x86_64-unknown-linux-musl": "linux-x64-musl", "aarch64-unknown-linux-musl": "linux-arm64-musl",
  "x86_64-pc-windows-gnu": "win32-x64-gnu", "x86_64-apple-darwin": "darwin-x64", "aarch64-apple-darwin": "darwin-arm64" }
const targets = require(`${m}/package.json`).napi.targets.map((t) => triples[t]).sort()
const requires = [...src.matchAll(/require\(([^)]*)\)/g)].map((x) => x[1])
if (JSON.stringify(table) !== JSON.stringify(deps) || JSON.stringify(table) !== JSON.stringify(targets)) {
  console.error(`loader ${table}, optionalDependencies ${deps}, napi.targets ${targets}`); process.exit(1)
}
if (requires.join() !== "\x27fs\x27,process.env.NAPI_RS_NATIVE_LIBRARY_PATH,id") {
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
