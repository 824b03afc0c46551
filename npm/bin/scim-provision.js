#!/usr/bin/env node
// The `scim-provision` command (see `scim-provision --help`).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
