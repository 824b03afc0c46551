// The test server: scim2-server, started by the shared helper the demo uses too.
export { readAll, startScimServer } from "../../scripts/lib/scim2-server.mjs";
