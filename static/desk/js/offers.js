// Incoming offers: who, which queue, which language, a countdown, accept and reject.

import { clear, el } from "./dom.js";

export class OffersView {
  constructor(refs, store, actions) {
    this.list = refs.offers;
    this.empty = refs["offers-empty"];
    this.count = refs["offer-count"];
    this.store = store;
    this.actions = actions;
    this.timer = setInterval(() => this.tick(), 200);
  }

  render() {
    const offers = this.store.offerList();
    clear(this.list);
    for (const offer of offers) this.list.append(this.item(offer));
    this.empty.hidden = offers.length > 0;
    this.count.textContent = String(offers.length);
    this.count.classList.toggle("count-hot", offers.length > 0);
    document.title = offers.length ? `(${offers.length}) New offer · ${this.store.agent.name}` : `${this.store.agent.name} · Agent desktop`;
    this.tick();
  }

  item(offer) {
    const accept = el("button", { type: "button", class: "btn btn-primary", text: "Accept", "data-testid": "accept" });
    const reject = el("button", { type: "button", class: "btn", text: "Reject", "data-testid": "reject" });
    accept.addEventListener("click", () => this.decide(offer, "accept", [accept, reject]));
    reject.addEventListener("click", () => this.decide(offer, "reject", [accept, reject]));
    return el(
      "li",
      { class: "offer", dataset: { offerId: offer.offerId, expiresAt: offer.expiresAt }, "data-testid": "offer" },
      el(
        "div",
        { class: "offer-head" },
        el("strong", { class: "offer-name", text: offer.displayName, "data-testid": "offer-name" }),
        el("span", { class: "offer-countdown", "aria-label": "Seconds left" }),
      ),
      el(
        "div",
        { class: "offer-meta" },
        el("span", { class: "chip", text: offer.queueName || offer.queueId || "Queue" }),
        el("span", { class: "chip chip-lang", text: offer.language }),
      ),
      el("div", { class: "offer-bar", "aria-hidden": "true" }, el("span")),
      el("div", { class: "offer-actions" }, accept, reject),
    );
  }

  async decide(offer, type, buttons) {
    for (const button of buttons) button.disabled = true;
    if (type === "accept") this.store.awaited = offer.conversationId;
    try {
      await this.actions.request({ type, offerId: offer.offerId });
    } catch (error) {
      if (this.store.awaited === offer.conversationId) this.store.awaited = null;
      this.actions.toast(error.message);
      for (const button of buttons) button.disabled = false;
    }
  }

  tick() {
    const now = this.store.now();
    for (const node of this.list.children) {
      const offer = this.store.offers.get(node.dataset.offerId);
      if (!offer) continue;
      const total = Math.max(1, this.store.offerTimeoutMs);
      const left = Math.max(0, Date.parse(offer.expiresAt) - now);
      node.querySelector(".offer-countdown").textContent = left > 0 ? `${Math.ceil(left / 1000)} s` : "expiring";
      node.querySelector(".offer-bar span").style.width = `${Math.min(100, (100 * left) / total)}%`;
      node.classList.toggle("offer-urgent", left < 5000);
    }
  }

  acceptOldest() {
    const first = this.list.querySelector(".offer [data-testid=accept]:not([disabled])");
    if (first) first.click();
  }
}
