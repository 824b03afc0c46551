#!/usr/bin/env bash
# The demo (README's first command): installs and builds what is missing (a Python venv with
# scim2-server under target/py, the npm package with its wasm core), then runs
# examples/demo/run.mjs: scim2-server on 127.0.0.1 seeded with an existing population, and
# the scim-provision CLI planning, applying and reporting a 200-person directory.
set -euo pipefail
cd "$(dirname "$0")/.."

SCIM2_SERVER_VERSION=0.8.3
mkdir -p target
log=target/demo-setup.log
: > "$log"
setup() {
  if ! "$@" >> "$log" 2>&1; then
    echo "set-up failed; the last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}

if [ ! -x target/py/bin/scim2-server ]; then
  echo "setting up: scim2-server (Python venv in target/py)"
  setup python3 -m venv target/py
  setup target/py/bin/pip install --disable-pip-version-check "scim2-server==$SCIM2_SERVER_VERSION"
fi
echo "setting up: building the npm package (the first run compiles the wasm core: a few minutes)"
setup bash scripts/npm.sh
grep -h "gzipped" "$log" | tail -n 1 || true

export SCIM2_SERVER="$PWD/target/py/bin/scim2-server"
exec node examples/demo/run.mjs
