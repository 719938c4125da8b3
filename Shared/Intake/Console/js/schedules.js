// The recurring schedules of an environment, on its Deployments page: each with its next runs,
// pause, resume and delete, and a form to create one (deployers).
import { get, post, del, can } from "./api.js";
import { el, toast, confirmDialog, formatDate, problemText, announce } from "./ui.js";

export function schedulesPanel(environment) {
  const base = `/v1/environments/${encodeURIComponent(environment.name)}/schedules`;
  const tbody = el("tbody", { id: "schedule-rows" });
  const empty = el("p", { class: "empty", id: "schedules-empty" }, "No recurring schedules.");

  async function refresh() {
    try {
      const answer = await get(base);
      tbody.replaceChildren(...answer.items.map(row));
      empty.hidden = answer.items.length > 0;
    } catch (error) {
      toast(problemText(error), true);
    }
  }

  function row(s) {
    const state = s.active ? "active" : s.enabled ? "environment inactive" : "paused";
    const version = s.deployment.version || "—";
    const act = async (path, done) => {
      try { await post(`${base}/${s.id}/${path}`); toast(done); announce(done); await refresh(); }
      catch (error) { toast(problemText(error), true); }
    };
    const remove = async () => {
      if (!(await confirmDialog({ title: "Delete schedule", body: `Delete the schedule ${s.cron} (${s.timeZone})? What it deployed stays in the history.`, confirm: "Delete", danger: true }))) return;
      try { await del(`${base}/${s.id}`); toast("Schedule deleted"); await refresh(); }
      catch (error) { toast(problemText(error), true); }
    };
    return el("tr", { "data-id": s.id, "data-state": state },
      el("td", { class: "mono" }, s.cron),
      el("td", {}, s.timeZone),
      el("td", { class: "mono" }, version),
      el("td", {}, el("span", { class: `badge ${s.active ? "status-running" : "status-cancelled"}` }, state)),
      el("td", {}, s.nextOccurrences.length ? el("ul", { class: "next-runs" }, s.nextOccurrences.slice(0, 3).map((at) => el("li", {}, formatDate(at)))) : "—"),
      el("td", {}, can("deployer") ? el("div", { class: "row" },
        s.enabled
          ? el("button", { type: "button", class: "small", onclick: () => act("pause", "Schedule paused") }, "Pause")
          : el("button", { type: "button", class: "small", onclick: () => act("resume", "Schedule resumed") }, "Resume"),
        el("button", { type: "button", class: "small danger", onclick: remove }, "Delete")) : null));
  }

  const table = el("table", { "aria-describedby": "schedules-caption" },
    el("caption", { id: "schedules-caption", class: "visually-hidden" }, `Recurring schedules of ${environment.name}`),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Cron"), el("th", { scope: "col" }, "Time zone"), el("th", { scope: "col" }, "Version"),
      el("th", { scope: "col" }, "State"), el("th", { scope: "col" }, "Next runs"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
    tbody);

  const id = (s) => `schedule-${s}`;
  const cron = el("input", { type: "text", id: id("cron"), placeholder: "0 3 * * SUN", required: true, autocomplete: "off" });
  const zone = el("input", { type: "text", id: id("zone"), value: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", required: true });
  const version = el("input", { type: "text", id: id("version"), placeholder: "nightly-{date} (optional)", maxlength: "100" });
  const misfire = el("select", { id: id("misfire") }, el("option", { value: "skip" }, "Skip runs missed while down"), el("option", { value: "runOnce" }, "Run once for missed runs"));
  const create = el("button", { type: "submit", class: "primary", id: id("create") }, "Add schedule");
  const form = can("deployer") ? el("form", {
    class: "row", "aria-labelledby": id("form-title"),
    onsubmit: async (event) => {
      event.preventDefault();
      const deployment = {};
      if (version.value.trim()) deployment.version = version.value.trim();
      create.disabled = true;
      try {
        const created = await post(base, { cron: cron.value.trim(), timeZone: zone.value.trim(), misfire: misfire.value, deployment });
        toast(created.nextOccurrences.length ? `Schedule added; next run ${formatDate(created.nextOccurrences[0])}` : "Schedule added");
        cron.value = "";
        await refresh();
      } catch (error) {
        toast(problemText(error), true);
      } finally {
        create.disabled = false;
      }
    },
  },
  el("h3", { id: id("form-title"), class: "visually-hidden" }, "Add a recurring schedule"),
  el("div", {}, el("label", { for: id("cron") }, "Cron ", el("span", { class: "hint" }, "min hour day month weekday")), cron),
  el("div", {}, el("label", { for: id("zone") }, "Time zone"), zone),
  el("div", {}, el("label", { for: id("version") }, "Version ", el("span", { class: "hint" }, "{date} {time}")), version),
  el("div", {}, el("label", { for: id("misfire") }, "If missed"), misfire),
  el("div", { class: "actions" }, create)) : null;

  refresh();
  return el("section", { class: "panel", "aria-labelledby": "schedules-title", id: "schedules" },
    el("h2", { id: "schedules-title" }, "Recurring schedules"), form, table, empty);
}
