#!/usr/bin/env bash
# Renders the sample HTML report and checks it in headless Chromium (bars drawn, tables
# filled, nothing fetched), with a screenshot under target/. Installs chromium and
# playwright-core (into npm/node_modules, with npm ci as scripts/npm.sh does) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d npm/node_modules/playwright-core ]; then
  # `npm ci`, not `npm install`: it installs exactly the lockfile and never rewrites it, so
  # the test command leaves npm/package-lock.json as committed.
  (cd npm && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p target/report
cargo run --quiet --example report_html -- target/report/report.html
NODE_PATH="$PWD/npm/node_modules" node scripts/html_report_check.mjs target/report/report.html target/report/report.png
