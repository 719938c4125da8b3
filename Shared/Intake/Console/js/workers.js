// The workers as they last reported themselves (GET /v1/workers): how busy each is, the steps
// it runs and when it was last heard from.
import { get } from "./api.js";
import { el, formatTime, formatDuration, formatAgo, stepLabels, problemText } from "./ui.js";

/// Workers report every 5 s (HANGAR_WORKER_STATUS_MS): one not heard from for three of those
/// was probably stopped without a word (killed) or is cut off from the broker.
export const SILENT_AFTER_MS = 15_000;
const REFRESH_MS = 3000;

export async function workersPage() {
  const body = el("div", { id: "workers" });
  const updated = el("span", { class: "muted", id: "workers-updated" });
  let timer = null;
  let stopped = false;

  async function load() {
    try {
      const answer = await get("/v1/workers");
      render(answer.items, Date.now());
      updated.textContent = `Updated ${formatTime(new Date())}.`;
    } catch (error) {
      body.replaceChildren(el("div", { class: "error", role: "alert" }, problemText(error)));
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  }

  function render(items, now) {
    if (!items.length) {
      body.replaceChildren(el("p", { class: "empty", id: "workers-empty" }, "No worker has reported in the last hour."));
      return;
    }
    body.replaceChildren(el("table", {},
      el("caption", { class: "visually-hidden" }, "Workers heard from in the last hour, by name"),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Worker"), el("th", { scope: "col" }, "Busy"),
        el("th", { scope: "col" }, "Running steps"), el("th", { scope: "col" }, "Last seen"))),
      el("tbody", { id: "worker-rows" }, items.map((w) => row(w, now)))));
  }

  function row(w, now) {
    const silent = now - Date.parse(w.lastSeenAt) > SILENT_AFTER_MS;
    const busy = w.running.length;
    return el("tr", { "data-worker": w.name, "data-silent": silent ? "true" : "false", class: silent ? "silent" : null },
      el("th", { scope: "row", class: "mono" }, w.name),
      el("td", { class: "busy" },
        `${busy}/${w.concurrency}`, el("span", { class: "visually-hidden" }, ` steps running of ${w.concurrency} at once`),
        // A meter, not a styled bar: the Content-Security-Policy allows no style attributes.
        el("meter", { min: "0", max: String(Math.max(w.concurrency, 1)), value: String(busy), "aria-hidden": "true" })),
      el("td", {}, busy
        // A silent worker's steps are as of its last word: their time stops there.
        ? el("ul", { class: "running" }, w.running.map((s) => runningStep(s, silent ? Date.parse(w.lastSeenAt) : now)))
        : el("span", { class: "muted" }, "idle"),
        silent && busy ? el("div", { class: "hint" }, "as last reported") : null),
      el("td", { class: "last-seen" },
        el("time", { datetime: w.lastSeenAt, title: new Date(w.lastSeenAt).toLocaleString() }, formatAgo(w.lastSeenAt, now)),
        silent ? [" ", el("span", {
          class: "badge status-failed", "data-badge": "silent",
          title: `Not heard from for more than ${SILENT_AFTER_MS / 1000} s (three status intervals): stopped without a word, or cut off from the broker`,
        }, "silent")] : null));
  }

  function runningStep(s, now) {
    const label = stepLabels[s.step] || s.step;
    return el("li", { "data-deployment": s.deploymentId, "data-step": s.step },
      el("strong", {}, s.environmentName), " · ", label,
      el("span", { class: "muted" }, ` · attempt ${s.attempt} · ${formatDuration(Math.max(0, now - Date.parse(s.startedAt)))}`), " · ",
      el("a", { href: `#/deployments/${s.deploymentId}`, "aria-label": `Deployment ${s.deploymentId} (${s.environmentName}, ${label})` },
        `deployment ${s.deploymentId.slice(-8)}`));
  }

  await load();
  return {
    nodes: [el("h1", {}, "Workers"),
      el("p", { class: "sub" }, `What each worker last said of itself, refreshed every ${REFRESH_MS / 1000} seconds. A worker not heard from for more than ${SILENT_AFTER_MS / 1000} seconds is marked silent. `, updated),
      el("section", { class: "panel" }, body)],
    title: "Workers",
    cleanup: () => { stopped = true; clearTimeout(timer); },
  };
}
