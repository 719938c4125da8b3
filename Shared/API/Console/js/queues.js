// Queue depths, consumers, rates and dead letters from RabbitMQ's management API.
import { get } from "./api.js";
import { el, formatTime, problemText } from "./ui.js";

export async function queuesPage() {
  const body = el("div", { id: "queues" });
  const updated = el("span", { class: "muted" });
  let timer = null;
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
          el("td", { class: "num" }, q.deadLetters == null ? "—" : q.deadLetters > 0 ? el("span", { class: "badge status-failed" }, q.deadLetters) : "0"))))));
      updated.textContent = `vhost ${answer.vhost} · updated ${formatTime(new Date())}`;
    } catch (error) {
      body.replaceChildren(el("div", { class: "error", role: "alert" }, problemText(error)));
    }
    timer = setTimeout(load, 5000);
  }
  await load();
  return {
    nodes: [el("h1", {}, "Queues"), el("p", { class: "sub" }, "From RabbitMQ's management API, refreshed every 5 seconds. ", updated),
      el("section", { class: "panel" }, body)],
    title: "Queues",
    cleanup: () => clearTimeout(timer),
  };
}
