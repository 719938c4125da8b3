// An environment's servers (preparation and support) with start, stop and restart.
import { get, post, can } from "./api.js";
import { el, toast, confirmDialog, statusBadge, formatDate, problemText, announce } from "./ui.js";
import { money } from "./ui.js";
import { tabs } from "./deployments.js";

export async function serversPage(name) {
  const environment = await get(`/v1/environments/${encodeURIComponent(name)}`);
  const body = el("div", { id: "servers" }, el("p", { class: "muted" }, "Asking a worker…"));
  let timer = null;

  async function load() {
    try {
      const answer = await get(`/v1/environments/${encodeURIComponent(name)}/servers`);
      render(answer);
      const transitioning = answer.items.some((s) => ["pending", "stopping", "rebooting"].includes(s.status));
      clearTimeout(timer);
      if (transitioning) timer = setTimeout(load, 1000);
    } catch (error) {
      body.replaceChildren(el("div", { class: "panel error", role: "alert" }, problemText(error)));
    }
  }

  function render(answer) {
    const preparation = answer.items.filter((s) => s.role === "preparation");
    const support = answer.items.filter((s) => s.role === "support");
    const cost = answer.cost;
    body.replaceChildren(
      el("section", { class: "panel", "aria-labelledby": "prep-title" }, el("h2", { id: "prep-title" }, "Preparation server"),
        preparation.length ? preparation.map(serverFacts) : el("p", { class: "empty" }, "None reported.")),
      el("section", { class: "panel", "aria-labelledby": "support-title" }, el("h2", { id: "support-title" }, "Support servers"),
        support.length ? serverTable(support) : el("p", { class: "empty" }, "None.")),
      el("section", { class: "panel", "aria-labelledby": "cost-title" }, el("h2", { id: "cost-title" }, "Cost so far"),
        el("p", {}, el("strong", { id: "cost-total" }, money(cost.total)), el("span", { class: "muted" },
          ` for running servers since their launch, at configured hourly rates · as of ${formatDate(cost.asOf)}`)),
        cost.unpricedInstanceTypes.length ? el("p", { class: "hint" }, `No rate configured for ${cost.unpricedInstanceTypes.join(", ")} (HANGAR_INSTANCE_RATES).`) : null,
        el("p", { class: "hint" }, `Answered by worker ${answer.worker}.`)));
  }

  function serverFacts(s) {
    return el("div", { "data-server": s.id },
      el("dl", { class: "facts" },
        el("dt", {}, "Name"), el("dd", {}, s.name),
        el("dt", {}, "Id"), el("dd", { class: "mono" }, s.id),
        el("dt", {}, "Public IP"), el("dd", { class: "mono" }, s.publicIP || "—"),
        el("dt", {}, "Private IP"), el("dd", { class: "mono" }, s.privateIP || "—"),
        el("dt", {}, "Platform"), el("dd", {}, s.platform || "—"),
        el("dt", {}, "Instance type"), el("dd", {}, s.instanceType || "—"),
        el("dt", {}, "Server status"), el("dd", { class: "server-status" }, statusBadge(s.status, "server")),
        el("dt", {}, "Image status"), el("dd", {}, s.imageStatus ? statusBadge(s.imageStatus) : "—"),
        el("dt", {}, "Launched"), el("dd", {}, formatDate(s.launchedAt))),
      actions(s),
      s.role === "preparation" ? preparationActions() : null);
  }

  // What the preparation server is for: publishing a new version made on it; and asking the
  // provider again for how the servers stand now.
  function preparationActions() {
    const refresh = el("button", {
      type: "button", class: "small", "data-action": "refresh", title: "Ask the provider for the servers' current state now",
      onclick: async () => { await load(); toast("Updated from the provider"); announce("Servers updated from the provider"); },
    }, "Force provider update");
    const publish = can("deployer") && environment.lifecycle === "activated"
      ? el("a", { class: "btn small", href: `#/environments/${encodeURIComponent(name)}`, "data-action": "publish" }, "Publish new version")
      : null;
    return el("div", { class: "actions" }, publish, refresh);
  }

  function serverTable(list) {
    return el("table", {},
      el("thead", {}, el("tr", {}, ["Name", "Private IP", "Platform", "Type", "Status", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, list.map((s) => el("tr", { "data-server": s.id },
        el("td", {}, s.name, el("div", { class: "hint mono" }, s.id)), el("td", { class: "mono" }, s.privateIP || "—"),
        el("td", {}, s.platform || "—"), el("td", {}, s.instanceType || "—"), el("td", { class: "server-status" }, statusBadge(s.status, "server")),
        el("td", {}, actions(s))))));
  }

  function actions(s) {
    if (!can("deployer") || environment.lifecycle === "released") return null;
    const button = (action, label, danger) => el("button", {
      type: "button", class: `small${danger ? " danger" : ""}`, "data-action": action,
      onclick: async () => {
        if (!(await confirmDialog({ title: `${label} ${s.name}`, body: `${label} the server ${s.name} (${s.id})?`, confirm: label, danger }))) return;
        try {
          const server = await post(`/v1/environments/${encodeURIComponent(name)}/servers/${encodeURIComponent(s.id)}/actions/${action}`);
          toast(`${s.name}: ${server.status}`);
          announce(`${s.name} is ${server.status}`);
          await load();
        } catch (error) { toast(problemText(error), true); }
      },
    }, label);
    // Only what makes sense now: a stopped server can start, a running one restart or stop.
    if (s.status === "stopped") return el("div", { class: "actions" }, button("start", "Start"));
    if (s.status === "running") return el("div", { class: "actions" }, button("restart", "Restart"), button("stop", "Stop", true));
    return el("div", { class: "actions" }, el("span", { class: "muted" }, `${s.status}…`));
  }

  load();
  return {
    nodes: [el("div", { class: "crumbs" }, el("a", { href: "#/environments" }, "Environments"), " / ", name),
      el("h1", {}, name, " ", statusBadge(environment.lifecycle)), el("p", { class: "sub" }, "Servers as the provider reports them."),
      tabs(name, "servers"), body],
    title: `${name} servers`,
    cleanup: () => clearTimeout(timer),
  };
}
