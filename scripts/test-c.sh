#!/usr/bin/env bash
# The C ABI: build the FFI crate, check the committed header for drift, compile the header as C++,
# run the C suite (every shared vector: v2, APIv3 and the multi-merchant endpoint; misuse; 8
# threads) against the shared library under
# valgrind, against the static library, and as an ASan/UBSan build; build the C example through
# pkg-config and test it over loopback HTTP (plain and ASan/UBSan builds).
# Respects CARGO_TARGET_DIR (default: target).
. "$(dirname "$0")/lib.sh"

lib_dir=$target_dir/debug
out=$target_dir/c-tests
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

# Tools from Debian when missing (CI runs as root on a fresh machine).
missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v g++ >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
[ -f /usr/include/jansson.h ] || missing+=(libjansson-dev)
# The C example keeps its orders in SQLite; its test drives it over HTTP from python3.
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"
fi

step "cargo build -p wechatpay-notify-ffi"
$CARGO build -p wechatpay-notify-ffi
[ -f "$lib_dir/libwechatpay_notify.so" ] && [ -f "$lib_dir/libwechatpay_notify.a" ]

step "header drift: include/wechatpay_notify.h is what the FFI crate generates (gen-header --check)"
$CARGO run -q -p gen-header -- --check

step "the header compiles as C++"
g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iinclude tests/c/header_cpp.cpp

cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g -Iinclude)
jansson=$(pkg-config --libs jansson 2>/dev/null || echo -ljansson)

step "C suite, shared library, under valgrind"
gcc "${cflags[@]}" tests/c/*.c -o "$out/suite-shared" -L"$lib_dir" -Wl,-rpath,"$lib_dir" \
  -lwechatpay_notify $jansson -lpthread
valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  "$out/suite-shared" tests/vectors

step "C suite, static library"
gcc "${cflags[@]}" tests/c/*.c -o "$out/suite-static" "$lib_dir/libwechatpay_notify.a" \
  $jansson -lpthread -ldl -lm
"$out/suite-static" tests/vectors

step "C suite, static library, gcc -fsanitize=address,undefined"
gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  tests/c/*.c -o "$out/suite-asan" "$lib_dir/libwechatpay_notify.a" $jansson -lpthread -ldl -lm
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$out/suite-asan" tests/vectors

step "pkg-config file and the C example"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
mkdir -p "$out/pkgconfig"
sed -e "s|@PREFIX@|$root|" -e "s|@LIBDIR@|$lib_dir|" -e "s|@INCLUDEDIR@|$root/include|" \
  -e "s|@VERSION@|$version|" examples/c/wechatpay-notify.pc.in > "$out/pkgconfig/wechatpay-notify.pc"
export PKG_CONFIG_PATH=$out/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
[ "$(pkg-config --modversion wechatpay-notify)" = "$version" ]
# shellcheck disable=SC2046
schema_define=-DWECHATPAY_SCHEMA_FILE="\"$PWD/examples/schema.sql\""
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror "$schema_define" examples/c/notify_cgi.c -o "$out/notify_cgi" \
  $(pkg-config --cflags --libs wechatpay-notify sqlite3) -Wl,-rpath,"$lib_dir"
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer "$schema_define" examples/c/notify_cgi.c -o "$out/notify_cgi-asan" \
  $(pkg-config --cflags wechatpay-notify sqlite3) "$lib_dir/libwechatpay_notify.a" \
  $(pkg-config --libs sqlite3) -lpthread -ldl -lm

# The example's tests make APIv3 requests and drive it with the CLI (simulate, keygen, verify-v3).
step "cargo build -p wechatpay-notify-cli"
$CARGO build -p wechatpay-notify-cli
step "C example over loopback HTTP (a CGI gateway runs notify_cgi per request; two merchants, v2 and APIv3; SQLite orders)"
python3 examples/c/test_notify_cgi.py "$out/notify_cgi" "$lib_dir/wechatpay-notify"
step "C example over loopback HTTP, gcc -fsanitize=address,undefined"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  python3 examples/c/test_notify_cgi.py "$out/notify_cgi-asan" "$lib_dir/wechatpay-notify"

step "C: all passed"
