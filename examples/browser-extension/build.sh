#!/usr/bin/env bash
# Copies the npm package's web build (npm/dist and npm/wasm, built by scripts/npm.sh) into
# vendor/scim-provision/ (ignored by git), where admin.js imports it. Then load this folder
# as an unpacked extension (chrome://extensions, Developer mode, "Load unpacked").
#   bash examples/browser-extension/build.sh          # builds the package first when missing
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ ! -f "$repo/npm/dist/web.js" ] || [ ! -f "$repo/npm/wasm/scim_provision_js_bg.wasm" ]; then
  bash "$repo/scripts/npm.sh"
fi
rm -rf "$here/vendor"
mkdir -p "$here/vendor/scim-provision"
# The web entry and what it imports; the CLI and the Node entry are not needed.
cp -r "$repo/npm/dist" "$here/vendor/scim-provision/dist"
rm -rf "$here/vendor/scim-provision/dist/cli" "$here/vendor/scim-provision/dist/node."*
mkdir -p "$here/vendor/scim-provision/wasm"
# Every module's glue and .wasm: the engine and planner's and the reports' are instantiated by
# init(); the server doctor's only when a doctor runs.
cp "$repo/npm/wasm/"*.js "$repo/npm/wasm/"*_bg.wasm "$here/vendor/scim-provision/wasm/"
echo "examples/browser-extension: vendor/scim-provision built"
