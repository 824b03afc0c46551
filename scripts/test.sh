#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what is missing (skipping what
# is already there), checks formatting and lints, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (this project targets machines with a Rust toolchain)" >&2
  exit 1
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo doc (broken intra-doc links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p scim-provision -p scim-provision-host
echo "== cargo test"
# Plain `cargo test` (not --all-targets) so doc tests run too.
cargo test --workspace
echo "== TypeScript types generated from the Rust types (npm/src/generated/ up to date)"
bash scripts/gen-types.sh --check
echo "== HTML report in headless Chromium"
bash scripts/report-check.sh
echo "== WebAssembly component (jco and wasmtime hosts, conformance corpus)"
bash scripts/component.sh
echo "== release files (dist/: the npm tarball installed and run, the component, checksums)"
bash scripts/dist-test.sh
echo "== browser extension in headless Chromium"
bash examples/browser-extension/test.sh
echo "== many tenants on BullMQ and Redis"
bash examples/multi-tenant/test.sh
echo "== npm package"
# Last, so the run ends with node's test runner summary.
bash scripts/test-npm.sh
