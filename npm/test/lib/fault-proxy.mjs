// A fault-injecting HTTP proxy for the end-to-end fault suite (test tooling, not the package):
// it listens on 127.0.0.1 on a free port in front of a SCIM server (scim2-server, started by
// `startScimServer`), forwards every request, and applies the first rule that matches.
//
// Rules are data:
//
//   { name, method, path, when, nth, fault, ...options }
//
//   method  "POST" (or a RegExp); absent = any method
//   path    a RegExp tested against the request target (path and query, as sent)
//   when    (req) => boolean, an extra predicate on the parsed request (see `Request` below)
//   nth     which matching requests are faulted, counted per rule from 1 (every request the
//           rule matches counts, whichever rule applies to it): a number, an array
//           of numbers, or (n) => boolean; absent = every matching request
//   fault   what happens to it:
//     "pass"               forward unchanged (a rule that only counts, or a `before` hook)
//     "lose-after-commit"  forward, let the server commit, then destroy the client's socket
//                          without answering
//     "truncate"           forward, then answer the server's status with the body cut in half
//                          (a well-formed HTTP message whose JSON is cut off)
//     "status"             answer `status` (429 with `retryAfter` seconds, 500, 502, 503...)
//                          with a SCIM error body, without forwarding
//     "drop-before"        destroy the socket without forwarding
//     "rewrite"            forward, then answer `rewrite(json, req)`'s result (or the mutated
//                          json when it returns undefined) instead of the server's JSON body
//     "echo-auth"          answer an error echoing the request's Authorization header, in the
//                          SCIM `detail` (echo: "detail"), in a non-JSON body (echo: "body") or
//                          in a response header (echo: "header"), without forwarding
//     "filter-400"         answer 400 scimType invalidFilter, without forwarding, to a GET whose
//                          `filter` holds an escaped quote (\"); other requests do not match
//     a function           (req, n) => a fault spec ({ fault, ...options }) or null to forward:
//                          chosen per request (the seeded soak uses this, see `chaos`)
//   before  async (req) => void, run before the fault (for example to change the server behind
//           the client's back between its listing and its write)
//
// Every request is recorded in `proxy.records` (method, target, body, the rule and fault
// applied, and what the client got) for assertions. The proxy only listens on 127.0.0.1 and
// `close()` ends every connection.

import { createServer, request as httpRequest } from "node:http";

/** Hop-by-hop headers never copied between the two connections. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer", "content-length"]);

/**
 * Starts a proxy in front of `target` ({ url } of a started server). Resolves to
 * { url, records, rules, add(rule), clear(), requests(method, pathRegex), close() }.
 */
export async function startFaultProxy(target, { rules = [] } = {}) {
  const upstream = new URL(target.url);
  const state = { rules: rules.map(prepare), records: [], names: new Map() };
  const sockets = new Set();

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      // A proxy bug must show, not pass as an injected fault.
      state.records.push({ method: req.method, path: req.url, outcome: `proxy error: ${error.message}` });
      if (!res.headersSent) {
        res.writeHead(599, { "Content-Type": "text/plain" });
        res.end(`fault proxy error: ${error.message}`);
      } else {
        res.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req, res) {
    const body = await readBody(req);
    const request = parseRequest(req, body, state.names);
    const record = { seq: state.records.length + 1, method: request.method, path: request.path, subject: request.subject, body: request.body, json: request.json, rule: null, fault: "pass", outcome: "" };
    state.records.push(record);

    const { rule, spec } = choose(state.rules, request);
    if (rule) record.rule = rule.name ?? null;
    if (spec?.before) await spec.before(request);
    const fault = spec?.fault ?? "pass";
    record.fault = fault;

    switch (fault) {
      case "pass": {
        const answer = await forward(upstream, req, body, state.names);
        record.status = answer.status;
        record.outcome = `forwarded ${answer.status}`;
        return send(res, answer.status, answer.headers, answer.body);
      }
      case "drop-before":
        record.outcome = "dropped before forwarding";
        return req.socket.destroy();
      case "lose-after-commit": {
        const answer = await forward(upstream, req, body, state.names);
        record.status = answer.status;
        record.outcome = `server answered ${answer.status}; answer lost`;
        return req.socket.destroy();
      }
      case "truncate": {
        const answer = await forward(upstream, req, body, state.names);
        record.status = answer.status;
        const cut = answer.body.subarray(0, Math.floor(answer.body.length / 2));
        record.outcome = `server answered ${answer.status}; body truncated to ${cut.length} of ${answer.body.length} bytes`;
        return send(res, answer.status, answer.headers, cut);
      }
      case "status": {
        const status = spec.status ?? 503;
        const headers = { "Content-Type": "application/scim+json" };
        if (spec.retryAfter !== undefined) headers["Retry-After"] = String(spec.retryAfter);
        record.status = status;
        record.outcome = `answered ${status} without forwarding`;
        return send(res, status, headers, scimError(status, spec.detail ?? `injected ${status}`, spec.scimType));
      }
      case "rewrite": {
        const answer = await forward(upstream, req, body, state.names);
        record.status = answer.status;
        let json;
        try {
          json = JSON.parse(answer.body.toString("utf8"));
        } catch {
          record.outcome = `server answered ${answer.status}; not JSON, forwarded unchanged`;
          return send(res, answer.status, answer.headers, answer.body);
        }
        const out = spec.rewrite(json, request);
        const text = JSON.stringify(out === undefined ? json : out);
        record.outcome = `server answered ${answer.status}; body rewritten`;
        return send(res, answer.status, answer.headers, Buffer.from(text));
      }
      case "echo-auth": {
        const auth = req.headers.authorization ?? "";
        const status = spec.status ?? 400;
        const echo = spec.echo ?? "detail";
        record.status = status;
        record.outcome = `answered ${status} echoing the Authorization header in the ${echo}`;
        if (echo === "body") {
          return send(res, status, { "Content-Type": "text/html" }, Buffer.from(`<html><body><h1>Bad request</h1><pre>Authorization: ${auth}</pre></body></html>`));
        }
        if (echo === "header") {
          return send(res, status, { "Content-Type": "application/scim+json", "X-Echo-Authorization": auth, "WWW-Authenticate": `Bearer error="invalid_request", error_description="${auth}"` }, scimError(status, "request rejected (see the X-Echo-Authorization header)"));
        }
        return send(res, status, { "Content-Type": "application/scim+json" }, scimError(status, `rejected request with headers Authorization: ${auth}`));
      }
      case "filter-400":
        record.status = 400;
        record.outcome = "answered 400 invalidFilter without forwarding";
        return send(res, 400, { "Content-Type": "application/scim+json" }, scimError(400, "cannot parse the filter: unexpected \\\"", "invalidFilter"));
      default:
        throw new Error(`unknown fault ${JSON.stringify(fault)}`);
    }
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { address, port } = server.address();

  return {
    url: `http://${address}:${port}`,
    address,
    records: state.records,
    get rules() {
      return state.rules;
    },
    /** Adds a rule after the existing ones. */
    add(rule) {
      state.rules.push(prepare(rule));
    },
    /** Removes every rule and forgets the records (the rules' ordinals restart). */
    clear() {
      state.rules = [];
      state.records.length = 0;
    },
    /** The records of requests whose method is `method` and whose target matches `path`. */
    requests(method, path = /./) {
      return state.records.filter((r) => (!method || r.method === method) && path.test(r.path));
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections?.();
      });
    },
  };
}

function prepare(rule) {
  if (typeof rule.fault !== "function" && !FAULTS.has(rule.fault)) throw new Error(`unknown fault ${JSON.stringify(rule.fault)}`);
  if (rule.fault === "rewrite" && typeof rule.rewrite !== "function") throw new Error("a rewrite rule needs rewrite(json, req)");
  return { ...rule, seen: 0 };
}

const FAULTS = new Set(["pass", "lose-after-commit", "truncate", "status", "drop-before", "rewrite", "echo-auth", "filter-400"]);

/** The first rule that matches and whose ordinal is due; its fault spec (null = forward).
 * Every rule counts every request it matches, whichever rule applies, so `nth` is "the nth
 * request of this kind" however the rules are combined. */
function choose(rules, request) {
  let chosen = { rule: null, spec: null };
  for (const rule of rules) {
    if (!matches(rule, request)) continue;
    rule.seen += 1;
    if (chosen.rule || !due(rule.nth, rule.seen)) continue;
    if (typeof rule.fault === "function") {
      const spec = rule.fault(request, rule.seen);
      if (spec) chosen = { rule, spec: { ...spec, before: spec.before ?? rule.before } };
    } else {
      chosen = { rule, spec: rule };
    }
  }
  return chosen;
}

function matches(rule, request) {
  if (rule.method !== undefined) {
    const ok = rule.method instanceof RegExp ? rule.method.test(request.method) : rule.method.toUpperCase() === request.method;
    if (!ok) return false;
  }
  if (rule.path !== undefined && !rule.path.test(request.path)) return false;
  if (rule.fault === "filter-400" && !(request.method === "GET" && (request.query.get("filter") ?? "").includes('\\"'))) return false;
  if (rule.when !== undefined && !rule.when(request)) return false;
  return true;
}

function due(nth, seen) {
  if (nth === undefined) return true;
  if (typeof nth === "number") return seen === nth;
  if (Array.isArray(nth)) return nth.includes(seen);
  return Boolean(nth(seen));
}

/** The request as rules see it: method, target (`path`), pathname, query, body, JSON, and
 * `subject`: the userName or displayName it is about, from its body or from the id in its
 * path (learnt from the server's earlier answers), so a rule can name a resource whose id the
 * server made up; and `key`, the request with those ids replaced by names. */
function parseRequest(req, body, names) {
  const url = new URL(req.url, "http://proxy.invalid");
  const text = body.toString("utf8");
  let json;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  const id = /^\/(?:Users|Groups)\/([^/]+)/.exec(url.pathname)?.[1];
  const subject = json?.userName ?? json?.displayName ?? (id === undefined ? undefined : names.get(decodeURIComponent(id)));
  // The request with every id the server made up replaced by its subject's name: the same
  // request gets the same key in every run.
  const named = (value) => (names.has(value) ? `{${names.get(value)}}` : value);
  const key = `${req.method} ${req.url.replace(/^\/(Users|Groups)\/([^/?]+)/, (_, kind, v) => `/${kind}/${named(decodeURIComponent(v))}`)} ${text.replace(/"([^"\\]+)"/g, (m, v) => (names.has(v) ? `"${named(v)}"` : m))}`;
  return { method: req.method, path: req.url, pathname: url.pathname, query: url.searchParams, body: text, json, subject, key, headers: req.headers };
}

/** Remembers the name of every resource the server answers with, by id. */
function learn(names, body) {
  let json;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return;
  }
  for (const r of Array.isArray(json?.Resources) ? json.Resources : [json]) {
    const name = r?.userName ?? r?.displayName;
    if (typeof r?.id === "string" && typeof name === "string") names.set(r.id, name);
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Sends the request on to the server; resolves to its whole answer. */
function forward(upstream, req, body, names) {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP.has(name) && name !== "host") headers[name] = value;
  }
  headers.host = upstream.host;
  headers["content-length"] = String(body.length);
  const base = upstream.pathname.replace(/\/$/, "");
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: base + req.url, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const copied = {};
          for (const [name, value] of Object.entries(res.headers)) if (!HOP.has(name)) copied[name] = value;
          const answer = Buffer.concat(chunks);
          learn(names, answer);
          resolve({ status: res.statusCode, headers: copied, body: answer });
        });
        res.on("error", reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}

function send(res, status, headers, body) {
  res.writeHead(status, { ...headers, "Content-Length": String(body.length) });
  res.end(body);
}

function scimError(status, detail, scimType) {
  const error = { schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), detail };
  if (scimType) error.scimType = scimType;
  return Buffer.from(JSON.stringify(error));
}

/** A 32-bit hash of a string (FNV-1a, then mixed), for decisions keyed by request. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A bounded random fault chooser for a soak. Whether the nth attempt of a request is faulted,
 * and how, is a function of the seed and of the request (its `key`: method, target and body,
 * with the ids the server made up replaced by the names they stand for) and n, not of the order requests arrive in: the same seed gives
 * the same faults though the client sends in parallel. Each attempt is faulted with
 * `probability`, at most `perRequest` attempts of one request in a row (so every request gets
 * through within the engine's attempts) and at most `budget` faults in all. Faults: 429 with
 * Retry-After 0 or 1 s, 500/502/503, drops before and after the server committed, truncated
 * answers. Returns the `fault` function of a rule and its tally.
 */
export function chaos({ seed, budget = 40, probability = 0.25, perRequest = 2 }) {
  const attempts = new Map();
  const tally = { total: 0, byKind: {} };
  const kinds = [
    (r) => ({ fault: "status", status: 429, retryAfter: r % 2 }),
    (r) => ({ fault: "status", status: [500, 502, 503][r % 3] }),
    () => ({ fault: "drop-before" }),
    () => ({ fault: "lose-after-commit" }),
    () => ({ fault: "truncate" }),
  ];
  const faulted = (key, n) => hash(`${seed}|${key}|${n}|fault`) / 4294967296 < probability;
  const fault = (req) => {
    const key = req.key ?? `${req.method} ${req.path} ${req.body}`;
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    let inRow = 0;
    for (let i = n - 1; i >= 1 && faulted(key, i); i--) inRow += 1;
    if (tally.total >= budget || inRow >= perRequest || !faulted(key, n)) return null;
    const r = hash(`${seed}|${key}|${n}|kind`);
    const spec = kinds[r % kinds.length](r >>> 8);
    tally.total += 1;
    const label = spec.fault === "status" ? `status ${spec.status}` : spec.fault;
    tally.byKind[label] = (tally.byKind[label] ?? 0) + 1;
    return spec;
  };
  return { fault, tally };
}
