// The console's shell: sign-in, the hash router and the navigation.
import { session, get, can, ApiError } from "./api.js";
import { el, $, toast } from "./ui.js";
import { environmentsPage } from "./environments.js";
import { deploymentsPage, deploymentPage } from "./deployments.js";
import { serversPage } from "./servers.js";
import { queuesPage } from "./queues.js";
import { workersPage } from "./workers.js";
import { deadLettersPage } from "./deadletters.js";
import { auditPage } from "./audit.js";

let cleanup = null;
let generation = 0;

const routes = [
  [/^#\/signin$/, () => signInPage()],
  [/^#\/environments$/, () => environmentsPage()],
  [/^#\/environments\/([^/]+)$/, (name) => deploymentsPage(decodeURIComponent(name))],
  [/^#\/environments\/([^/]+)\/servers$/, (name) => serversPage(decodeURIComponent(name))],
  [/^#\/deployments\/([0-9a-fA-F-]+)$/, (id) => deploymentPage(id)],
  [/^#\/queues$/, () => queuesPage()],
  [/^#\/workers$/, () => workersPage()],
  [/^#\/dead-letters(?:\?(.*))?$/, (query) => deadLettersPage(query || "")],
  [/^#\/audit$/, () => auditPage()],
];

async function render() {
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  // A newer navigation wins over one still loading.
  const mine = ++generation;
  const stale = () => mine !== generation;
  const hash = location.hash || "#/environments";
  $("#toasts").replaceChildren();
  if (!session.token && hash !== "#/signin") { location.hash = "#/signin"; return; }
  if (session.token && !session.me) {
    try { session.me = await get("/v1/me"); } catch { session.token = null; location.hash = "#/signin"; return; }
    if (stale()) return;
  }
  showChrome();
  const main = $("#main");
  for (const [pattern, page] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    main.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    try {
      const result = await page(...match.slice(1));
      if (stale()) { if (result.cleanup) result.cleanup(); return; }
      main.replaceChildren(...(result.nodes || [result]));
      cleanup = result.cleanup || null;
      if (result.title) document.title = `${result.title} · Hangar`;
    } catch (error) {
      if (stale()) return;
      main.replaceChildren(el("div", { class: "panel", role: "alert" }, el("h1", {}, "Cannot show this page"),
        el("p", {}, error instanceof ApiError ? `${error.problem.title || ""}: ${error.message}` : String(error))));
    }
    highlightNav(hash);
    return;
  }
  location.hash = "#/environments";
}

function showChrome() {
  const signedIn = Boolean(session.me);
  $("#nav").hidden = !signedIn;
  $("#who").hidden = !signedIn;
  if (signedIn) {
    $("#who-name").textContent = session.me.name;
    $("#who-role").textContent = session.me.role;
    // Links to pages of a higher role (data-role) are not offered; the pages say 403 anyway.
    for (const link of document.querySelectorAll("#nav [data-role]")) link.hidden = !can(link.dataset.role);
  }
}

function highlightNav(hash) {
  for (const link of document.querySelectorAll("[data-nav]")) {
    const active = hash.startsWith(`#/${link.dataset.nav}`) || (link.dataset.nav === "environments" && hash.startsWith("#/deployments"));
    if (active) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
}

function signInPage() {
  const input = el("input", { type: "password", id: "token", name: "token", autocomplete: "current-password", required: true });
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const form = el("form", {
    class: "panel signin",
    onsubmit: async (event) => {
      event.preventDefault();
      session.token = input.value.trim();
      session.me = null;
      try {
        session.me = await get("/v1/me");
        location.hash = "#/environments";
      } catch (e) {
        session.token = null;
        error.hidden = false;
        error.textContent = e.status === 401 ? "This token is not valid." : `Cannot sign in: ${e.message}`;
      }
    },
  },
  el("h1", {}, "Sign in"),
  el("p", { class: "sub" }, "Use an API token. It is kept in this browser tab only (session storage)."),
  el("label", { for: "token" }, "Token"), input, error,
  el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", id: "sign-in" }, "Sign in")));
  $("#nav").hidden = true;
  $("#who").hidden = true;
  setTimeout(() => input.focus(), 0);
  return { nodes: [form], title: "Sign in" };
}

$("#sign-out").addEventListener("click", () => {
  session.token = null;
  session.me = null;
  location.hash = "#/signin";
});
window.addEventListener("hangar:unauthorized", () => {
  if (location.hash !== "#/signin") { toast("Your token is no longer accepted; sign in again.", true); session.token = null; session.me = null; location.hash = "#/signin"; }
});
window.addEventListener("hashchange", render);
render();
