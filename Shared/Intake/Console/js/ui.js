// Small DOM and formatting helpers shared by the pages.

/// el("div", {class: "x", onclick: f}, child, "text", ...)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function announce(text) {
  const live = $("#live");
  live.textContent = "";
  setTimeout(() => { live.textContent = text; }, 30);
}

export function toast(text, bad = false) {
  const node = el("div", { class: `toast${bad ? " bad" : ""}`, role: bad ? "alert" : "status" }, text);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), bad ? 7000 : 4000);
}

/// A confirmation dialog; resolves true when confirmed.
export function confirmDialog({ title, body, confirm = "Confirm", danger = false }) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  const container = $("#confirm-body");
  container.replaceChildren(...(Array.isArray(body) ? body : [el("p", {}, body)]));
  const ok = $("#confirm-ok");
  ok.textContent = confirm;
  ok.className = danger ? "danger solid" : "primary";
  dialog.returnValue = "";
  dialog.showModal();
  $("#confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

export function formatDate(value) { return value ? dateTime.format(new Date(value)) : "—"; }
export function formatTime(value) { return value ? timeOnly.format(new Date(value)) : "—"; }

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/// "12 s ago", "3 min ago", "2 h ago": how long ago `value` was (at least 0 s, so a clock a
/// little ahead of the browser's does not read "in the future").
export function formatAgo(value, now = Date.now()) {
  if (!value) return "—";
  const seconds = Math.max(0, Math.round((now - Date.parse(value)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
}

export function statusBadge(status, extraClass = "") {
  return el("span", { class: `badge status-${status} ${extraClass}`, "data-status": status }, el("span", { class: "dot", "aria-hidden": "true" }), status);
}

export const stepLabels = {
  validate: "Validate",
  stop_preparation_server: "Stop preparation server",
  create_image: "Create image",
  create_models: "Create models",
  replace_instances: "Replace instances",
  finalize: "Finalize",
};

/** Marks an environment on the simulated provider: nothing it deploys reaches a cloud. */
export function simulatedBadge(environment) {
  return environment.provider === "simulated"
    ? el("span", { class: "badge simulated", title: "Simulated provider: deploys nothing to a cloud" }, "simulated")
    : null;
}

export function problemText(error) {
  const problem = error.problem || {};
  const fields = (problem.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return `${problem.title || "Error"}${problem.detail ? ` — ${problem.detail}` : ""}${fields && !problem.detail ? ` (${fields})` : ""}`;
}

/// Dollars: cents from $1 up, else four decimals (a new environment costs fractions of a cent).
export function money(value) {
  return `$${value.toFixed(value >= 1 ? 2 : 4)}`;
}
