#!/usr/bin/env bash
# Packaging test: installs the `npm pack` tarball into a fresh project and uses it as a user
# would, from JavaScript (ESM) and TypeScript.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$here" && npm pack --silent --pack-destination "$work" | tail -1)
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "./$tarball" "$here/node_modules/typescript" >/dev/null
cat > use.mjs <<'JS'
import { plan, profileNames, ScimProvisionError } from "scim-provision";
const p = plan({ users: [{ userName: "pack@example.com" }] }, { users: [], groups: [], complete: true }, { profile: "airtable" });
if (p.summary.createUsers !== 1 || !profileNames().includes("airtable")) throw new Error("packaged plan is wrong");
try { plan({ users: [{ userName: "" }] }, { users: [], groups: [], complete: true }); throw new Error("no error"); }
catch (e) { if (!(e instanceof ScimProvisionError) || e.kind !== "plan" || e.code !== "emptyUserName") throw e; }
console.log("packaged ESM import works");
JS
node use.mjs
# The server doctor's own module ships and loads from the installed package on first use.
cat > doctor.mjs <<'JS'
import { Provisioner } from "scim-provision";
const fetch = async () => new Response("", { status: 404 });
const report = await new Provisioner({ baseUrl: "https://example.com/scim/v2", token: "t" }).doctor({ fetch });
if (!Array.isArray(report.findings) || report.findings.length === 0) throw new Error("packaged doctor reported nothing");
console.log("packaged doctor module loads");
JS
node doctor.mjs
cat > use.ts <<'TS'
import { Provisioner, type Plan } from "scim-provision";
const p = new Provisioner({ baseUrl: "https://example.com/scim/v2", profile: "airtable" });
export const pending: Promise<Plan> = p.plan({ users: [] });
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "lib": ["ES2022", "DOM", "DOM.Iterable"], "types": [] }, "include": ["use.ts"] }
JSON
node_modules/.bin/tsc -p tsconfig.json
echo "packaged TypeScript types check"
# The installed command runs and reports a bad directory as one line.
node_modules/.bin/scim-provision --help | grep -q "scim-provision plan"
printf 'userName,active\nx@example.com,perhaps\n' > bad.csv
if SCIM_TOKEN=t node_modules/.bin/scim-provision plan --desired bad.csv --url http://127.0.0.1:9 2> err.txt; then
  echo "the packaged CLI accepted a bad directory" >&2
  exit 1
fi
grep -q "^scim-provision: bad.csv: row 2" err.txt
echo "packaged scim-provision command works"
