#!/usr/bin/env bash
# Tests the admin extension in headless Chromium against scim2-server (test/extension.test.mjs).
# Installs what is missing, skipping what is there: Debian's chromium, playwright-core (npm ci
# in npm/, from its lockfile), scim2-server (target/py); builds the package and the extension.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x target/py/bin/scim2-server ] && [ -z "${SCIM2_SERVER:-}" ]; then
  python3 -m venv target/py
  target/py/bin/pip install --quiet --disable-pip-version-check scim2-server
fi
bash scripts/npm.sh
bash examples/browser-extension/build.sh
timeout 180 node examples/browser-extension/test/extension.test.mjs
