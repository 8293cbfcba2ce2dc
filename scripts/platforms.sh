# shellcheck shell=bash
# The platform rows we publish (issue 18), and the cross toolchains that build them from one Linux
# x86-64 machine. Sourced by scripts/dist.sh and scripts/test-platforms.sh; needs $root and
# $target_dir set and the functions step and die defined.
#
#   row               Rust target (build spelling)        wheel platform tag        npm platform package          NuGet RID
#   linux-x64-gnu     x86_64-unknown-linux-gnu.2.17        manylinux_2_17_x86_64     @wechatpay-notify/linux-x64-gnu    linux-x64
#   linux-arm64-gnu   aarch64-unknown-linux-gnu.2.17       manylinux_2_17_aarch64    @wechatpay-notify/linux-arm64-gnu  linux-arm64
#   linux-x64-musl    x86_64-unknown-linux-musl            musllinux_1_2_x86_64      @wechatpay-notify/linux-x64-musl   linux-musl-x64
#   linux-arm64-musl  aarch64-unknown-linux-musl           musllinux_1_2_aarch64     @wechatpay-notify/linux-arm64-musl linux-musl-arm64
#   win32-x64-gnu     x86_64-pc-windows-gnu                win_amd64                 @wechatpay-notify/win32-x64-gnu    win-x64
#   darwin-x64        x86_64-apple-darwin                  macosx_10_12_x86_64       @wechatpay-notify/darwin-x64       osx-x64
#   darwin-arm64      aarch64-apple-darwin                 macosx_11_0_arm64         @wechatpay-notify/darwin-arm64     osx-arm64
#
# Toolchains: rustup targets; zig and cargo-zigbuild from PyPI (a venv under
# $target_dir/platforms/zig-venv) for the glibc-2.17, musl and macOS rows (aws-lc-sys's C and
# assembly are compiled by `zig cc` through the cc crate, the glibc version is pinned by the .2.17
# suffix); Debian's mingw-w64 for windows-gnu, with Debian's nasm for aws-lc's x86-64 assembly there
# (docs/crypto-decision.md: we do not enable aws-lc-rs's `prebuilt-nasm`). The row names are the
# napi-rs platform names.

PLATFORM_ROWS=(linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl win32-x64-gnu darwin-x64 darwin-arm64)
# The row that `make dist` builds (the host's: Linux x86-64, glibc 2.17).
HOST_ROW=linux-x64-gnu

# row_triple ROW: the Rust target triple (what rustup and the target directory call it).
row_triple() {
  case $1 in
    linux-x64-gnu) echo x86_64-unknown-linux-gnu ;;
    linux-arm64-gnu) echo aarch64-unknown-linux-gnu ;;
    linux-x64-musl) echo x86_64-unknown-linux-musl ;;
    linux-arm64-musl) echo aarch64-unknown-linux-musl ;;
    win32-x64-gnu) echo x86_64-pc-windows-gnu ;;
    darwin-x64) echo x86_64-apple-darwin ;;
    darwin-arm64) echo aarch64-apple-darwin ;;
    *) die "unknown platform row '$1' (rows: ${PLATFORM_ROWS[*]})" ;;
  esac
}
# row_build_target ROW: what --target gets (cargo-zigbuild's glibc suffix for the gnu rows).
row_build_target() {
  case $1 in
    linux-*-gnu) echo "$(row_triple "$1").2.17" ;;
    *) row_triple "$1" ;;
  esac
}
# row_builder ROW: zig (cargo zigbuild) or mingw (cargo build with Debian's mingw-w64).
row_builder() { case $1 in win32-*) echo mingw ;; *) echo zig ;; esac; }
row_wheel_platform() {
  case $1 in
    linux-x64-gnu) echo manylinux_2_17_x86_64 ;;
    linux-arm64-gnu) echo manylinux_2_17_aarch64 ;;
    linux-x64-musl) echo musllinux_1_2_x86_64 ;;
    linux-arm64-musl) echo musllinux_1_2_aarch64 ;;
    win32-x64-gnu) echo win_amd64 ;;
    darwin-x64) echo macosx_10_12_x86_64 ;;
    darwin-arm64) echo macosx_11_0_arm64 ;;
  esac
}
# row_wheel_glob ROW: the wheel file's platform tag as a glob (maturin writes manylinux2014 wheels as
# manylinux_2_17_ARCH.manylinux2014_ARCH).
row_wheel_glob() {
  case $1 in
    linux-x64-gnu) echo 'manylinux*_x86_64' ;;
    linux-arm64-gnu) echo 'manylinux*_aarch64' ;;
    linux-x64-musl) echo 'musllinux*_x86_64' ;;
    linux-arm64-musl) echo 'musllinux*_aarch64' ;;
    win32-x64-gnu) echo 'win_amd64' ;;
    darwin-x64) echo 'macosx*_x86_64' ;;
    darwin-arm64) echo 'macosx*_arm64' ;;
  esac
}
# row_jna_prefix ROW: the jar's resource directory for ROW's C library, JNA's Platform.RESOURCE_PREFIX
# of that platform; none for the musl rows, which JNA does not tell apart from glibc (linux-x86-64 is
# the glibc row's: on musl, point jna.library.path at the musl C SDK's lib/).
row_jna_prefix() {
  case $1 in
    linux-x64-gnu) echo linux-x86-64 ;;
    linux-arm64-gnu) echo linux-aarch64 ;;
    win32-x64-gnu) echo win32-x86-64 ;;
    darwin-x64) echo darwin-x86-64 ;;
    darwin-arm64) echo darwin-aarch64 ;;
  esac
}
row_nuget_rid() {
  case $1 in
    linux-x64-gnu) echo linux-x64 ;;
    linux-arm64-gnu) echo linux-arm64 ;;
    linux-x64-musl) echo linux-musl-x64 ;;
    linux-arm64-musl) echo linux-musl-arm64 ;;
    win32-x64-gnu) echo win-x64 ;;
    darwin-x64) echo osx-x64 ;;
    darwin-arm64) echo osx-arm64 ;;
  esac
}
# The C library's file names per row: shared library, static library, import library (Windows).
row_shared_lib() {
  case $1 in win32-*) echo wechatpay_notify.dll ;; darwin-*) echo libwechatpay_notify.dylib ;; *) echo libwechatpay_notify.so ;; esac
}
row_exe() { case $1 in win32-*) echo wechatpay-notify.exe ;; *) echo wechatpay-notify ;; esac; }
# The macOS deployment targets (Rust's defaults for the two targets), pinned for zig and the wheel tag.
row_macos_min() { case $1 in darwin-x64) echo 10.12 ;; darwin-arm64) echo 11.0 ;; esac; }

# rows_from SPEC: the rows named by PLATFORMS (host, all, or a comma/space list of row names).
rows_from() {
  local spec=${1:-host} r
  case $spec in
    host) echo "$HOST_ROW" ;;
    all) echo "${PLATFORM_ROWS[*]}" ;;
    *) for r in ${spec//,/ }; do row_triple "$r" >/dev/null; echo "$r"; done | tr '\n' ' ' ;;
  esac
}

# apt_need PACKAGE...: install the Debian packages that are not installed (CI is root on a fresh machine).
apt_need() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "apt-get install ${missing[*]}"
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null
}

zig_venv() { echo "$target_dir/platforms/zig-venv"; }

# ensure_zig: zig (PyPI ziglang), cargo-zigbuild and maturin in a venv of our own, put first on PATH.
# Pinned to what every row was built and checked with (docs/crypto-decision.md probed aws-lc-sys with
# zig 0.17.1 too; cargo-zigbuild is the version maturin 1.16.0 embeds). A venv holding other versions
# is made anew.
ZIG_PIP=(ziglang==0.17.1 cargo-zigbuild==0.24.0 maturin==1.16.0 'auditwheel>=6,<7')
ensure_zig() {
  local venv; venv=$(zig_venv)
  if [ "$("$venv/bin/python" -m ziglang version 2>/dev/null)" != 0.17.1 ] ||
     [ "$("$venv/bin/cargo-zigbuild" --version 2>/dev/null)" != "cargo-zigbuild 0.24.0" ] ||
     [ "$("$venv/bin/maturin" --version 2>/dev/null)" != "maturin 1.16.0" ]; then
    step "zig toolchain venv $venv (${ZIG_PIP[*]} from PyPI)"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "${ZIG_PIP[@]}"
  fi
  # `zig` itself on PATH (napi build -x and the C suite's `zig cc` call it by name).
  if [ ! -x "$venv/bin/zig" ]; then
    printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$venv/bin/python" > "$venv/bin/zig"
    chmod +x "$venv/bin/zig"
  fi
  case ":$PATH:" in *":$venv/bin:"*) ;; *) export PATH=$venv/bin:$PATH ;; esac
}

# The macOS rows' linker. zig's Mach-O linker refuses ld64's -exported_symbols_list (cargo-zigbuild
# drops the one rustc passes), so with zig linking, every global symbol of the C code linked in would
# be exported from the dylib, the Python module, the addon and the CLI: about 1,450 functions of
# AWS-LC's API besides the header's. rustc's own toolchain ships LLD (rust-lld), whose ld64 flavour
# honours the list, writes LC_BUILD_VERSION / LC_UUID and signs arm64 images ad hoc as ld64 does.
# It needs what every macOS linker needs, the system libraries' interfaces (.tbd stubs) under a
# -syslibroot:
#   usr/lib/libSystem.B.tbd  zig's (the ziglang package, lib/libc/darwin/libSystem.tbd: libSystem and
#                            its re-exported libraries, TAPI v4, generated by zig from Apple's SDK),
#                            with one change: the targets arm64e.x1-* left out of every target list,
#                            an architecture LLVM's TAPI reader does not know (LLD refuses the whole
#                            file as malformed); every list naming it also names arm64e-*, which LLD
#                            takes for arm64 links as zig's linker does.
#   usr/lib/libSystem.tbd, libc.tbd, libm.tbd, libpthread.tbd
#                            links to libSystem.B.tbd, as in the SDK (rustc passes -lSystem -lc -lm)
#   usr/lib/libiconv.tbd, libcharset.1.tbd
#                            rustc also passes -liconv for our crates on Apple targets: the install
#                            names, versions and exported functions of macOS's libiconv.2.dylib
#                            (which re-exports libcharset.1.dylib), written here
# and a wrapper named rust-lld (rustc infers from that name that it calls LLD directly, the ld64.lld
# flavour, and passes ld64 arguments) that
#   - adds the -syslibroot (rustc would take it from SDKROOT or xcrun; SDKROOT would also reach zig cc
#     and the cc crate and change how AWS-LC is compiled, so rustc warns once per link that xcrun is
#     missing, and the wrapper supplies the directory);
#   - takes the C-compiler spelling of the arguments that build scripts and maturin pass for the
#     cc-driven default: -Wl,A,B becomes A B (maturin's -Wl,-install_name,..., ours), a lone -Wl is
#     dropped (napi-build prints -Wl, -undefined, dynamic_lookup as three arguments, which a compiler
#     driver reads as -undefined dynamic_lookup);
#   - passes -S, no debug map in the image: LLD's LC_UUID is a hash of the image it writes, and the
#     debug map names the objects of the link, some inside rustc's temporary directory, so every link
#     had another UUID (and bytes) although rustc's strip (-C strip=debuginfo) and dist.sh's remove
#     the map right after; the images we ship carry no debug information either way;
#   - gives an executable that comes with no export list (rustc passes none for executables) the one
#     symbol ld64 exports from every executable, -exported_symbol __mh_execute_header: without it, LLD
#     (as ld64) would export main, rust_eh_personality and AWS-LC's API from the CLI, where an ELF
#     executable exports nothing.
# Made under $target_dir/platforms/macho/<digest of its files>/, the wrapper finding the SDK beside
# itself: cargo relinks when the linker's path changes, so a changed zig, Rust toolchain or script
# relinks every macOS image rather than leaving images linked the old way. Checked on every call (a
# few milliseconds); MACHO_LINKER is the wrapper's path.
macho_dir() { echo "$target_dir/platforms/macho"; }
MACHO_LINKER=
ensure_macho_linker() {
  local dir tmp sysroot lld tbd digest l
  dir=$(macho_dir) sysroot=$(rustc --print sysroot)
  lld=$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld
  [ -x "$lld" ] || die "no rust-lld in the Rust toolchain ($lld)"
  tbd=$("$(zig_venv)/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "lib/libc/darwin/libSystem.tbd"))')
  [ -f "$tbd" ] || die "no libSystem.tbd in the ziglang package ($tbd)"
  mkdir -p "$dir"
  tmp=$(mktemp -d "$dir/new.XXXXXX")
  mkdir -p "$tmp/sdk/usr/lib" "$tmp/bin"
  python3 - "$tbd" "$tmp/sdk/usr/lib/libSystem.B.tbd" <<'EOF'
import re, sys
src, out = sys.argv[1:]
text = open(src).read()
def targets(m):
    listed = [t.strip() for t in m.group(1).split(",") if t.strip()]
    keep = [t for t in listed if not t.startswith("arm64e.x1-")]
    if not keep:
        sys.exit(f"{src}: a target list left empty: {listed}")
    return "targets: [ " + ", ".join(keep) + " ]"
text, n = re.subn(r"targets:\s*\[([^\]]*)\]", targets, text)
if not n or "arm64e.x1" in text or "/usr/lib/libSystem.B.dylib" not in text:
    sys.exit(f"{src}: not the TAPI file expected (libSystem.B.dylib with target lists)")
open(out, "w").write(text)
EOF
  for l in libSystem libc libm libpthread; do ln -s libSystem.B.tbd "$tmp/sdk/usr/lib/$l.tbd"; done
  cat > "$tmp/sdk/usr/lib/libiconv.tbd" <<'EOF'
--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
install-name:    '/usr/lib/libiconv.2.dylib'
current-version: 7
compatibility-version: 7
reexported-libraries:
  - targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
    libraries:       [ '/usr/lib/libcharset.1.dylib' ]
exports:
  - targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
    symbols:         [ __libiconv_version, _iconv, _iconv_canonicalize, _iconv_close, _iconv_open,
                       _iconvctl, _iconvlist, _libiconv_set_relocation_prefix ]
...
EOF
  cat > "$tmp/sdk/usr/lib/libcharset.1.tbd" <<'EOF'
--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
install-name:    '/usr/lib/libcharset.1.dylib'
current-version: 2
compatibility-version: 2
exports:
  - targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
    symbols:         [ _libcharset_set_relocation_prefix, _locale_charset ]
...
EOF
  # The wrapper (bash: the -Wl, split needs arrays). rustc passes -flavor darwin first for its LLD
  # flavours; rust-lld needs it first, so it is added only when missing.
  cat > "$tmp/bin/rust-lld" <<EOF
#!/usr/bin/env bash
# Written by scripts/platforms.sh (ensure_macho_linker): rust-lld for the macOS rows.
set -euo pipefail
args=() executable=1
for a in "\$@"; do
  case \$a in
    -Wl) ;;
    -Wl,*) IFS=, read -r -a split <<< "\${a#-Wl,}"; args+=("\${split[@]}") ;;
    *) args+=("\$a") ;;
  esac
done
for a in "\${args[@]}"; do
  case \$a in
    # (@FILE: arguments in a file, which rustc uses only for command lines too long to pass; what they
    # link cannot be told here, so nothing is added.)
    -dylib|-bundle|-r|-exported_symbol|-exported_symbols_list|-unexported_symbol|-unexported_symbols_list|-no_exported_symbols|@*)
      executable=0 ;;
  esac
done
[ \$executable = 0 ] || args+=(-exported_symbol __mh_execute_header)
[ "\${args[0]:-}" = -flavor ] || args=(-flavor darwin "\${args[@]}")
exec "$lld" "\${args[@]}" -S -syslibroot "\$(cd "\${BASH_SOURCE[0]%/*}/../sdk" && pwd)"
EOF
  chmod +x "$tmp/bin/rust-lld"
  digest=$(cd "$tmp" && find . -type f -o -type l | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c1-16)
  if [ -d "$dir/$digest" ]; then
    rm -rf "$tmp"
  else
    mv "$tmp" "$dir/$digest"
  fi
  # Earlier versions go (their images are relinked anyway).
  for l in "$dir"/*; do [ "$l" = "$dir/$digest" ] || rm -rf "$l"; done
  MACHO_LINKER=$dir/$digest/bin/rust-lld
}

# ensure_row_toolchain ROW: the rustup target and the row's linker toolchain.
ensure_row_toolchain() {
  local triple; triple=$(row_triple "$1")
  if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
    step "rustup target add $triple"
    rustup target add "$triple"
  fi
  case $(row_builder "$1") in
    zig) ensure_zig; case $1 in darwin-*) ensure_macho_linker ;; esac ;;
    # nasm: aws-lc-sys assembles its x86-64 Windows assembly (NASM syntax) from source.
    mingw) apt_need gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nasm ;;
  esac
  row_env "$1"
}

# row_env ROW: environment for the row's builds (exported): macOS deployment target; mingw tools.
row_env() {
  unset MACOSX_DEPLOYMENT_TARGET
  case $1 in
    darwin-*)
      export MACOSX_DEPLOYMENT_TARGET; MACOSX_DEPLOYMENT_TARGET=$(row_macos_min "$1")
      # The final links go to rust-lld, not to zig (ensure_macho_linker says why); cargo-zigbuild,
      # maturin --zig and napi build -x keep a linker that is already set, and still compile the C
      # code (AWS-LC) with zig cc. Hidden visibility (aws-lc-sys's CFLAGS switch) keeps AWS-LC's
      # internal functions out of every image's symbol table; its API (visibility("default") in
      # AWS-LC's base.h, even in a static build) is left to the exported-symbols list, which rust-lld
      # honours.
      export "CARGO_TARGET_$(row_triple "$1" | tr a-z- A-Z_)_LINKER=$MACHO_LINKER"
      export "AWS_LC_SYS_CFLAGS_$(row_triple "$1" | tr - _)=-fvisibility=hidden" ;;
    win32-x64-gnu)
      # AWS-LC's jitterentropy declares its functions __declspec(dllexport) on Windows (jitterentropy.h:
      # JENT_PRIVATE_STATIC), and GNU ld exports such functions from every DLL beside rustc's export
      # list: the DLL, the .pyd and the .node would export aws_lc_*_jent_*. Built without it
      # (aws-lc-sys's documented switch), AWS-LC seeds its DRBG from the OS and the CPU, as on the macOS
      # rows, where aws-lc-sys leaves it out itself without the SDK's CoreServices header (the library
      # only verifies RSA signatures, which needs no random numbers; the CLI's keygen and simulate sign).
      # Every build of the row sees the same setting, so the row's artifacts share one AWS-LC build.
      export AWS_LC_SYS_NO_JITTER_ENTROPY_x86_64_pc_windows_gnu=1
      export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
      export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar ;;
  esac
}

# row_cargo ROW ARGS...: cargo build (or cargo zigbuild) --release --target for the row.
row_cargo() {
  local row=$1; shift
  case $(row_builder "$row") in
    zig) cargo-zigbuild zigbuild --release --target "$(row_build_target "$row")" "$@" ;;
    mingw) ${CARGO:-cargo} build --release --target "$(row_triple "$row")" "$@" ;;
  esac
}
# row_cargo_rustc ROW PACKAGE-ARGS... -- RUSTC-ARGS...: cargo rustc (flags for the final crate only).
row_cargo_rustc() {
  local row=$1; shift
  case $(row_builder "$row") in
    zig) cargo-zigbuild rustc --release --target "$(row_build_target "$row")" "$@" ;;
    mingw) ${CARGO:-cargo} rustc --release --target "$(row_triple "$row")" "$@" ;;
  esac
}
row_release_dir() { echo "$target_dir/$(row_triple "$1")/release"; }

# objcopy: LLVM's, shipped with rustc (rust-objcopy), for ELF, PE/COFF and Mach-O alike.
objcopy() {
  local sysroot; sysroot=$(rustc --print sysroot)
  LD_LIBRARY_PATH=$sysroot/lib "$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-objcopy" "$@"
}
# strip_kind KIND FILE...: exe (whole symbol table, not the dynamic one), shared (what loaders need
# stays: ELF .dynsym, PE export table, Mach-O exports), static (debug information only).
# Mach-O images keep their global symbols (-x, the safe level for dylibs); zig writes no DWARF there.
strip_kind() {
  local kind=$1 f magic; shift
  for f in "$@"; do
    magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
    case $kind:$magic in
      static:*) objcopy --strip-debug "$f" ;;
      *:cffaedfe) objcopy -x "$f" ;;
      exe:*) objcopy --strip-all "$f" ;;
      shared:*) objcopy --strip-unneeded "$f" ;;
    esac
  done
}

# musl_needed ROW FILE...: on the musl rows, a shared object's DT_NEEDED libc.so (what zig's linker
# writes) becomes libc.musl-ARCH.so.1, the name Alpine's toolchain records and auditwheel's musllinux
# policy knows. musl's loader takes any libc.* name as itself, so both load on every musl system.
musl_needed() {
  local row=$1 arch; shift
  case $row in *-musl) ;; *) return 0 ;; esac
  case $row in linux-x64-*) arch=x86_64 ;; linux-arm64-*) arch=aarch64 ;; esac
  apt_need patchelf
  local f
  for f in "$@"; do
    if readelf -d "$f" | grep -q 'Shared library: \[libc\.so\]'; then
      patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$f"
    fi
  done
}
