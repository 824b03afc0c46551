#!/usr/bin/env bash
# The demo: builds and runs examples/demo.rs, which plans a bundled sample directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release --example demo
