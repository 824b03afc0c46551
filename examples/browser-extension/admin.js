// The admin page: the package's web build does the work (the core plans and applies); this
// page only collects the server, the token and the file, asks the browser for permission to
// reach the server's origin, and shows the plan and the report.
//
// CORS: SCIM servers send no CORS headers, so a web page cannot call them; an extension page
// can, for the origins its host permissions name. The manifest lists the origins it may ask
// for (`optional_host_permissions`); Connect requests the entered one.
import { init, Provisioner, profileNames, ScimProvisionError } from "./vendor/scim-provision/dist/web.js";

const $ = (id) => document.getElementById(id);
const state = { plan: null, desired: null };

function show(id, ...nodes) {
  $(id).replaceChildren(...nodes);
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function table(rows, head) {
  const t = el("table");
  if (head) t.append(row(head, "th"));
  for (const r of rows) t.append(row(r, "td"));
  return t;
}

function row(cells, tag) {
  const tr = el("tr");
  for (const c of cells) tr.append(el(tag, c));
  return tr;
}

function fail(error) {
  const message = error instanceof ScimProvisionError ? `${error.kind}${error.code !== error.kind ? ` (${error.code})` : ""}: ${error.message}` : String(error?.message ?? error);
  $("error").textContent = message;
}

function clearError() {
  $("error").textContent = "";
}

/** The provisioner of the connected server, with the token from session storage. */
async function provisioner() {
  const { url, profile } = await chrome.storage.local.get(["url", "profile"]);
  const { token } = await chrome.storage.session.get("token");
  if (!url || !token) throw new Error("connect to a server first");
  return new Provisioner({ baseUrl: url, profile, token });
}

function subject(action) {
  return action.userName ?? action.user?.userName ?? action.displayName ?? action.group?.displayName ?? "";
}

function showPlan(plan) {
  const counts = Object.entries(plan.summary).filter(([, n]) => n > 0);
  const parts = [el("p", counts.length ? `${plan.actions.length} actions` : "Nothing to change: the server matches the directory.", { id: "plan-status" })];
  if (counts.length) parts.push(table(counts, ["change", "count"]));
  for (const b of plan.blocked) parts.push(el("p", `Blocked (${b.guard}): ${b.reason}`, { class: "blocked" }));
  if (plan.actions.length) {
    parts.push(table(plan.actions.slice(0, 200).map((a) => [a.type, subject(a)]), ["action", "subject"]));
    if (plan.actions.length > 200) parts.push(el("p", `... and ${plan.actions.length - 200} more`));
  }
  show("plan-view", ...parts);
}

function showReport(report) {
  const tally = new Map();
  for (const o of report.outcomes) tally.set(o.result.status, (tally.get(o.result.status) ?? 0) + 1);
  const parts = [el("p", `Status: ${report.status}${report.reason ? ` (${report.reason})` : ""}`, { id: "report-status" })];
  if (tally.size) parts.push(table([...tally], ["result", "actions"]));
  const failed = report.outcomes.filter((o) => o.result.status !== "applied" && o.result.status !== "adopted");
  if (failed.length) parts.push(table(failed.map((o) => [o.kind, o.subject, o.result.status, JSON.stringify(o.result.error ?? "")]), ["action", "subject", "result", "why"]));
  show("report-view", ...parts);
}

$("connect").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  try {
    const url = new URL($("url").value);
    // Asked inside the click: the browser shows its prompt once, and answers at once when
    // the origin was granted before (or at install).
    const granted = await chrome.permissions.request({ origins: [`${url.origin}/*`] });
    if (!granted) throw new Error(`this extension may not reach ${url.origin}: the permission was not granted`);
    await chrome.storage.local.set({ url: url.href, profile: $("profile").value });
    await chrome.storage.session.set({ token: $("token").value });
    $("token").value = "";
    $("connection").textContent = `Connected to ${url.origin}`;
    $("plan").disabled = false;
  } catch (error) {
    fail(error);
  }
});

$("plan").addEventListener("click", async () => {
  clearError();
  $("apply").disabled = true;
  show("report-view");
  try {
    const file = $("file").files[0];
    if (!file) throw new Error("choose a CSV or JSON directory file");
    // The file's bytes go to the core, which reads its format (CSV or JSON) and checks UTF-8.
    state.desired = { bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name };
    state.plan = await (await provisioner()).plan(state.desired);
    showPlan(state.plan);
    $("apply").disabled = state.plan.actions.length === 0;
  } catch (error) {
    fail(error);
  }
});

$("apply").addEventListener("click", async () => {
  clearError();
  $("apply").disabled = true;
  try {
    // Re-lists and refuses the plan if the server changed since it was made.
    showReport(await (await provisioner()).apply(state.plan, { desired: state.desired }));
  } catch (error) {
    fail(error);
  }
});

try {
  await init();
  for (const name of profileNames()) $("profile").append(el("option", name, { value: name }));
  const { url, profile } = await chrome.storage.local.get(["url", "profile"]);
  if (url) $("url").value = url;
  if (profile) $("profile").value = profile;
  const { token } = await chrome.storage.session.get("token");
  if (url && token) {
    $("connection").textContent = `Connected to ${new URL(url).origin}`;
    $("plan").disabled = false;
  }
  document.body.dataset.ready = "true";
} catch (error) {
  fail(error);
}
