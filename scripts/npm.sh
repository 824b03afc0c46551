#!/usr/bin/env bash
# Builds the npm package (npm/): the wasm-bindgen core for wasm32, the JS glue, wasm-opt -Oz,
# the TypeScript facade; prints the gzipped .wasm size. Installs what is missing first
# (the wasm32 target, the wasm-bindgen CLI at the version Cargo.lock pins, npm devDependencies).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown

# The CLI must match the crate exactly (bindings/js pins it with "=").
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "== installing wasm-bindgen-cli $want"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d npm/node_modules ] || [ npm/package.json -nt npm/node_modules/.package-lock.json ]; then
  echo "== npm install (npm/)"
  (cd npm && npm install --no-audit --no-fund --loglevel=error)
fi

echo "== building the wasm core (cargo profile wasm-npm, std rebuilt for size)"
. scripts/lib/wasm-build.sh
wasm_build scim-provision-js wasm-npm
rm -rf npm/wasm
wasm-bindgen --target web --out-dir npm/wasm --out-name scim_provision_js \
  target/wasm32-unknown-unknown/wasm-npm/scim_provision_js.wasm
npm/node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals npm/wasm/scim_provision_js_bg.wasm -o npm/wasm/scim_provision_js_bg.wasm

echo "== compiling the TypeScript facade"
rm -rf npm/dist
(cd npm && node_modules/.bin/tsc -p tsconfig.json)

raw=$(wc -c < npm/wasm/scim_provision_js_bg.wasm)
gz=$(gzip -9 -c npm/wasm/scim_provision_js_bg.wasm | wc -c)
echo "npm package: scim_provision_js_bg.wasm is $raw bytes, $gz bytes gzipped (target <= 256000)"
