// The Deployments page of an environment (deploy form, history with live updates) and a
// deployment's details.
import { get, post, stream, can, session } from "./api.js";
import { schedulesPanel } from "./schedules.js";
import { el, toast, confirmDialog, statusBadge, simulatedBadge, formatDate, formatTime, formatDuration, stepLabels, problemText, announce } from "./ui.js";

const modes = [
  ["optimized", "Optimized (default)"],
  ["standard", "Standard"],
  ["keepUsersConnected", "Keep users connected"],
  ["requestReconnection", "Request user reconnection"],
];

export async function deploymentsPage(name) {
  const environment = await get(`/v1/environments/${encodeURIComponent(name)}`);
  const page = await get(`/v1/environments/${encodeURIComponent(name)}/deployments?limit=50`);
  const rows = new Map();
  const tbody = el("tbody", { id: "history-rows" });
  const live = el("span", { class: "live-dot", id: "live-status" }, "connecting");
  const table = el("table", { "aria-describedby": "history-caption" },
    el("caption", { id: "history-caption", class: "visually-hidden" }, `Deployments of ${name}, newest first; updated live`),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Executed"), el("th", { scope: "col" }, "Version"), el("th", { scope: "col" }, "Status"),
      el("th", { scope: "col" }, "Steps (time of each)"), el("th", { scope: "col", class: "num" }, "Total"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
    tbody);

  function upsert(deployment, fresh = false) {
    const row = historyRow(deployment);
    const existing = rows.get(deployment.id);
    if (existing) existing.replaceWith(row); else tbody.prepend(row);
    rows.set(deployment.id, row);
    if (fresh) row.classList.add("flash");
    empty.hidden = rows.size > 0;
  }
  const empty = el("p", { class: "empty", id: "history-empty" }, "No deployments yet.");
  for (const item of [...page.items].reverse()) upsert(item);
  empty.hidden = rows.size > 0;

  const source = stream(`/v1/environments/${encodeURIComponent(name)}/events`, {
    open: () => { live.classList.add("on"); live.textContent = "live"; },
    error: () => { live.classList.remove("on"); live.textContent = "reconnecting"; },
    deployment: (details) => {
      const before = rows.get(details.id)?.dataset.status;
      upsert(details, true);
      if (before !== details.status) announce(`Deployment ${details.version || details.id.slice(-8)} is ${details.status}`);
    },
  });

  function historyRow(d) {
    const executed = d.startedAt || d.scheduledAt || d.createdAt;
    const cancellable = can("deployer") && ["scheduled", "queued", "running", "awaiting_approval", "paused"].includes(d.status);
    const version = d.outputs?.generatedVersion || d.version || "—";
    // A release that succeeded can be returned to (the API refuses the one running now, saying so).
    const returnable = can("deployer") && d.status === "succeeded" && d.kind !== "rollback";
    return el("tr", { "data-id": d.id, "data-status": d.status, "data-kind": d.kind || "release" },
      el("td", {}, d.status === "scheduled" ? el("span", {}, "Scheduled for ", el("br"), formatDate(d.scheduledAt)) : formatDate(executed)),
      el("td", { class: "mono" }, version, d.kind === "rollback"
        ? el("span", { class: "badge status-queued", title: `rolled back from ${d.rollback?.fromVersion || "?"}` }, " rollback") : null),
      el("td", {}, statusBadge(d.status)),
      el("td", {}, el("div", { class: "steps" }, (d.steps || []).map((s) =>
        el("span", { class: `step badge status-${s.status}`, title: `${stepLabels[s.name] || s.name}: ${s.status}` },
          `${stepLabels[s.name] || s.name}${s.durationMs != null ? ` · ${formatDuration(s.durationMs)}` : ""}`)))),
      el("td", { class: "num" }, formatDuration(d.durationMs)),
      el("td", {}, el("div", { class: "row" },
        el("a", { href: `#/deployments/${d.id}`, "aria-label": `Details of deployment ${version}` }, "Details"),
        cancellable ? el("button", { type: "button", class: "small danger", onclick: () => cancel(d) }, "Cancel") : null,
        returnable ? el("button", { type: "button", class: "small", "data-action": "rollback-to", onclick: () => rollBack(d) }, "Roll back to this version") : null)));
  }

  // Without `d`: the release before the one running now (the API chooses).
  async function rollBack(d) {
    const target = d ? `version ${d.outputs?.generatedVersion || d.version || d.id.slice(-8)}` : "the release before the one running now";
    const body = `Return ${name} to ${target}? Its model becomes the default again and every instance is replaced with it; no image is made.`;
    if (!(await confirmDialog({ title: "Roll back", body, confirm: "Roll back", danger: true }))) return;
    try {
      const accepted = await post(`/v1/environments/${encodeURIComponent(name)}/rollbacks`, d ? { to: d.id } : {});
      upsert(accepted, true);
      toast(`Rollback to ${accepted.rollback?.version || "the earlier version"} accepted`);
      announce(`Rollback to ${accepted.rollback?.version || "the earlier version"} accepted`);
    } catch (error) { toast(problemText(error), true); }
  }

  async function cancel(d) {
    const what = ["running", "awaiting_approval", "paused"].includes(d.status) ? "It stops before its next step." : "It will not run.";
    if (!(await confirmDialog({ title: "Cancel deployment", body: `Cancel the deployment ${d.version || d.id.slice(-8)}? ${what}`, confirm: "Cancel deployment", danger: true }))) return;
    try { await post(`/v1/deployments/${d.id}/cancel`); toast("Cancel requested"); }
    catch (error) { toast(problemText(error), true); }
  }

  const nodes = [
    el("div", { class: "crumbs" }, el("a", { href: "#/environments" }, "Environments"), " / ", name),
    el("div", { class: "row" },
      el("h1", { class: "grow" }, name, " ", statusBadge(environment.lifecycle), " ", simulatedBadge(environment)),
      can("deployer") ? el("button", { type: "button", class: "danger", id: "rollback-environment", onclick: () => rollBack(null) }, "Roll back") : null),
    el("p", { class: "sub" }, environment.description || `Provider ${environment.provider}`),
    tabs(name, "deployments"),
  ];
  if (can("deployer")) nodes.push(deployForm(environment, upsert));
  nodes.push(schedulesPanel(environment));
  nodes.push(el("section", { class: "panel", "aria-labelledby": "history-title" },
    el("div", { class: "row" }, el("h2", { id: "history-title", class: "grow" }, "History"), live), table, empty));
  return { nodes, title: `${name} deployments`, cleanup: () => source.close() };
}

export function tabs(name, current) {
  const link = (key, label, href) => el("a", { href, "aria-current": key === current ? "page" : null }, label);
  return el("nav", { class: "tabs", "aria-label": "Environment" },
    link("deployments", "Deployments", `#/environments/${encodeURIComponent(name)}`),
    link("servers", "Servers", `#/environments/${encodeURIComponent(name)}/servers`));
}

function deployForm(environment, upsert) {
  const id = (s) => `deploy-${s}`;
  const version = el("input", { type: "text", id: id("version"), placeholder: "e.g. 2.4.0 (optional)", maxlength: "100" });
  const when = el("select", { id: id("when") }, el("option", { value: "now" }, "Optimized — now"), el("option", { value: "schedule" }, "Schedule"));
  const date = el("input", { type: "date", id: id("date") });
  const time = el("input", { type: "time", id: id("time"), step: "60" });
  const scheduleFields = el("div", { class: "row", hidden: true, id: id("schedule-fields") },
    el("div", {}, el("label", { for: id("date") }, "Date"), date),
    el("div", {}, el("label", { for: id("time") }, "Time ", el("span", { class: "hint" }, "your local time")), time));
  when.addEventListener("change", () => { scheduleFields.hidden = when.value !== "schedule"; });
  const inAnHour = new Date(Date.now() + 3600_000);
  date.value = inAnHour.toLocaleDateString("en-CA");
  time.value = inAnHour.toTimeString().slice(0, 5);

  const option = (key, label) => el("label", { class: "check" }, el("input", { type: "checkbox", id: id(key), name: key }), label);
  const lock = option("lockInstances", "Lock instances while deploying");
  const stop = option("stopPreparationServer", "Stop the preparation server when creating the image");
  const terminate = option("terminateSessions", "Terminate user sessions");
  const mode = el("select", { id: id("mode") }, modes.map(([value, label]) => el("option", { value }, label)));
  const minutes = el("input", { type: "number", id: id("minutes"), min: "1", max: "1440", value: "10" });
  const message = el("input", { type: "text", id: id("message"), value: "A new version is available: please save your work and reconnect." });
  const reconnection = el("div", { class: "row", hidden: true },
    el("div", {}, el("label", { for: id("minutes") }, "Minutes to reconnect"), minutes),
    el("div", { class: "grow" }, el("label", { for: id("message") }, "Message to users"), message));
  mode.addEventListener("change", () => { reconnection.hidden = mode.value !== "requestReconnection"; });
  const emails = el("input", { type: "text", id: id("emails"), placeholder: "ops@example.com, lead@example.com", autocomplete: "off" });
  const publish = el("button", { type: "submit", class: "primary", id: id("publish") }, "Publish");
  // A freeze window holding now: said above the form; an admin may override it, saying why.
  const overrideReason = el("input", { type: "text", id: id("override-reason"), maxlength: "500", placeholder: "why it cannot wait" });
  const frozen = el("div", { id: id("frozen"), hidden: true });
  get(`/v1/environments/${encodeURIComponent(environment.name)}/freezes`).then((answer) => {
    const active = answer.items.filter((f) => f.activeUntil).sort((a, b) => Date.parse(b.activeUntil) - Date.parse(a.activeUntil));
    if (!active.length) return;
    frozen.hidden = false;
    frozen.replaceChildren(
      el("p", { class: "error", role: "note" }, `Frozen until ${formatDate(active[0].activeUntil)}: ${active[0].reason}. Deployments are refused${can("admin") ? " unless you override the freeze" : ""}.`),
      can("admin") ? el("div", { class: "row" }, el("div", { class: "grow" }, el("label", { for: id("override-reason") }, "Override the freeze because"), overrideReason)) : null);
  }).catch(() => { /* the form still works; the API refuses with the window if frozen */ });
  const disabled = environment.lifecycle !== "activated";
  if (disabled) publish.disabled = true;

  const form = el("form", {
    class: "panel", "aria-labelledby": id("title"),
    onsubmit: async (event) => {
      event.preventDefault();
      const body = {
        options: {
          lockInstances: lock.querySelector("input").checked,
          stopPreparationServer: stop.querySelector("input").checked,
          terminateSessions: terminate.querySelector("input").checked,
        },
        mode: mode.value,
      };
      if (version.value.trim()) body.version = version.value.trim();
      if (mode.value === "requestReconnection") body.reconnection = { minutes: Number(minutes.value), message: message.value };
      const list = emails.value.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
      if (list.length) body.notify = { emails: list };
      if (!frozen.hidden && overrideReason.value.trim()) body.overrideFreeze = { reason: overrideReason.value.trim() };
      let summary = "now";
      if (when.value === "schedule") {
        const at = new Date(`${date.value}T${time.value}`);
        if (Number.isNaN(at.getTime())) { toast("Choose a date and a time for the schedule.", true); return; }
        body.scheduledAt = at.toISOString();
        summary = `at ${formatDate(at)}`;
      }
      const ok = await confirmDialog({
        title: "Publish a new version",
        body: [el("p", {}, `Publish ${body.version || "a new version"} of ${environment.name} ${summary}?`),
          el("ul", {}, el("li", {}, `Mode: ${modes.find(([v]) => v === mode.value)[1]}`),
            body.options.lockInstances ? el("li", {}, "Instances locked") : null,
            body.options.stopPreparationServer ? el("li", {}, "Preparation server stopped while imaging") : null,
            body.options.terminateSessions ? el("li", {}, "User sessions terminated") : null,
            list.length ? el("li", {}, `Notify: ${list.join(", ")}`) : null)],
        confirm: "Publish",
      });
      if (!ok) return;
      publish.disabled = true;
      try {
        const deployment = await post(`/v1/environments/${encodeURIComponent(environment.name)}/deployments`, body, { "Idempotency-Key": crypto.randomUUID() });
        upsert(deployment, true);
        version.value = "";
        toast(deployment.status === "scheduled" ? `Scheduled for ${formatDate(deployment.scheduledAt)}` : "Publishing started");
        announce(`Deployment ${deployment.status}`);
      } catch (error) {
        toast(problemText(error), true);
      } finally {
        publish.disabled = disabled;
      }
    },
  },
  el("h2", { id: id("title") }, "Deploy new version"),
  disabled ? el("p", { class: "error", role: "note" }, `This environment is ${environment.lifecycle}: it does not accept deployments.`) : null,
  frozen,
  el("div", { class: "row" },
    el("div", {}, el("label", { for: id("version") }, "Version label"), version),
    el("div", {}, el("label", { for: id("when") }, "When"), when),
    scheduleFields),
  el("div", { class: "row", style: null },
    el("fieldset", { class: "grow" }, el("legend", {}, "Options"), lock, stop, terminate),
    el("div", { class: "grow" }, el("label", { for: id("mode") }, "Publish mode"), mode)),
  reconnection,
  el("div", { class: "row" }, el("div", { class: "grow" }, el("label", { for: id("emails") }, "Notification emails ", el("span", { class: "hint" }, "comma separated")), emails)),
  el("div", { class: "actions" }, publish));
  return form;
}

export async function deploymentPage(id) {
  let current = await get(`/v1/deployments/${id}`);
  const container = el("div", { id: "deployment-details" });
  const live = el("span", { class: "live-dot", id: "live-status" }, "connecting");
  const open = new Set();

  function render(d) {
    const facts = el("dl", { class: "facts" },
      el("dt", {}, "Status"), el("dd", { id: "detail-status" }, statusBadge(d.status)),
      el("dt", {}, "Owner"), el("dd", {}, d.owner || "—"),
      el("dt", {}, "Version"), el("dd", { class: "mono" }, d.version || "—"),
      el("dt", {}, "Generated version"), el("dd", { class: "mono" }, d.outputs?.generatedVersion || "—"),
      el("dt", {}, "Model version"), el("dd", { class: "mono" }, d.outputs?.mainModelVersion ? `main ${d.outputs.mainModelVersion}, backup ${d.outputs.backupModelVersion}` : "—"),
      el("dt", {}, "Image"), el("dd", { class: "mono" }, d.outputs?.imageId || "—"),
      el("dt", {}, "Mode"), el("dd", {}, d.mode || "—"),
      d.rollback ? [el("dt", {}, "Rollback"), el("dd", { id: "detail-rollback" },
        `to version ${d.rollback.version} (model ${d.rollback.modelVersion}), from version ${d.rollback.fromVersion} (model ${d.rollback.fromModelVersion})`)] : null,
      d.approval ? [el("dt", {}, "Approval"), el("dd", { id: "detail-approval" }, approvalText(d.approval))] : null,
      d.pause ? [el("dt", {}, "Health gate"), el("dd", { id: "detail-pause" }, pauseText(d.pause))] : null,
      d.scheduledAt ? [el("dt", {}, "Scheduled for"), el("dd", {}, formatDate(d.scheduledAt))] : null,
      el("dt", {}, "Start"), el("dd", {}, formatDate(d.startedAt)),
      el("dt", {}, "End"), el("dd", {}, formatDate(d.finishedAt)),
      el("dt", {}, "Total duration"), el("dd", {}, formatDuration(d.durationMs)),
      d.reason ? [el("dt", {}, "Reason"), el("dd", {}, d.reason)] : null);
    const steps = (d.steps || []).map((s) => {
      const details = el("details", { class: "stepd", "data-step": s.name, open: open.has(s.name) },
        el("summary", {}, el("span", { class: "name" }, stepLabels[s.name] || s.name), statusBadge(s.status),
          el("span", { class: "muted" }, s.startedAt ? `${formatTime(s.startedAt)} → ${formatTime(s.finishedAt)}` : ""),
          el("span", { class: "num" }, formatDuration(s.durationMs))),
        el("div", { class: "body" },
          el("p", { class: "muted" }, `Attempts: ${s.attempts}${s.worker ? ` · worker ${s.worker}` : ""}`),
          s.detail?.length ? el("ol", {}, s.detail.map((line) => el("li", {}, el("span", { class: "muted mono" }, formatTime(line.at)), " ", line.message))) : el("p", { class: "muted" }, "No detail lines."),
          s.error ? el("p", { class: "error" }, s.error) : null));
      details.addEventListener("toggle", () => { details.open ? open.add(s.name) : open.delete(s.name); });
      return details;
    });
    const cancellable = can("deployer") && ["scheduled", "queued", "running", "awaiting_approval", "paused"].includes(d.status);
    const decidable = can("deployer") && d.status === "awaiting_approval" && d.approval && !d.approval.decision;
    const ownApproval = decidable && d.approval.requireDifferentApprover && session.me?.name === d.owner;
    const paused = can("deployer") && d.status === "paused" && d.pause && !d.pause.decision;
    container.replaceChildren(...[
      el("div", { class: "crumbs" }, el("a", { href: "#/environments" }, "Environments"), " / ",
        el("a", { href: `#/environments/${encodeURIComponent(d.environmentName || "")}` }, d.environmentName || "environment"), " / ", d.id),
      el("div", { class: "row" }, el("h1", { class: "grow" }, `${d.kind === "rollback" ? "Rollback" : "Deployment"} ${d.outputs?.generatedVersion || d.version || d.id.slice(-8)}`), live,
        decidable ? el("button", {
          type: "button", class: "primary", onclick: () => decide(true), disabled: ownApproval,
          title: ownApproval ? "You submitted it: its approval must come from someone else" : null,
        }, "Approve") : null,
        decidable ? el("button", { type: "button", class: "danger", onclick: () => decide(false) }, "Reject") : null,
        paused ? el("button", { type: "button", class: "primary", onclick: () => resolve(true) }, "Resume rollout") : null,
        paused ? el("button", { type: "button", class: "danger", onclick: () => resolve(false) }, "Roll back") : null,
        cancellable ? el("button", { type: "button", class: "danger", onclick: cancel }, "Cancel deployment") : null),
      decidable ? el("p", { class: "note", role: "status", id: "approval-note" },
        `Waiting for approval before the instances are replaced, until ${formatDate(d.approval.expiresAt)}.`
          + (ownApproval ? " You submitted it, so someone else must approve it." : "")) : null,
      paused ? el("p", { class: "note", role: "status", id: "pause-note" },
        `Paused: ${d.pause.reason}. It is rolled back at ${formatDate(d.pause.expiresAt)} unless someone resumes it.`) : null,
      el("section", { class: "panel", "aria-label": "Summary" }, facts),
      el("section", { "aria-labelledby": "steps-title" }, el("h2", { id: "steps-title" }, "Steps"), steps)].filter(Boolean));
  }

  async function decide(approve) {
    const comment = el("textarea", { id: "decision-comment", rows: 2, maxlength: 1000, "aria-label": "Comment" });
    const verb = approve ? "Approve" : "Reject";
    const ok = await confirmDialog({
      title: `${verb} deployment`,
      body: [el("p", {}, approve ? "Approve it: its instances are replaced with the new version." : "Reject it: it ends rejected and its new models are undone."),
        el("label", { for: "decision-comment" }, "Comment ", el("span", { class: "hint" }, "optional")), comment],
      confirm: verb, danger: !approve,
    });
    if (!ok) return;
    const body = comment.value.trim() ? { comment: comment.value.trim().replace(/\s+/g, " ") } : {};
    try { await post(`/v1/deployments/${id}/${approve ? "approve" : "reject"}`, body); toast(`${approve ? "Approved" : "Rejected"}`); } catch (error) { toast(problemText(error), true); }
  }

  async function resolve(resume) {
    const ok = await confirmDialog({
      title: resume ? "Resume rollout" : "Roll back rollout",
      body: resume ? "Resume the rollout past its failed health gate? The next batch of instances is replaced."
        : "Roll back the rollout? The replaced instances go back to the model they ran before.",
      confirm: resume ? "Resume" : "Roll back", danger: !resume,
    });
    if (!ok) return;
    try { await post(`/v1/deployments/${id}/${resume ? "resume" : "rollback"}`); toast(resume ? "Resumed" : "Rolling back"); } catch (error) { toast(problemText(error), true); }
  }

  async function cancel() {
    if (!(await confirmDialog({ title: "Cancel deployment", body: "Cancel this deployment?", confirm: "Cancel deployment", danger: true }))) return;
    try { await post(`/v1/deployments/${id}/cancel`); toast("Cancel requested"); } catch (error) { toast(problemText(error), true); }
  }

  render(current);
  const source = stream(`/v1/deployments/${id}/events`, {
    open: () => { live.classList.add("on"); live.textContent = "live"; },
    error: () => {
      live.classList.remove("on");
      live.textContent = current.status && ["succeeded", "failed", "cancelled", "rejected", "rolled_back"].includes(current.status) ? "finished" : "reconnecting";
      if (live.textContent === "finished") source.close();
    },
    deployment: (d) => {
      if (d.status !== current.status) announce(`Deployment is ${d.status}`);
      current = d;
      render(d);
    },
  });
  return { nodes: [container], title: `Deployment ${id.slice(-8)}`, cleanup: () => source.close() };
}

/** Where an approval stands, in words. */
function approvalText(a) {
  const comment = a.comment ? `: ${a.comment}` : "";
  switch (a.decision) {
    case "approved": return `approved by ${a.decidedBy} at ${formatDate(a.decidedAt)}${comment}`;
    case "rejected": return `rejected by ${a.decidedBy} at ${formatDate(a.decidedAt)}${comment}`;
    case "expired": return `nobody decided by ${formatDate(a.expiresAt)}`;
    default: return `awaiting ${a.approvers.length ? a.approvers.join(", ") : "any deployer"} until ${formatDate(a.expiresAt)}`
      + (a.requireDifferentApprover ? " (not its owner)" : "");
  }
}

/** Where a paused rollout stands, in words. */
function pauseText(p) {
  switch (p.decision) {
    case "resumed": return `resumed by ${p.decidedBy} at ${formatDate(p.decidedAt)} after: ${p.reason}`;
    case "rolled_back": return `rolled back by ${p.decidedBy} at ${formatDate(p.decidedAt)} after: ${p.reason}`;
    case "expired": return `rolled back: nobody decided by ${formatDate(p.expiresAt)} after: ${p.reason}`;
    default: return `paused: ${p.reason}`;
  }
}
