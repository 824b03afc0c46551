#!/usr/bin/env bash
# Builds the release artifacts into dist/ (ignored by git):
#   scim-provision-<version>.tgz            the npm package (`npm pack` of npm/, after
#                                           scripts/npm.sh built it)
#   scim-provision-component-<version>.wasm the WebAssembly component (world
#                                           scim:provision/provisioner, no imports; built
#                                           and checked by scripts/component.sh)
#   wit/provision.wit                       the component's contract (wit/README.md)
#   SHA256SUMS                              their SHA-256 checksums (`sha256sum -c SHA256SUMS`)
# Installs what the two builds need, skipping what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p "require('./npm/package.json').version")
bash scripts/npm.sh
COMPONENT_BUILD_ONLY=1 bash scripts/component.sh

rm -rf dist
mkdir -p dist/wit
(cd npm && npm pack --silent --pack-destination ../dist >/dev/null)
cp target/component/scim_provision.wasm "dist/scim-provision-component-$version.wasm"
cp wit/provision.wit dist/wit/provision.wit
(cd dist && sha256sum "scim-provision-$version.tgz" "scim-provision-component-$version.wasm" wit/provision.wit > SHA256SUMS)
echo "== dist/"
(cd dist && ls -l -- *.tgz *.wasm wit && cat SHA256SUMS)
