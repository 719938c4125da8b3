// Queue depths, consumers, rates and dead letters from RabbitMQ's management API.
import { get, can } from "./api.js";
import { el, formatTime, problemText } from "./ui.js";

// A queue's dead letters: for an admin, a link to them on the Dead letters page.
function deadLetters(q) {
  if (q.deadLetters == null) return "—";
  if (q.deadLetters === 0) return "0";
  const badge = el("span", { class: "badge status-failed" }, q.deadLetters);
  if (!can("admin")) return badge;
  return el("a", { href: `#/dead-letters?queue=${encodeURIComponent(q.name)}`, "aria-label": `${q.deadLetters} dead letters from ${q.name}` }, badge);
}

export async function queuesPage() {
  const body = el("div", { id: "queues" });
  const updated = el("span", { class: "muted" });
  let timer = null;
  let stopped = false;
  async function load() {
    try {
      const answer = await get("/v1/queues");
      const rate = (value) => value ? value.toFixed(1) : "0";
      body.replaceChildren(el("table", {},
        el("caption", { class: "visually-hidden" }, `Queues of the virtual host ${answer.vhost}`),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Queue"), el("th", { scope: "col", class: "num" }, "Ready"), el("th", { scope: "col", class: "num" }, "Unacked"),
          el("th", { scope: "col", class: "num" }, "Consumers"), el("th", { scope: "col", class: "num" }, "Publish /s"),
          el("th", { scope: "col", class: "num" }, "Deliver /s"), el("th", { scope: "col", class: "num" }, "Ack /s"), el("th", { scope: "col", class: "num" }, "Dead letters"))),
        el("tbody", {}, answer.items.map((q) => el("tr", { "data-queue": q.name },
          el("td", { class: "mono" }, q.name, q.type ? el("span", { class: "hint" }, ` ${q.type}`) : null),
          el("td", { class: "num" }, q.messagesReady), el("td", { class: "num" }, q.messagesUnacknowledged),
          el("td", { class: "num" }, q.consumers === 0 ? el("span", { class: "badge status-failed" }, "0") : q.consumers),
          el("td", { class: "num" }, rate(q.publishRate)), el("td", { class: "num" }, rate(q.deliverRate)), el("td", { class: "num" }, rate(q.ackRate)),
          el("td", { class: "num dead-letters" }, deadLetters(q)))))));
      updated.textContent = `vhost ${answer.vhost} · updated ${formatTime(new Date())}`;
    } catch (error) {
      body.replaceChildren(el("div", { class: "error", role: "alert" }, problemText(error)));
    }
    // Not once the page was left while this request was under way.
    if (!stopped) timer = setTimeout(load, 5000);
  }
  await load();
  return {
    nodes: [el("h1", {}, "Queues"), el("p", { class: "sub" }, "From RabbitMQ's management API, refreshed every 5 seconds. ", updated),
      el("section", { class: "panel" }, body)],
    title: "Queues",
    cleanup: () => { stopped = true; clearTimeout(timer); },
  };
}
