#!/usr/bin/env node
// The `scim-provision` command (see `scim-provision --help`).
import * as util from "node:util";

// The CLI styles its output with util.styleText (Node 20.12 and 21.7 on); an older Node would
// fail on import with a SyntaxError that names no version.
if (typeof util.styleText !== "function") {
  process.stderr.write(`scim-provision: needs Node.js 20.12 or later (this is ${process.version})\n`);
  process.exit(1);
}
const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
