#!/usr/bin/env bash
# The README's "Your first handler" walkthroughs, run as written, from dist/ (issue 23: a newcomer
# walkthrough per language, install -> handler -> simulate, that a test runs end to end).
#
#   scripts/test-walkthrough.sh [NAME...]     (default: python node dotnet java c)
#
# For each walkthrough, tests/walkthrough/extract.py writes the README's blocks into an empty
# directory holding only links to this checkout's dist/ and examples/ (the reader runs them in the
# repository's directory after `make dist`; the C walkthrough serves its program with
# examples/c/cgi_gateway.py): the files the reader saves, and walkthrough.sh, the commands the
# reader types, in order, on a free port instead of 8080. Then
# bash runs walkthrough.sh there (errexit, a time limit, the process group killed afterwards). It
# passes when the handler printed exactly what the README says it prints: the payment recorded once
# (paid ... then already recorded), the stale timestamp refused, the wrong amount refused, and
# simulate reported two acknowledged deliveries and two refusals. Needs `make dist` (the host's
# artifacts) and what each language needs to run (Python 3, Node + npm with registry access for
# better-sqlite3, Mono with Mono.Data.Sqlite, a JDK with JNA and sqlite-jdbc: installed here when
# missing, as the other test scripts do).
. "$(dirname "$0")/lib.sh"
. scripts/java-env.sh

step() { printf '\n== %s\n' "$*"; }
passed=0 failed=0
dist=$root/dist
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(python node dotnet java c)

missing=()
command -v unzip >/dev/null || missing+=(unzip)
command -v cc >/dev/null || missing+=(gcc)
command -v pkg-config >/dev/null || missing+=(pkg-config)
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v mcs >/dev/null || missing+=(mono-mcs)
command -v mono >/dev/null || missing+=(mono-runtime)
[ -f /usr/lib/mono/4.5/Mono.Data.Sqlite.dll ] || missing+=(libmono-sqlite4.0-cil)
[ -f /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 ] || missing+=(libsqlite3-0)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null
fi
java_install_deps   # the JDK, JNA and sqlite-jdbc (scripts/java-env.sh)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# expect LOG COUNT TEXT: TEXT occurs on exactly COUNT lines of LOG.
expect() {
  local got; got=$(grep -cF -- "$3" "$1" || true)
  [ "$got" -eq "$2" ] || { echo "expected $2 line(s) with '$3', found $got" >&2; return 1; }
}

for name in "${names[@]}"; do
  step "walkthrough $name (README: Your first handler)"
  work=$tmp/$name
  mkdir -p "$work" && ln -s "$dist" "$work/dist" && ln -s "$root/examples" "$work/examples"
  python3 tests/walkthrough/extract.py README.md "$name" "$work" --port "$(free_port)"
  log=$work/walkthrough.log
  # In a session of its own (setsid execs timeout, whose process group holds the walkthrough and
  # the handler it starts in the background), so that whatever is left is stopped with it.
  (cd "$work" && exec env -u VIRTUAL_ENV -u PYTHONPATH -u NODE_PATH -u LD_LIBRARY_PATH \
     setsid timeout 600 bash -e walkthrough.sh) > "$log" 2>&1 &
  session=$!
  rc=0; wait "$session" || rc=$?
  kill -- -"$session" 2>/dev/null || true
  if [ "$rc" -eq 0 ] &&
     expect "$log" 1 "paid: ORDER1 101 4200000001202612070000000001" &&
     expect "$log" 1 "already recorded: 4200000001202612070000000001" &&
     expect "$log" 1 "refused: timestamp_out_of_window" &&
     expect "$log" 1 "unknown order or wrong amount: ORDER1" &&
     expect "$log" 2 "refused, as it must be" &&
     expect "$log" 2 '"reply_ok":true'; then
    passed=$((passed + 1)); echo "ok   $name: install from dist/, handler, simulate (paid once, retry recorded once, stale and wrong amount refused)"
  else
    failed=$((failed + 1)); echo "FAIL $name (exit status $rc); its output:"; sed 's/^/  | /' "$log"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
