// A small misbehaving SCIM server for the secrecy and completeness tests: it echoes the
// request's Authorization header back (in a SCIM error `detail`, in an HTML error page, or
// in response headers), and can list users incompletely (it ignores `startIndex`, so the
// second page repeats the first: the engine sees an id listed twice).
import { createServer } from "node:http";

/**
 * echo: "detail" | "html" | "header" | "none". Every error answer carries the echo; so does
 * every answer in "header" mode. The echo holds the header as sent (`Bearer <token>`, which
 * the core masks) and the bare token (which only the facade can recognise). `deny` answers
 * every request 401 (the run fails).
 */
export async function startEchoServer({ echo = "detail", incomplete = false, deny = false } = {}) {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    const token = auth.replace(/^Bearer /, "");
    const headers = { "Content-Type": "application/scim+json" };
    if (echo === "header") Object.assign(headers, { "X-Echo-Authorization": auth, "X-Token": token, "WWW-Authenticate": `Bearer ${token}` });
    const fail = (status) => {
      if (echo === "html") {
        res.writeHead(status, { ...headers, "Content-Type": "text/html" });
        res.end(`<html><body><h1>Error ${status}</h1><pre>Authorization: ${auth}\ntoken=${token}</pre></body></html>`);
        return;
      }
      const detail = echo === "detail" ? `rejected request with Authorization: ${auth} (token ${token})` : "rejected";
      res.writeHead(status, headers);
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), detail }));
    };
    const url = new URL(req.url, "http://x");
    if (deny) return fail(401);
    if (req.method === "GET" && url.pathname.endsWith("/Users")) {
      const resources = incomplete ? [{ id: "u1", userName: "ana@example.com", active: true }] : [];
      res.writeHead(200, headers);
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: incomplete ? 2 : 0, startIndex: Number(url.searchParams.get("startIndex") ?? 1), itemsPerPage: resources.length, Resources: resources }));
      return;
    }
    if (req.method === "GET" && url.pathname.endsWith("/Groups")) {
      res.writeHead(200, headers);
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }));
      return;
    }
    // ServiceProviderConfig (a warning: the profile is used as it is), every write (a failed
    // action): 400, which is not retried.
    req.resume();
    req.on("end", () => fail(400));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/scim/v2`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
