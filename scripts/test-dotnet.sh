#!/usr/bin/env bash
# The .NET binding: check that the generated typed views (tools/bindgen/bindgen.py views --lang dotnet)
# match the core's declaration and that the P/Invoke declarations match the C header
# (tools/bindgen/bindgen.py native --lang dotnet), build the native library, compile bindings/dotnet with
# Mono's mcs (C# 7.2, the same sources the netstandard2.0 .csproj packs), run its tests (every
# shared vector: v2, APIv3 and the multi-merchant endpoint; API; Parallel.For concurrency) and the
# HttpListener example's loopback HTTP test.
# Installs Mono from Debian when mcs is missing. Respects CARGO_TARGET_DIR (default: target).
. "$(dirname "$0")/lib.sh"

lib_dir=$target_dir/debug
out=$target_dir/dotnet-tests
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

if ! command -v mcs >/dev/null || ! command -v mono >/dev/null; then
  step "apt-get install mono"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends \
    mono-mcs mono-runtime libnunit-cil-dev nunit-console
fi

step "one version: Cargo.toml and the .csproj"
cargo_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
csproj_version=$(sed -n 's/.*<Version>\(.*\)<\/Version>.*/\1/p' bindings/dotnet/WechatPay.Notify.csproj)
[ "$cargo_version" = "$csproj_version" ] || { echo "version drift: Cargo.toml $cargo_version, .csproj $csproj_version" >&2; exit 1; }
echo "$cargo_version"

step "generated typed views: bindings/dotnet/src/Views.g.cs is what tests/vectors/typed_views.json declares"
python3 tools/bindgen/bindgen.py views --lang dotnet --check

step "P/Invoke declarations: NativeMethods.cs matches include/wechatpay_notify.h (every function, arity, types, I1 bools)"
python3 tools/bindgen/bindgen.py native --lang dotnet --check

step "the generator's own tests (tools/bindgen)"
python3 -m unittest discover -s tools/bindgen -p 'test_*.py'

step "cargo build -p wechatpay-notify-ffi"
$CARGO build -p wechatpay-notify-ffi
# DllImport("wechatpay_notify") finds the library beside the assemblies.
cp "$lib_dir/libwechatpay_notify.so" "$out/"

# The example's store: Mono.Data.Sqlite over the system libsqlite3 (the package depends on libsqlite3-0);
# its test writes profiles files and reads simulate's reports with System.Json.
if [ ! -f /usr/lib/mono/4.5/Mono.Data.Sqlite.dll ] || [ ! -f /usr/lib/mono/4.5/System.Json.dll ]; then
  step "apt-get install libmono-sqlite4.0-cil libmono-system-json4.0-cil"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends libmono-sqlite4.0-cil \
    libmono-system-json4.0-cil
fi

step "mcs: library, tests, example"
mcs -nologo -langversion:7.2 -warnaserror -unsafe -target:library -doc:"$out/WechatPay.Notify.xml" \
  -out:"$out/WechatPay.Notify.dll" bindings/dotnet/src/*.cs
mcs -nologo -langversion:7.2 -warnaserror -out:"$out/WechatPay.Notify.Tests.exe" \
  -r:"$out/WechatPay.Notify.dll" bindings/dotnet/tests/*.cs
mcs -nologo -langversion:7.2 -warnaserror -out:"$out/notify-server.exe" -r:Mono.Data.Sqlite -r:System.Data \
  -resource:examples/schema.sql,schema.sql -r:"$out/WechatPay.Notify.dll" examples/dotnet/NotifyServer.cs examples/dotnet/Program.cs
mcs -nologo -langversion:7.2 -warnaserror -out:"$out/notify-server-test.exe" -r:Mono.Data.Sqlite -r:System.Data \
  -resource:examples/schema.sql,schema.sql -r:System.Json -r:"$out/WechatPay.Notify.dll" examples/dotnet/NotifyServer.cs examples/dotnet/NotifyServerTest.cs \
  bindings/dotnet/tests/Harness.cs

step ".NET tests (shared vectors, API, concurrency)"
mono --debug "$out/WechatPay.Notify.Tests.exe" tests/vectors

# The ASP.NET Core adapter (a source file users copy) compiled against the shapes of the ASP.NET Core
# types it uses and run against fakes of them: ASP.NET Core itself does not run on Mono.
step "ASP.NET Core adapter against the types' shapes (bindings/dotnet/aspnetcore)"
mcs -nologo -langversion:7.2 -warnaserror -target:library -out:"$out/AspNetCoreShapes.dll" \
  bindings/dotnet/aspnetcore/shapes/AspNetCoreShapes.cs
mcs -nologo -langversion:7.2 -warnaserror -out:"$out/aspnetcore-adapter-tests.exe" -r:"$out/WechatPay.Notify.dll" \
  -r:"$out/AspNetCoreShapes.dll" bindings/dotnet/aspnetcore/WechatPay.Notify.AspNetCore.cs \
  bindings/dotnet/aspnetcore/AspNetCoreAdapterTests.cs
mono --debug "$out/aspnetcore-adapter-tests.exe"

# The example's tests make APIv3 requests and drive it with the CLI (simulate, keygen).
step "cargo build -p wechatpay-notify-cli"
$CARGO build -p wechatpay-notify-cli
step "example: HttpListener endpoint over loopback HTTP (two merchants, v2 and APIv3; SQLite orders; simulate)"
timeout 300 mono --debug "$out/notify-server-test.exe" "$lib_dir/wechatpay-notify" "$out/notify-server.exe"

step ".NET: all passed"
