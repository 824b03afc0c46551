#!/usr/bin/env bash
# Builds the WebAssembly component (world scim:provision/provisioner, which imports nothing)
# and runs it in two real hosts over the conformance corpus.
#
#   bash scripts/component.sh
#
# 1. Installs what is missing, skipping what is present: the wasm32-unknown-unknown target and
#    (stable toolchain only, see scripts/lib/wasm-build.sh),
#    jco and binaryen (npm, into target/node-tools), wasmtime and scim2-server (pip, into the
#    virtual environment target/py).
# 2. Builds bindings/component for wasm32-unknown-unknown (profile wasm-component, stable
#    toolchain only), shrinks it with wasm-opt -Oz and wraps it with `jco new` into
#    target/component/scim_provision.wasm.
# 3. Checks with `jco wit` that the component imports nothing and exports exactly the five
#    documented interfaces (types, codec, planner, engine, reports), and prints its raw and
#    gzipped sizes (failing above the budget).
# 4. Transpiles it with jco and runs the corpus in Node (scripts/conformance/run-jco.mjs), then
#    in Python's wasmtime with a live run against scim2-server
#    (scripts/conformance/run_wasmtime.py).
#
# The last line is the summary `N passed, N failed`. Environment:
#   COMPONENT_GZIP_BUDGET_KB  fail when the gzipped component exceeds this (default 512: a
#                             budget with room for what is still to come, enforced in CI)
#   COMPONENT_SKIP_LIVE=1     skip the live scim2-server run
#   COMPONENT_BUILD_ONLY=1    stop after step 3 (build, world and size checks): what
#                             scripts/dist.sh needs
set -euo pipefail
cd "$(dirname "$0")/.."

JCO_VERSION=1.35.0
BINARYEN_VERSION=132.0.0
WASMTIME_PY_VERSION=50.0.1
SCIM2_SERVER_VERSION=0.8.3
GZIP_BUDGET_KB=${COMPONENT_GZIP_BUDGET_KB:-512}

OUT=target/component
TOOLS=target/node-tools
PY=target/py
mkdir -p "$OUT"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
  echo "$passed passed, $failed failed"
  if [ "$failed" -eq 0 ]; then exit 0; else exit 1; fi
}

for tool in cargo rustup node npm python3 gzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is required" >&2
    fail "missing $tool"
    finish
  fi
done

# ---- 1. tools, each skipped when present ----
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "== rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

JCO="$TOOLS/node_modules/.bin/jco"
WASM_OPT="$TOOLS/node_modules/.bin/wasm-opt"
installed_version() { node -p "require('./$TOOLS/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed_version @bytecodealliance/jco)" != "$JCO_VERSION" ] \
  || [ "$(installed_version binaryen)" != "$BINARYEN_VERSION" ]; then
  echo "== npm install jco@$JCO_VERSION binaryen@$BINARYEN_VERSION into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error \
    "@bytecodealliance/jco@$JCO_VERSION" "binaryen@$BINARYEN_VERSION"
fi

if [ ! -x "$PY/bin/python" ]; then
  echo "== python3 -m venv $PY"
  python3 -m venv "$PY"
fi
if ! "$PY/bin/python" - "$WASMTIME_PY_VERSION" "$SCIM2_SERVER_VERSION" <<'EOF' 2>/dev/null; then
import sys
from importlib.metadata import version
assert version("wasmtime") == sys.argv[1] and version("scim2-server") == sys.argv[2]
EOF
  echo "== pip install wasmtime==$WASMTIME_PY_VERSION scim2-server==$SCIM2_SERVER_VERSION into $PY"
  "$PY/bin/pip" install --quiet --disable-pip-version-check \
    "wasmtime==$WASMTIME_PY_VERSION" "scim2-server==$SCIM2_SERVER_VERSION"
fi

# ---- 2. build ----
echo "== cargo build -p scim-provision-component (profile wasm-component, stable toolchain)"
# Size over speed: the root Cargo.toml's wasm-component profile; scripts/lib/wasm-build.sh
# says which flags the build may use.
. scripts/lib/wasm-build.sh
wasm_build scim-provision-component wasm-component
CORE=target/wasm32-unknown-unknown/wasm-component/scim_provision_component.wasm
COMPONENT="$OUT/scim_provision.wasm"

# Optimizing, wrapping and transpiling take seconds; skip them when the module is unchanged.
stamp="$(sha256sum "$CORE" | cut -d' ' -f1) jco=$JCO_VERSION binaryen=$BINARYEN_VERSION"
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$stamp" ] \
  && [ -f "$COMPONENT" ] && [ -f "$OUT/js/scim_provision.js" ]; then
  echo "== component up to date"
else
  rm -f "$OUT/.stamp"
  echo "== wasm-opt -Oz"
  "$WASM_OPT" -Oz --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals --enable-multivalue --enable-reference-types \
    "$CORE" -o "$OUT/core.wasm"
  echo "== jco new"
  "$JCO" new "$OUT/core.wasm" -o "$COMPONENT"
  echo "== jco transpile"
  rm -rf "$OUT/js"
  "$JCO" transpile "$COMPONENT" -o "$OUT/js" --name scim_provision --quiet >/dev/null
  echo "$stamp" > "$OUT/.stamp"
fi

# ---- 3. the world: no import, exactly the documented exports ----
"$JCO" wit "$COMPONENT" > "$OUT/world.wit"
if grep -Eq '^[[:space:]]*import[[:space:]]' "$OUT/world.wit"; then
  fail "the component imports something:"
  grep -E '^[[:space:]]*import[[:space:]]' "$OUT/world.wit"
else
  pass "the component imports nothing"
fi
exports="$(grep -E '^[[:space:]]*export[[:space:]]' "$OUT/world.wit" | tr -s ' ' | sed 's/^ //' | sort)"
expected="$(printf 'export scim:provision/%s@0.1.0;\n' codec engine planner reports types | sort)"
if [ "$exports" = "$expected" ]; then
  pass "the component exports exactly types, codec, planner, engine and reports"
else
  fail "unexpected exports:"
  echo "$exports"
fi

raw=$(stat -c %s "$COMPONENT")
gz=$(gzip -9c "$COMPONENT" | wc -c)
echo "size: $COMPONENT $((raw / 1024)) KiB raw, $((gz / 1024)) KiB gzipped (budget ${GZIP_BUDGET_KB} KiB)"
if [ "$gz" -le $((GZIP_BUDGET_KB * 1024)) ]; then
  pass "gzipped size within the ${GZIP_BUDGET_KB} KiB budget"
else
  fail "gzipped size $((gz / 1024)) KiB exceeds the ${GZIP_BUDGET_KB} KiB budget"
fi

[ "${COMPONENT_BUILD_ONLY:-0}" = 1 ] && finish

# ---- 4. the hosts ----
# Adds a runner's `N passed, N failed` line to the totals.
tally() {
  local summary
  summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1 || true)"
  if [ -z "$summary" ]; then
    fail "$2 printed no summary"
    return
  fi
  passed=$((passed + $(echo "$summary" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$summary" | cut -d' ' -f3)))
}

echo "== node scripts/conformance/run-jco.mjs"
timeout 600 node scripts/conformance/run-jco.mjs "$OUT/js/scim_provision.js" tests/conformance/cases \
  | tee "$OUT/jco.log" || true
tally "$OUT/jco.log" "the jco runner"

echo "== python scripts/conformance/run_wasmtime.py"
live=()
[ "${COMPONENT_SKIP_LIVE:-0}" = 1 ] && live=(--no-live)
timeout 600 "$PY/bin/python" scripts/conformance/run_wasmtime.py \
  --component "$COMPONENT" --cases tests/conformance/cases "${live[@]}" \
  | tee "$OUT/wasmtime.log" || true
tally "$OUT/wasmtime.log" "the wasmtime runner"

finish
