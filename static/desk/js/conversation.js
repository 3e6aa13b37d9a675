// The open chat: header with actions, the timeline, "is typing" and the wrap-up state.

import { clear, el } from "./dom.js";
import { markChoice } from "./cards.js";
import { eventView, historyViews, pendingView } from "./timeline.js";
import { renderUserPanel } from "./userpanel.js";

const STICK_TO_BOTTOM_PX = 120;

export class ConversationView {
  constructor(refs, store, actions) {
    this.refs = refs;
    this.store = store;
    this.actions = actions;
    this.shownId = null;
    this.items = el("div", { class: "timeline-items" });
    this.pending = el("div", { class: "timeline-pending" });
    refs.timeline.append(this.items, this.pending);
    refs["transfer-form"].addEventListener("submit", (event) => {
      event.preventDefault();
      this.act("transfer", { queueId: refs["transfer-queue"].value });
    });
    refs.end.addEventListener("click", () => this.act("end"));
    refs.close.addEventListener("click", () => this.act("close"));
    this.activityText = "";
    // Whether the newest message is kept in view. Only the agent scrolling up unsticks it:
    // content growing under a programmatic scroll (an image loading) must not.
    this.stuck = true;
    this.autoTop = 0;
    refs.timeline.addEventListener("load", () => this.stuck && this.scrollToBottom(), true);
    refs.timeline.addEventListener("scroll", () => {
      if (refs.timeline.scrollTop + 2 < this.autoTop) this.stuck = this.nearBottom();
      else if (this.nearBottom()) this.stuck = true;
    });
    new ResizeObserver(() => this.stuck && this.scrollToBottom()).observe(refs.timeline);
    setInterval(() => this.renderActivity(), 1000);
  }

  get chat() {
    return this.store.chats.get(this.store.activeId) || null;
  }

  async act(type, extra = {}) {
    const chat = this.chat;
    if (!chat) return;
    const buttons = this.refs.main.querySelectorAll(".chat-actions button");
    for (const button of buttons) button.disabled = true;
    try {
      await this.actions.request({ type, conversationId: chat.conversationId, ...extra });
    } catch (error) {
      this.actions.toast(error.message);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  render() {
    const chat = this.chat;
    renderUserPanel(this.refs.user, chat);
    this.refs.empty.hidden = chat !== null;
    this.refs.chat.hidden = chat === null;
    if (!chat) {
      this.shownId = null;
      return;
    }
    const switched = this.shownId !== chat.conversationId;
    const keepScroll = !switched && !this.stuck ? this.refs.timeline.scrollTop : null;
    this.shownId = chat.conversationId;
    this.renderHead(chat);
    clear(this.items);
    this.items.append(...historyViews(chat, this.store));
    for (const event of chat.timeline) {
      const node = eventView(event, chat, this.store);
      if (node) this.items.append(node);
    }
    this.renderPending(chat);
    this.renderActivity();
    if (keepScroll === null) this.scrollToBottom();
    else this.refs.timeline.scrollTop = keepScroll;
  }

  renderHead(chat) {
    const user = chat.user || {};
    this.refs["chat-name"].textContent = chat.displayName;
    const bits = [chat.queue ? chat.queue.name : null, chat.channel.type, user.language].filter(Boolean);
    this.refs["chat-sub"].textContent = bits.join(" · ");
    const open = chat.status === "open";
    this.refs["chat-actions"].hidden = !open;
    this.refs["wrapup-actions"].hidden = open;
    this.refs.composer.hidden = !open;
    const select = this.refs["transfer-queue"];
    const current = select.value;
    clear(select);
    for (const queue of this.store.queues) {
      select.append(el("option", { value: queue.id, text: `${queue.name} (${queue.id})` }));
    }
    const other = this.store.queues.find((q) => !chat.queue || q.id !== chat.queue.id);
    select.value = current && this.store.queues.some((q) => q.id === current) ? current : other ? other.id : "";
  }

  // New events of a chat arrived; only the open chat's timeline changes.
  append(chat, events) {
    if (chat.conversationId !== this.shownId) return;
    const stick = this.stuck;
    for (const event of events) {
      const node = eventView(event, chat, this.store);
      if (node) this.items.append(node);
    }
    this.renderHead(chat);
    renderUserPanel(this.refs.user, chat);
    this.renderPending(chat);
    this.renderActivity();
    if (stick) this.scrollToBottom();
  }

  renderPending(chat) {
    if (chat.conversationId !== this.shownId) return;
    clear(this.pending);
    for (const item of chat.pending) this.pending.append(pendingView(item));
    if (this.stuck) this.scrollToBottom();
  }

  updateCards(chat) {
    if (chat.conversationId !== this.shownId) return;
    const cards = new Map();
    for (const event of chat.timeline) for (const card of (event.data && event.data.cards) || []) cards.set(card.id, card);
    for (const item of chat.history) for (const card of item.cards || []) cards.set(card.id, card);
    for (const node of this.items.querySelectorAll(".card-view[data-card-id]")) {
      const card = cards.get(node.dataset.cardId);
      if (card) markChoice(node, card, chat.cards[card.id], chat);
    }
  }

  updateReceipts(chat) {
    if (chat.conversationId !== this.shownId) return;
    for (const node of this.items.querySelectorAll(".msg-mine")) {
      const read = chat.readAt && Number(node.dataset.timestamp) <= chat.readAt;
      const receipt = node.querySelector(".receipt");
      if (!receipt) continue;
      receipt.textContent = read ? "Read" : "Sent";
      receipt.classList.toggle("receipt-read", Boolean(read));
    }
  }

  renderActivity() {
    const chat = this.chat;
    let text = "";
    if (chat && chat.status === "open") {
      if (this.store.isTyping(chat, "user")) text = `${chat.displayName} is typing…`;
      else if (this.store.isThinking(chat)) text = "Bot is thinking…";
      else if (this.store.isTyping(chat, "bot")) text = "Bot is typing…";
    }
    if (text === this.activityText) return;
    this.activityText = text;
    this.refs.activity.textContent = text;
    this.refs.activity.classList.toggle("active", Boolean(text));
  }

  nearBottom() {
    const t = this.refs.timeline;
    return t.scrollHeight - t.scrollTop - t.clientHeight < STICK_TO_BOTTOM_PX;
  }

  scrollToBottom() {
    const timeline = this.refs.timeline;
    timeline.scrollTop = timeline.scrollHeight;
    this.autoTop = timeline.scrollTop;
    this.stuck = true;
  }
}
