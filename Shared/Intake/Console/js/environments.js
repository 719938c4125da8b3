// The environment list: lifecycle, cost so far, and the actions a role may take.
import { get, post, api, can } from "./api.js";
import { el, toast, confirmDialog, statusBadge, simulatedBadge, formatDate, problemText, announce } from "./ui.js";
import { money } from "./ui.js";

export async function environmentsPage() {
  const { items } = await get("/v1/environments");
  const cards = el("div", { class: "cards", id: "environment-cards" });
  const render = (list) => cards.replaceChildren(...(list.length ? list.map(card) : [el("p", { class: "empty" }, "No environments yet.")]));
  render(items);

  async function refresh() { render((await get("/v1/environments")).items); }

  function card(env) {
    const cost = el("dd", { class: "cost" }, el("span", { class: "muted" }, "…"));
    const instances = el("dd", { class: "instances" }, el("span", { class: "muted" }, "…"));
    loadCost(env, cost, instances);
    const actions = el("div", { class: "actions" },
      // A viewer cannot deploy: the same page is its history.
      can("deployer")
        ? el("a", { href: `#/environments/${encodeURIComponent(env.name)}`, class: "btn primary", "aria-label": `Deploy to ${env.name} and its history` }, "Deploy")
        : el("a", { href: `#/environments/${encodeURIComponent(env.name)}`, class: "btn primary", "aria-label": `The history of ${env.name}` }, "History"),
      el("a", { href: `#/environments/${encodeURIComponent(env.name)}/servers`, class: "btn" }, "Servers"));
    if (can("admin")) {
      actions.append(el("button", { type: "button", onclick: () => edit(env) }, "Edit"));
      if (env.lifecycle === "activated") actions.append(lifecycleButton(env, "suspend", "Suspend"));
      if (env.lifecycle !== "activated") actions.append(lifecycleButton(env, "resume", "Resume"));
      if (env.lifecycle !== "released") actions.append(lifecycleButton(env, "release", "Release", true));
      actions.append(el("button", { type: "button", class: "danger", onclick: () => remove(env) }, "Delete"));
    }
    return el("section", { class: "panel card", "aria-labelledby": `env-${env.id}`, "data-environment": env.name },
      el("h2", { id: `env-${env.id}` }, env.name, statusBadge(env.lifecycle), simulatedBadge(env)),
      env.description ? el("p", { class: "muted" }, env.description) : null,
      el("dl", { class: "facts" },
        el("dt", {}, "Provider"), el("dd", {}, env.provider),
        el("dt", {}, "Instance type"), el("dd", {}, env.instanceType || "—"),
        el("dt", {}, "Region"), el("dd", {}, env.region || "—"),
        el("dt", {}, "Instance status"), instances,
        el("dt", {}, "Last running"), el("dd", {}, env.lifecycle === "activated" ? "running now" : formatDate(env.lastRunningAt)),
        el("dt", {}, "Cost so far"), cost),
      env.lifecycleReport?.length
        ? el("details", { class: "lifecycle-report" },
          el("summary", {}, env.lifecycle === "released" ? "What the release did" : "What the last resume did"),
          el("ul", {}, env.lifecycleReport.map((line) => el("li", {}, line))))
        : null,
      actions);
  }

  // The cost report lists each server and instance of the group with its status: the card
  // shows the cost and how the group's instances stand.
  async function loadCost(env, target, instances) {
    try {
      const report = await get(`/v1/environments/${encodeURIComponent(env.name)}/cost`);
      const hours = report.lines.reduce((sum, line) => sum + line.hours, 0);
      target.replaceChildren(money(report.total), el("span", { class: "hint" }, ` · ${hours.toFixed(1)} instance-hours`));
      const counts = {};
      for (const line of report.lines.filter((l) => l.role === "instance")) counts[line.status] = (counts[line.status] || 0) + 1;
      const parts = Object.entries(counts).sort().map(([status, count]) => `${count} ${status}`);
      instances.replaceChildren(parts.length ? parts.join(", ") : "none");
    } catch (error) {
      target.replaceChildren(el("span", { class: "muted", title: error.message }, "unavailable"));
      instances.replaceChildren(el("span", { class: "muted", title: error.message }, "unavailable"));
    }
  }

  function lifecycleButton(env, action, label, danger = false) {
    return el("button", {
      type: "button", class: danger ? "danger" : "",
      onclick: async () => {
        const text = {
          suspend: `Suspend ${env.name}? It will refuse new deployments until resumed.`,
          resume: env.lifecycle === "released"
            ? `Resume ${env.name}? Its instance group gets its capacity back and the servers the release stopped start again; it accepts deployments again.`
            : `Resume ${env.name}? It will accept deployments again.`,
          release: `Release ${env.name}? Its instance group is scaled to zero and its servers are stopped (cost stops); it refuses deployments until resumed.`,
        }[action];
        if (!(await confirmDialog({ title: `${label} environment`, body: text, confirm: label, danger }))) return;
        try {
          const changed = await post(`/v1/environments/${encodeURIComponent(env.name)}/actions/${action}`);
          toast(`${env.name}: ${action} done${changed.lifecycleReport?.length ? ` (${changed.lifecycleReport.length} changes in the cloud)` : ""}`);
          announce(`${env.name} ${action} done`);
          await refresh();
        } catch (error) { toast(problemText(error), true); }
      },
    }, label);
  }

  async function remove(env) {
    const typed = el("input", { type: "text", id: "confirm-name", autocomplete: "off" });
    const ok = await confirmDialog({
      title: "Delete environment",
      body: [el("p", {}, `Delete ${env.name}? This cannot be undone. Its history stays readable by id.`), el("label", { for: "confirm-name" }, `Type ${env.name} to confirm`), typed],
      confirm: "Delete", danger: true,
    });
    if (!ok) return;
    if (typed.value !== env.name) { toast("The name did not match; nothing was deleted.", true); return; }
    try { await api("DELETE", `/v1/environments/${encodeURIComponent(env.name)}`); toast(`${env.name} deleted`); await refresh(); }
    catch (error) { toast(problemText(error), true); }
  }

  async function edit(env) {
    const fields = {
      description: el("input", { type: "text", id: "edit-description", value: env.description || "" }),
      instanceType: el("input", { type: "text", id: "edit-instance-type", value: env.instanceType || "" }),
      region: el("input", { type: "text", id: "edit-region", value: env.region || "" }),
    };
    const ok = await confirmDialog({
      title: `Edit ${env.name}`,
      body: [el("label", { for: "edit-description" }, "Description"), fields.description,
        el("label", { for: "edit-instance-type" }, "Instance type"), fields.instanceType,
        el("label", { for: "edit-region" }, "Region"), fields.region],
      confirm: "Save",
    });
    if (!ok) return;
    const body = {};
    for (const [key, input] of Object.entries(fields)) body[key] = input.value.trim() || (key === "description" ? "" : null);
    try { await api("PATCH", `/v1/environments/${encodeURIComponent(env.name)}`, body); toast("Saved"); await refresh(); }
    catch (error) { toast(problemText(error), true); }
  }

  const nodes = [el("h1", {}, "Environments"), el("p", { class: "sub" }, "Publish new versions of each environment's servers.")];
  if (can("admin")) nodes.push(createForm(refresh));
  nodes.push(cards);
  return { nodes, title: "Environments" };
}

function createForm(refresh) {
  const name = el("input", { type: "text", id: "new-name", required: true, pattern: "[a-z0-9][a-z0-9-]{0,62}" });
  const description = el("input", { type: "text", id: "new-description" });
  return el("details", { class: "panel" }, el("summary", {}, "New environment"),
    el("form", {
      class: "row", onsubmit: async (event) => {
        event.preventDefault();
        try {
          await post("/v1/environments", { name: name.value.trim(), description: description.value.trim(), provider: "simulated", target: { stepDurationMs: 400 } });
          toast(`${name.value} created`); name.value = ""; description.value = ""; await refresh();
        } catch (error) { toast(problemText(error), true); }
      },
    },
    el("div", {}, el("label", { for: "new-name" }, "Name ", el("span", { class: "hint" }, "lowercase, digits, dashes")), name),
    el("div", { class: "grow" }, el("label", { for: "new-description" }, "Description"), description),
    el("button", { type: "submit", class: "primary" }, "Create (simulated provider)")));
}
