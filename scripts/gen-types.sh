#!/usr/bin/env bash
# Writes the TypeScript declarations of every JSON shape the npm package exposes to
# npm/src/generated/, from the Rust types (ts-rs behind the cargo feature `ts`; the shipped
# .wasm is built without it). `--check` fails when the committed files differ from what the
# Rust types generate (scripts/test.sh runs it, so CI catches a stale contract).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --quiet -p scim-provision-host --features ts --test typescript

if [ "${1:-}" = "--check" ]; then
  # New files count too: `git add -N` makes them show in the diff (and is undone at once).
  untracked=$(git ls-files --others --exclude-standard -- npm/src/generated)
  if [ -n "$untracked" ]; then
    echo "npm/src/generated/ is stale: the Rust types generate files that are not committed:" >&2
    echo "$untracked" >&2
    echo "run 'bash scripts/gen-types.sh' and commit npm/src/generated/" >&2
    exit 1
  fi
  if ! git diff --exit-code --stat -- npm/src/generated; then
    echo "npm/src/generated/ is stale: it differs from what the Rust types generate (above);" >&2
    echo "run 'bash scripts/gen-types.sh' and commit npm/src/generated/" >&2
    exit 1
  fi
  echo "npm/src/generated/ matches the Rust types"
fi
