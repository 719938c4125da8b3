// An environment's servers (preparation and support) with start, stop and restart, and the
// preparation server's scheduled shutdown (schedule, extend, cancel), and how to connect to each.
import { get, post, put, del, can } from "./api.js";
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
      else {
        // Look again once a scheduled shutdown within the next hour has had time to happen.
        const due = answer.items.map((s) => s.scheduledShutdown && Date.parse(s.scheduledShutdown.at)).filter(Boolean);
        const wait = due.length ? Math.max(Math.min(...due) - Date.now(), 0) + 2000 : null;
        if (wait !== null && wait < 3600_000) timer = setTimeout(load, wait);
      }
    } catch (error) {
      body.replaceChildren(el("div", { class: "panel error", role: "alert" }, problemText(error)));
    }
  }

  function render(answer) {
    const preparation = answer.items.filter((s) => s.role === "preparation");
    const support = answer.items.filter((s) => s.role === "support");
    const instances = answer.items.filter((s) => s.role === "instance");
    const cost = answer.cost;
    body.replaceChildren(
      el("section", { class: "panel", "aria-labelledby": "prep-title" }, el("h2", { id: "prep-title" }, "Preparation server"),
        preparation.length ? preparation.map(serverFacts) : el("p", { class: "empty" }, "None reported.")),
      el("section", { class: "panel", "aria-labelledby": "support-title" }, el("h2", { id: "support-title" }, "Support servers"),
        support.length ? serverTable(support) : el("p", { class: "empty" }, "None.")),
      el("section", { class: "panel", "aria-labelledby": "instances-title" }, el("h2", { id: "instances-title" }, "Instance group"),
        el("p", { class: "hint" }, "Started, stopped and replaced by the group; deployments replace them."),
        instances.length ? instanceTable(instances) : el("p", { class: "empty" }, "No instances.")),
      el("section", { class: "panel", "aria-labelledby": "cost-title" }, el("h2", { id: "cost-title" }, "Cost so far"),
        el("p", {}, el("strong", { id: "cost-total" }, money(cost.total)), el("span", { class: "muted" },
          ` for what runs now since its launch, at ${cost.region} prices · as of ${formatDate(cost.asOf)}`)),
        costTable(cost.lines),
        cost.unpricedInstanceTypes.length ? el("p", { class: "hint" }, `No price for ${cost.unpricedInstanceTypes.join(", ")} in ${cost.region} (HANGAR_INSTANCE_PRICES adds prices).`) : null,
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
        el("dt", {}, "Launched"), el("dd", {}, formatDate(s.launchedAt)),
        s.role === "preparation" ? [el("dt", {}, "Scheduled shutdown"), el("dd", { class: "shutdown" }, shutdownText(s.scheduledShutdown))] : null),
      actions(s),
      connectButton(s),
      s.role === "preparation" ? shutdownActions(s) : null,
      s.role === "preparation" ? preparationActions() : null);
  }

  function shutdownText(shutdown) {
    if (!shutdown) return "None";
    const parts = [formatDate(shutdown.at), el("span", { class: "muted" }, ` · by ${shutdown.requestedBy}`)];
    if (shutdown.failedAttempts) {
      parts.push(el("div", { class: "hint error" }, `${shutdown.failedAttempts} failed attempt${shutdown.failedAttempts > 1 ? "s" : ""}: ${shutdown.lastError || "unknown error"}; trying again`));
    }
    return parts;
  }

  // Schedule the server's stop at a date and time, move it an hour later, or cancel it.
  function shutdownActions(s) {
    if (!can("deployer") || environment.lifecycle === "released") return null;
    const path = `/v1/environments/${encodeURIComponent(name)}/servers/${encodeURIComponent(s.id)}/shutdown`;
    const schedule = async (at, title, text) => {
      if (!(await confirmDialog({ title, body: text, confirm: title }))) return;
      try {
        const server = await put(path, { at: at.toISOString() });
        toast(`${s.name} stops at ${formatDate(server.scheduledShutdown.at)}`);
        announce(`${s.name} is scheduled to stop at ${formatDate(server.scheduledShutdown.at)}`);
        await load();
      } catch (error) { toast(problemText(error), true); }
    };
    if (s.scheduledShutdown) {
      const extend = el("button", {
        type: "button", class: "small", "data-action": "extend-shutdown",
        onclick: () => {
          const at = new Date(Math.max(Date.parse(s.scheduledShutdown.at), Date.now()) + 3600_000);
          schedule(at, "Extend shutdown", `Stop ${s.name} one hour later, at ${formatDate(at)}?`);
        },
      }, "Extend 1 h");
      const cancel = el("button", {
        type: "button", class: "small danger", "data-action": "cancel-shutdown",
        onclick: async () => {
          if (!(await confirmDialog({ title: "Cancel shutdown", body: `Keep ${s.name} running (cancel the shutdown at ${formatDate(s.scheduledShutdown.at)})?`, confirm: "Cancel shutdown", danger: true }))) return;
          try {
            await del(path);
            toast(`${s.name}: shutdown cancelled`);
            announce(`The shutdown of ${s.name} is cancelled`);
            await load();
          } catch (error) { toast(problemText(error), true); }
        },
      }, "Cancel shutdown");
      return el("div", { class: "actions" }, extend, cancel);
    }
    if (s.status !== "running") return null;
    // Default: two hours from now, in the browser's time zone.
    const later = new Date(Date.now() + 2 * 3600_000);
    const pad = (n) => String(n).padStart(2, "0");
    const date = el("input", { type: "date", id: "shutdown-date", "aria-label": "Shutdown date", value: `${later.getFullYear()}-${pad(later.getMonth() + 1)}-${pad(later.getDate())}` });
    const time = el("input", { type: "time", id: "shutdown-time", "aria-label": "Shutdown time", value: `${pad(later.getHours())}:${pad(later.getMinutes())}` });
    const button = el("button", {
      type: "button", class: "small", "data-action": "schedule-shutdown",
      onclick: () => {
        const at = new Date(`${date.value}T${time.value}`);
        if (Number.isNaN(at.getTime())) { toast("Choose a date and a time for the shutdown.", true); return; }
        schedule(at, "Schedule shutdown", `Stop ${s.name} at ${formatDate(at)}?`);
      },
    }, "Schedule shutdown");
    return el("div", { class: "actions" }, date, time, button);
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
        el("td", {}, actions(s), connectButton(s))))));
  }

  function instanceTable(list) {
    return el("table", { id: "instances" },
      el("thead", {}, el("tr", {}, ["Name", "Private IP", "Type", "Model", "Health", "Status", "Launched", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, list.map((s) => el("tr", { "data-server": s.id },
        el("td", {}, s.name, el("div", { class: "hint mono" }, s.id)), el("td", { class: "mono" }, s.privateIP || "—"),
        el("td", {}, s.instanceType || "—"), el("td", { class: "mono model-version" }, s.modelVersion || "—"),
        el("td", { class: "health" }, s.health || "—"),
        el("td", { class: "server-status" }, statusBadge(s.status, "server")),
        el("td", {}, formatDate(s.launchedAt)), el("td", {}, connectButton(s))))));
  }

  // Each priced line: hours since launch × the hourly price.
  function costTable(lines) {
    if (!lines.length) return null;
    return el("table", { id: "cost-lines" },
      el("thead", {}, el("tr", {}, ["Name", "Role", "Type", "Hours", "Per hour", "Cost"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, lines.map((l) => el("tr", { "data-server": l.serverId },
        el("td", {}, l.name), el("td", {}, l.role), el("td", {}, `${l.instanceType || "—"} (${l.platform})`),
        el("td", {}, l.hours.toFixed(2)), el("td", {}, l.hourlyRate === undefined ? "no price" : money(l.hourlyRate)),
        el("td", {}, l.cost === undefined ? "—" : money(l.cost))))));
  }

  // How to connect: the commands to run on one's own machine, each with a copy button.
  function connectButton(s) {
    if (environment.lifecycle === "released") return null;
    return el("button", {
      type: "button", class: "small", "data-action": "connect",
      onclick: async () => {
        try {
          const answer = await get(`/v1/environments/${encodeURIComponent(name)}/servers/${encodeURIComponent(s.id)}/connection`);
          const commands = answer.commands.map((c) => el("div", { class: "connect-command", "data-purpose": c.purpose },
            el("p", {}, c.purpose === "rdp" ? "Remote desktop" : "Shell"),
            el("pre", { class: "mono" }, c.command),
            el("button", {
              type: "button", class: "small", "data-action": "copy",
              onclick: async () => {
                try { await navigator.clipboard.writeText(c.command); toast("Copied"); } catch { toast("Copy it by hand: the browser refused", true); }
              },
            }, "Copy"),
            c.then ? el("p", { class: "hint" }, `Then ${c.then}.`) : null));
          await confirmDialog({
            title: `Connect to ${s.name}`,
            body: [el("p", { class: answer.simulated ? "connect-note simulated" : "connect-note" }, answer.note), ...commands],
            confirm: "Done",
          });
        } catch (error) { toast(problemText(error), true); }
      },
    }, "Connect");
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
