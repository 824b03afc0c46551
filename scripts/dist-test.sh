#!/usr/bin/env bash
# Release artifacts as a user gets them: builds dist/ (scripts/dist.sh), checks the
# checksums, installs the npm tarball into a fresh project, runs `npx scim-provision
# --version` and a plan against scim2-server on 127.0.0.1, and checks that the component is
# a component that imports nothing. Prints `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ ! -x target/py/bin/scim2-server ] && [ -z "${SCIM2_SERVER:-}" ]; then
  python3 -m venv target/py
  target/py/bin/pip install --quiet --disable-pip-version-check scim2-server
fi
server_bin=${SCIM2_SERVER:-$repo/target/py/bin/scim2-server}

bash scripts/dist.sh
version=$(node -p "require('./npm/package.json').version")

passed=0
failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

work=$(mktemp -d)
server_pid=
cleanup() {
  local status=$?
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

check "SHA256SUMS verifies" "(cd dist && sha256sum --quiet -c SHA256SUMS)"
check "the component is a component that imports nothing" \
  "target/node-tools/node_modules/.bin/jco wit dist/scim-provision-component-$version.wasm > '$work/world.wit' && ! grep -Eq '^[[:space:]]*import[[:space:]]' '$work/world.wit' && grep -q 'export scim:provision/engine@' '$work/world.wit'"

cp "dist/scim-provision-$version.tgz" "$work/"
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "./scim-provision-$version.tgz" >/dev/null
check "npx scim-provision --version" "[ \"\$(npx --no-install scim-provision --version)\" = 'scim-provision $version' ]"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server_bin" --hostname 127.0.0.1 --port "$port" --bearer-token dist-token >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  node -e 'fetch(process.argv[1], { headers: { Authorization: "Bearer dist-token" } }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/ServiceProviderConfig" && break
  sleep 0.1
done
printf 'userName,givenName,familyName,groups\nana@example.com,Ana,Silva,Engineering\nbo@example.com,Bo,Li,\n' > people.csv
set +e
SCIM_TOKEN=dist-token npx --no-install scim-provision plan --desired people.csv --url "http://127.0.0.1:$port" --json > plan.json 2> plan.err
code=$?
set -e
check "npx scim-provision plan exits 2 (changes pending)" "[ $code = 2 ] || { cat plan.err; false; }"
check "the plan creates 2 users and 1 group" \
  "node -e 'const p = JSON.parse(require(\"fs\").readFileSync(\"plan.json\", \"utf8\")); process.exit(p.summary.createUsers === 2 && p.summary.createGroups === 1 ? 0 : 1)'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
