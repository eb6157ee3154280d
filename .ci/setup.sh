#!/usr/bin/env bash
# Installs what building, running and testing kfdash need, skipping whatever is already there.
# Everything comes from the package registries (crates.io, npm, Debian); nothing else is fetched.
#   .ci/setup.sh run    tools to build and run (release build: adds wasm-opt)
#   .ci/setup.sh test   tools to build and test (adds Chromium and the Playwright packages)
#   .ci/setup.sh size   tools for the release size report
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-test}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34msetup:\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.9+ needs a newer rustc than this machine's 1.95.
if ! cargo leptos --version 2>/dev/null | grep -q ' 0\.3\.8$'; then
  say "installing cargo-leptos 0.3.8 (about 20 minutes on 2 cores, once per machine)"
  cargo install cargo-leptos --version 0.3.8 --locked
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly; read it from there.
wasm_bindgen_version="$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')"
if [ -z "$wasm_bindgen_version" ]; then
  echo "setup: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wasm_bindgen_version\$"; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version"
  # Not --locked: its lockfile names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

if [ "$purpose" = run ] || [ "$purpose" = size ]; then
  if ! wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
    say "installing wasm-opt (binaryen 132) from npm"
    npm install --global --no-fund --no-audit binaryen@132.0.0
  fi
fi

if [ "$purpose" = test ]; then
  # The manifest and kubectl tests run the real client; it comes with the machine image (Google
  # Cloud CLI), and Debian's kubernetes-client is too old (1.20) for kustomize v5 overlays.
  if ! kubectl version --client >/dev/null 2>&1; then
    echo "setup: kubectl (1.27 or newer) is needed for the tests; install the Google Cloud CLI's kubectl component" >&2
    exit 1
  fi
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's Chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing the Playwright test runner (no browser download: Debian's Chromium is used)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit)
  fi
fi
say "ready ($purpose)"
