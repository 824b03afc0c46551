#!/usr/bin/env bash
# Tests of the npm package: builds it (scripts/npm.sh), then type-checks a usage file, runs
# the Deno smoke test, the headless Chromium test, the packaging test and, last, node's test
# runner against scim2-server and over the conformance corpus (test/conformance.test.mjs:
# every case of tests/conformance through the package's public API, byte for byte against
# the golden files; `node scripts/conformance/run-npm.mjs` runs the same cases on its own).
# Installs what is missing first (a Python venv with scim2-server under target/py, Debian's
# chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x target/py/bin/scim2-server ]; then
  echo "== installing scim2-server into target/py"
  python3 -m venv target/py
  target/py/bin/pip install --quiet --disable-pip-version-check scim2-server
fi
export SCIM2_SERVER="$PWD/target/py/bin/scim2-server"

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

bash scripts/npm.sh

cd npm
echo "== tsc --noEmit over a typed usage file"
node_modules/.bin/tsc -p tsconfig.check.json --noEmit
echo "== Deno"
node test/deno-run.mjs
echo "== headless Chromium"
node test/browser.mjs
echo "== packaging (npm pack, installed into a fresh project)"
bash test/pack.sh
# Nothing above may rewrite the lockfile (npm ci installs it as committed; a tool installed
# for a test goes to target/, never into npm/package.json).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && ! git diff --quiet -- package-lock.json; then
  echo "npm/package-lock.json was modified by the test run:" >&2
  git diff --stat -- package-lock.json >&2
  exit 1
fi
echo "== node --test: scim2-server, the conformance corpus"
node --test test/*.test.mjs
