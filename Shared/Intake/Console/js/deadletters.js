// Dead letters (GET /v1/dead-letters, admin): messages no consumer could process, kept by the
// recorder until an admin replays them (published to their queue again) or purges them. Both
// are carried out asynchronously: the page marks the row as requested until it leaves the list.
import { get, post, del } from "./api.js";
import { el, toast, confirmDialog, formatDate, formatTime, problemText, announce } from "./ui.js";

const REFRESH_MS = 5000;
const SHOWN = 100;
const uuid = /^[0-9a-fA-F-]{36}$/;

export async function deadLettersPage(query = "") {
  let queue = new URLSearchParams(query).get("queue") || "";
  const body = el("div", { id: "dead-letters" });
  const updated = el("span", { class: "muted", id: "dead-letters-updated" });
  const select = el("select", { id: "dead-letter-queue", "aria-describedby": "dead-letter-count" });
  const count = el("p", { class: "hint", id: "dead-letter-count", "aria-live": "polite" });
  const filter = el("div", { class: "row filter", hidden: true },
    el("div", {}, el("label", { for: "dead-letter-queue" }, "Queue"), select), count);
  // id → "replay" | "purge": requested, not yet gone from the list.
  const pending = new Map();
  let optionsKey = null;
  let timer = null;
  let stopped = false;
  let sequence = 0;

  select.addEventListener("change", () => {
    queue = select.value;
    // Keep the filter in the address (bookmarkable) without the router rendering the page again.
    history.replaceState(null, "", queue ? `#/dead-letters?queue=${encodeURIComponent(queue)}` : "#/dead-letters");
    load();
  });

  function schedule(ms) {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(load, ms);
  }

  async function load() {
    const mine = ++sequence;
    try {
      const path = (parameters) => `/v1/dead-letters?${new URLSearchParams(parameters)}`;
      const everything = get(path({ limit: "500" }));
      const shown = queue ? get(path({ queue, limit: String(SHOWN) })) : everything;
      const [all, list] = await Promise.all([everything, shown]);
      if (mine !== sequence || stopped) return;
      const items = list.items.slice(0, SHOWN);
      for (const id of [...pending.keys()]) if (!all.items.some((item) => item.id === id)) pending.delete(id);
      updateOptions(all.items);
      filter.hidden = false;
      const total = all.items.length;
      count.textContent = `${total >= 500 ? "500 or more" : total} dead letter${total === 1 ? "" : "s"} kept` +
        (queue ? `, ${list.items.length} from ${queue}` : "") + (items.length === SHOWN ? `; the newest ${SHOWN} shown` : "") + ".";
      render(items);
      updated.textContent = `Updated ${formatTime(new Date())}.`;
      schedule(REFRESH_MS);
    } catch (error) {
      if (mine !== sequence || stopped) return;
      filter.hidden = true;
      body.replaceChildren(el("div", { class: "error", role: "alert", id: "dead-letters-error" }, problemText(error)));
      // Not allowed stays not allowed: no point in asking again every few seconds.
      if (![401, 403].includes(error.status)) schedule(REFRESH_MS);
    }
  }

  /// The queues that have dead letters (and the chosen one, even once it has none left).
  function updateOptions(all) {
    const queues = [...new Set(all.map((item) => item.queue))];
    if (queue && !queues.includes(queue)) queues.push(queue);
    queues.sort();
    const key = queues.join("\n");
    if (key !== optionsKey) {
      optionsKey = key;
      select.replaceChildren(el("option", { value: "" }, "All queues"), ...queues.map((name) => el("option", { value: name }, name)));
    }
    select.value = queue;
  }

  function render(items) {
    if (!items.length) {
      body.replaceChildren(el("p", { class: "empty", id: "dead-letters-empty" }, queue ? `No dead letters from ${queue}.` : "No dead letters."));
      return;
    }
    body.replaceChildren(el("div", { class: "table-scroll" }, el("table", { class: "dead-letters" },
      el("caption", { class: "visually-hidden" }, `Dead letters${queue ? ` from ${queue}` : ""}, newest first`),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "First seen"), el("th", { scope: "col" }, "Queue"), el("th", { scope: "col" }, "Reason"),
        el("th", { scope: "col" }, "Type"), el("th", { scope: "col" }, "Deployment"), el("th", { scope: "col", class: "num" }, "Replays"),
        el("th", { scope: "col" }, "Preview"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
      el("tbody", { id: "dead-letter-rows" }, items.map(row)))));
  }

  function row(item) {
    const requested = pending.get(item.id);
    const name = item.messageType || "message";
    const button = (action, label, danger) => el("button", {
      type: "button", class: `small${danger ? " danger" : ""}`, "data-action": action, disabled: Boolean(requested),
      "aria-label": `${label} the ${name} from ${item.queue} first seen ${formatDate(item.firstSeenAt)}`,
      onclick: () => act(item, action),
    }, label);
    return el("tr", { "data-id": item.id, "data-queue": item.queue, "data-message-id": item.messageId, "data-replays": String(item.replays) },
      el("td", { class: "first-seen" }, el("time", { datetime: item.firstSeenAt }, formatDate(item.firstSeenAt))),
      el("td", { class: "mono" }, item.queue),
      el("td", { class: "reason" }, item.reason),
      el("td", {}, item.messageType ? el("span", { class: "mono" }, item.messageType) : "—",
        item.messageId ? el("div", { class: "hint mono", title: "message id" }, item.messageId) : null),
      el("td", {}, !item.deploymentId ? "—" : uuid.test(item.deploymentId)
        ? el("a", { href: `#/deployments/${item.deploymentId}`, class: "mono", "aria-label": `Deployment ${item.deploymentId}` }, item.deploymentId.slice(-8))
        : el("span", { class: "mono" }, item.deploymentId)),
      el("td", { class: "num replays" }, item.replays),
      el("td", { class: "preview" }, item.preview ? el("pre", {}, el("code", {}, item.preview)) : el("span", { class: "muted" }, "(empty body)")),
      el("td", {}, el("div", { class: "row-actions" },
        requested ? el("span", { class: "badge status-pending", "data-pending": requested }, `${requested} requested`) : null,
        button("replay", "Replay"), button("purge", "Purge", true))));
  }

  async function act(item, action) {
    const name = item.messageType || "message";
    const confirmed = action === "replay"
      ? await confirmDialog({
        title: "Replay dead letter",
        body: [el("p", {}, `Publish the ${name} to ${item.queue} again?`),
          el("p", { class: "hint" }, "If it still cannot be processed it comes back here, with one more replay.")],
        confirm: "Replay" })
      : await confirmDialog({
        title: "Purge dead letter",
        body: [el("p", {}, `Forget the ${name} from ${item.queue} for good?`), el("p", { class: "hint" }, "It cannot be replayed afterwards.")],
        confirm: "Purge", danger: true });
    if (!confirmed) return;
    try {
      const path = `/v1/dead-letters/${encodeURIComponent(item.id)}`;
      if (action === "replay") await post(`${path}/replay`); else await del(path);
      pending.set(item.id, action);
      const text = action === "replay" ? `Replay of the ${name} requested` : `Purge of the ${name} requested`;
      toast(text);
      announce(text);
    } catch (error) {
      toast(problemText(error), true);
    }
    // The recorder carries it out within a second or so: look again soon, then as usual.
    await load();
    schedule(1000);
  }

  await load();
  return {
    nodes: [el("h1", {}, "Dead letters"),
      el("p", { class: "sub" }, `Messages no consumer could process, kept until replayed or purged; newest first, refreshed every ${REFRESH_MS / 1000} seconds. `, updated),
      el("section", { class: "panel", "aria-label": "Dead letters" }, filter, body)],
    title: "Dead letters",
    cleanup: () => { stopped = true; clearTimeout(timer); },
  };
}
