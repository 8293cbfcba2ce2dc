# wechatpay-notify: one Rust core, every binding tested against the same vectors.
SHELL := /bin/bash
CARGO ?= cargo
comma := ,

.PHONY: all build demo test lint test-rust test-c test-dotnet test-python test-node test-java fuzz fuzz-smoke soak soak-leaks dist install test-dist bench-peers \
        dist-all test-platforms test-platforms-ci \
        header header-check vectors vectors-check views views-check bench bench-rust bench-routing bench-cost bench-python bench-node bench-java bench-bounds

all: build

build:
	$(CARGO) build --release -p wechatpay-notify-cli

# The main job: the CLI verifying a shipped sample notification.
demo: build
	WECHATPAY_API_KEY=$$(cat examples/notifications/api_key.txt) \
	  ./target/release/wechatpay-notify verify --sign-type MD5 --mch-id 10000100 examples/notifications/pay-md5.xml

# Every test of every surface (Rust core + CLI + examples, C, .NET, Python, Node, Java), the fuzz
# smoke, the installable artifacts (test-dist: the host's row, linux-x64-gnu for glibc 2.17, also on
# Debian 11), and of the other platforms one ARM64 and one Windows row end to end and one musl and
# one macOS row structurally (test-platforms-ci); the full matrix, all seven rows, is `make
# test-platforms` (it does not fit make test's time budget).
test: lint vectors-check header-check test-rust test-c test-dotnet test-python test-node test-java fuzz-smoke test-dist test-platforms-ci
	@echo "make test: all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Core, CLI (runs the vectors through the binary), FFI unit tests, the axum example over loopback.
test-rust:
	$(CARGO) test --workspace

test-c:
	scripts/test-c.sh

test-dotnet:
	scripts/test-dotnet.sh

test-python:
	scripts/test-python.sh

test-node:
	scripts/test-node.sh

# The Java binding (JNA over the C ABI; Debian's JDK, Maven offline, JUnit 5) and its HttpServer example.
test-java:
	scripts/test-java.sh

# Generated files: regenerate, and fail if the committed copy differs.
header:
	$(CARGO) run -q -p gen-header

header-check:
	$(CARGO) run -q -p gen-header -- --check

vectors:
	$(CARGO) run -q -p xtask -- vectors

vectors-check: vectors
	git diff --exit-code -- tests/vectors examples/notifications

# Every binding's typed-property declarations from tests/vectors/typed_views.json (run `make vectors`
# first after changing the core's typed_view!/json_view!): Python's stub, Node's notify.d.ts, the .NET
# and Java classes. views-check fails on drift (each test-* script runs its own binding's check) and
# checks the .NET and Java native declarations against the header.
views:
	python3 bindings/python/stubgen.py
	node bindings/node/scripts/gen-types.js
	python3 tools/bindgen/bindgen.py views --lang dotnet
	python3 tools/bindgen/bindgen.py views --lang java

views-check:
	python3 bindings/python/stubgen.py --check
	node bindings/node/scripts/gen-types.js --check
	python3 tools/bindgen/bindgen.py views --lang dotnet --check
	python3 tools/bindgen/bindgen.py views --lang java --check
	python3 tools/bindgen/bindgen.py native --lang dotnet
	python3 tools/bindgen/bindgen.py native --lang java

# Benchmarks: ratios against baselines measured in the same run (README: Benchmarks).
bench: bench-rust bench-routing bench-cost bench-python bench-node bench-java

bench-rust:
	$(CARGO) bench -p wechatpay-notify --bench verify

# What an unauthenticated request costs the endpoint at 1 and 10,000 profiles (routing by maps).
bench-routing:
	$(CARGO) bench -p wechatpay-notify --bench routing

bench-cost:
	scripts/bench-cost.sh

bench-python:
	scripts/bench-python.sh

bench-node:
	scripts/bench-node.sh

# The Java binding's overhead over the core on the same notification (no Java peer SDK is packaged by
# Debian: WxJava and wechatpay-java cannot be run here).
bench-java:
	scripts/bench-java.sh

# How fast a result (dict / plain object) can be at all, against the Python and Node floors:
# bench-only extensions on the core's public API (bench/bounds/{python,node}), never in the
# packages; not part of `make bench`.
bench-bounds:
	scripts/bench-bounds.sh

# Peers (wechatpy, wechatpayv3, wechatpay-axios-plugin, tenpay; installed into bench-work/, never
# project dependencies) against our core, Python and Node, same notifications, one run.
bench-peers:
	scripts/bench-peers.sh

# Fuzzing (cargo-fuzz on the stable toolchain through RUSTC_BOOTSTRAP=1): every target for
# FUZZ_SECONDS each (default 300), seeded from tests/vectors; executions and crashes per target.
FUZZ_SECONDS ?= 300
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The CI smoke: 13 seconds per target (make test's time; `make fuzz` is the real run).
fuzz-smoke:
	FUZZ_SECONDS=13 scripts/fuzz.sh

# Soak: 1,000,000 mixed verifications through Rust, C, Python, Node and .NET; memory sampled after a
# warm-up and at the end; fails on growth beyond noise (SOAK_ROUNDS to shorten).
soak:
	scripts/soak.sh

# The soak programs and the Python and Node suites once under valgrind (7-8 minutes).
soak-leaks:
	scripts/soak.sh leak-check

# Installable artifacts (issue 14): make dist writes dist/ (the CLI as archive, wheel and npm packages,
# C, Rust, .NET, Python, Node, Java);
# make test-dist installs each artifact into a fresh temporary place and verifies the sample
# notifications through it.
# Platforms (issue 18): make dist builds the host's row (linux-x64-gnu, glibc 2.17); make dist-all
# every row (Linux x86-64/ARM64 glibc and musl, Windows x64, macOS x86-64/ARM64) with cargo-zigbuild
# and mingw-w64; scripts/test-platforms.sh tests the rows in dist/ (structure of every artifact, ARM64
# under qemu-user, Windows under wine, musl natively, Debian 11's old glibc).
PREFIX ?= /usr/local
dist:
	scripts/dist.sh

dist-all:
	PLATFORMS=all scripts/dist.sh

# Every row built and tested: make dist-all, then scripts/test-platforms.sh on all of them.
test-platforms: dist-all
	scripts/test-platforms.sh

# make test's share (what a 45-minute CI run allows on 2 cores; each row's build is about 2.5 minutes
# from a clean target directory, most of it AWS-LC's C sources): the ARM64 (glibc) and Windows rows
# built and tested end to end, beside the host's; one row of each other kind, its CLI and C SDK
# built and checked structurally: linux-x64-musl (a static musl CLI, a musl shared library) and
# darwin-arm64 (Mach-O, which nothing here can run). These are built first, so that the NuGet
# package and the jar carry their libraries; then the structural check of those five rows and every
# artifact dist/ holds. The rest (linux-arm64-musl and darwin-x64, the macOS wheels and addons) is
# built by the same commands for another target triple: `make test-platforms` builds and checks
# every artifact of all seven rows.
CI_PLATFORMS ?= linux-arm64-gnu,win32-x64-gnu
CI_STRUCTURE_PLATFORMS ?= linux-x64-gnu,linux-x64-musl,darwin-arm64
test-platforms-ci:
	PLATFORMS=$(CI_STRUCTURE_PLATFORMS) scripts/dist.sh cli c
	PLATFORMS=$(CI_PLATFORMS) scripts/dist.sh cli c dotnet python node java
	scripts/test-platforms.sh --structure $(CI_STRUCTURE_PLATFORMS),$(CI_PLATFORMS) $(subst $(comma), ,$(CI_PLATFORMS))

install:
	DESTDIR=$(DESTDIR) scripts/dist.sh install $(PREFIX)

# Every artifact in dist/ installed and used, then the README's "Your first handler" walkthroughs
# run as written from dist/ (Python, Node, C#, Java, C).
test-dist:
	scripts/test-dist.sh
	scripts/test-walkthrough.sh
