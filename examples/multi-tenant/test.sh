#!/usr/bin/env bash
# Tests the multi-tenant example (test.mjs): Redis, 21 tenants on scim2-server, 3 workers, one
# killed mid-apply. Installs what is missing, skipping what is there: Debian's redis-server,
# the example's npm dependencies (npm ci: bullmq and ioredis, from its lockfile), scim2-server
# (target/py); builds the npm package. About a minute; stops itself after 180 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v redis-server >/dev/null 2>&1; then
  echo "== installing redis-server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if [ ! -d examples/multi-tenant/node_modules/bullmq ] \
  || [ examples/multi-tenant/package-lock.json -nt examples/multi-tenant/node_modules/.package-lock.json ]; then
  echo "== npm ci (examples/multi-tenant/)"
  (cd examples/multi-tenant && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -x target/py/bin/scim2-server ] && [ -z "${SCIM2_SERVER:-}" ]; then
  python3 -m venv target/py
  target/py/bin/pip install --quiet --disable-pip-version-check scim2-server
fi
bash scripts/npm.sh
timeout 240 node examples/multi-tenant/test.mjs
