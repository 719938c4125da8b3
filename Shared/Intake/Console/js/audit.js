// The audit log (GET /v1/audit, admin): every write request through the API, newest first,
// filtered by environment, actor or action; "Older" fetches the next page.
import { get } from "./api.js";
import { el, formatDate, problemText } from "./ui.js";

export async function auditPage() {
  const rows = el("tbody", { id: "audit-rows" });
  const status = el("p", { class: "hint", id: "audit-count", "aria-live": "polite" });
  const more = el("button", { type: "button", class: "small", id: "audit-older", hidden: true }, "Older");
  const inputs = {};
  const field = (name, label, placeholder) => {
    inputs[name] = el("input", { id: `audit-${name}`, name, placeholder, autocomplete: "off" });
    return el("div", {}, el("label", { for: `audit-${name}` }, label), inputs[name]);
  };
  const form = el("form", { class: "row filter", id: "audit-filter" },
    field("environment", "Environment", "any"), field("actor", "Actor", "any"), field("action", "Action", "e.g. deployment.submit"),
    el("div", {}, el("button", { type: "submit", class: "small" }, "Show")));
  const table = el("table", { id: "audit" },
    el("thead", {}, el("tr", {}, ["When", "Actor", "Action", "Environment", "Target", "Outcome", "What"].map((h) => el("th", { scope: "col" }, h)))),
    rows);
  let cursor = null;
  let shown = 0;

  async function load(append) {
    const parameters = new URLSearchParams({ limit: "50" });
    for (const [name, input] of Object.entries(inputs)) if (input.value.trim()) parameters.set(name, input.value.trim());
    if (append && cursor) parameters.set("cursor", cursor);
    try {
      const page = await get(`/v1/audit?${parameters}`);
      if (!append) { rows.replaceChildren(); shown = 0; }
      rows.append(...page.items.map(row));
      shown += page.items.length;
      cursor = page.nextCursor || null;
      more.hidden = !cursor;
      status.textContent = shown ? `${shown} entr${shown === 1 ? "y" : "ies"} shown${cursor ? "; older ones below" : ""}.` : "No entries.";
    } catch (error) {
      status.textContent = "";
      rows.replaceChildren(el("tr", {}, el("td", { colspan: "7", class: "error", role: "alert" }, problemText(error))));
    }
  }

  function row(entry) {
    return el("tr", { "data-audit": entry.id, "data-action": entry.action, "data-outcome": entry.outcome },
      el("td", {}, el("time", { datetime: entry.at }, formatDate(entry.at)), el("div", { class: "hint mono", title: "request id" }, entry.requestId)),
      el("td", {}, entry.actor, entry.role ? el("div", { class: "hint" }, entry.role) : null),
      el("td", { class: "mono" }, entry.action),
      el("td", {}, entry.environment || "—"),
      el("td", { class: "mono" }, entry.target || "—"),
      el("td", {}, el("span", { class: `badge status-${entry.outcome === "succeeded" ? "succeeded" : entry.outcome === "refused" ? "cancelled" : "failed"}` },
        `${entry.status} ${entry.outcome}`)),
      el("td", {}, entry.summary.length ? el("ul", { class: "plain" }, entry.summary.map((line) => el("li", {}, line))) : el("span", { class: "muted" }, "—")));
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(false); });
  more.addEventListener("click", () => load(true));
  await load(false);
  return {
    nodes: [el("h1", {}, "Audit log"),
      el("p", { class: "sub" }, "Every change asked of the API, refused ones too: who, when, what, and how it ended; newest first."),
      el("section", { class: "panel", "aria-label": "Audit log" }, form, status, table, more)],
    title: "Audit log",
  };
}
