# The two commands of README.md: `make run` and `make test`. The rest are their parts.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

# Extra flags for `make run`, e.g. make run ARGS="--base-path /kubeflow/"
ARGS ?=

.PHONY: run test lint unit e2e build size

## Set up and run kfdash on the sandbox at http://127.0.0.1:3000
run:
	.ci/setup.sh run
	cargo leptos build --release
	LEPTOS_SITE_ROOT=target/site ./target/release/kfdash $(ARGS)

## Set up and run every test: lint, cargo tests of both crates, Playwright in Chromium
test:
	.ci/setup.sh test
	$(MAKE) lint unit e2e

lint:
	cargo fmt --all --check
	cargo clippy -p app --features ssr --all-targets -- -D warnings
	cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p server --all-targets -- -D warnings

unit:
	cargo test -p app --features ssr
	cargo test -p server

build:
	cargo leptos build

# Playwright starts its own fresh servers (see end2end/playwright.config.ts).
e2e: build
	cd end2end && npx playwright test

## Release build, then the WASM/JS/CSS sizes raw, gzip and brotli
size:
	.ci/setup.sh size
	cargo leptos build --release
	cargo bench -p server --bench bundle_size
