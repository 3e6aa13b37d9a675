// The list of chats on the desk: open ones first, then those in wrap-up, with unread counts.

import { clear, clock, el, initials } from "./dom.js";
import { preview } from "./timeline.js";

export class ChatListView {
  constructor(refs, store) {
    this.list = refs.chats;
    this.empty = refs["chats-empty"];
    this.count = refs["chat-count"];
    this.store = store;
  }

  render() {
    const chats = this.store.orderedChats();
    clear(this.list);
    for (const chat of chats) this.list.append(this.item(chat));
    this.empty.hidden = chats.length > 0;
    this.count.textContent = String(chats.filter((c) => c.status === "open").length);
  }

  item(chat) {
    const unread = this.store.unread(chat);
    const active = chat.conversationId === this.store.activeId;
    const typing = this.store.isTyping(chat, "user") || this.store.isTyping(chat, "bot");
    const name = chat.displayName;
    const last = chat.timeline.length ? chat.timeline[chat.timeline.length - 1].timestamp : chat.createdAt;
    const button = el(
      "button",
      {
        type: "button",
        class: `chat-item${active ? " active" : ""}${chat.status === "wrapup" ? " chat-wrapup" : ""}`,
        "aria-current": active ? "true" : null,
        "data-testid": "chat-item",
        dataset: { conversationId: chat.conversationId },
      },
      el("span", { class: "avatar", "aria-hidden": "true", text: initials(name) }),
      el(
        "span",
        { class: "chat-item-main" },
        el(
          "span",
          { class: "chat-item-top" },
          el("span", { class: "chat-item-name", text: name }),
          el("time", { class: "chat-item-time", text: clock(last) }),
        ),
        el(
          "span",
          { class: "chat-item-bottom" },
          el("span", { class: `chat-item-preview${typing ? " is-typing" : ""}`, text: typing ? "typing…" : preview(chat) }),
          chat.status === "wrapup" ? el("span", { class: "badge badge-wrapup", text: "Wrap-up" }) : null,
          unread > 0
            ? el("span", { class: "unread", text: String(unread), "data-testid": "unread", "aria-label": `${unread} unread` })
            : null,
        ),
      ),
    );
    button.addEventListener("click", () => this.store.select(chat.conversationId));
    return el("li", {}, button);
  }

  // Alt+ArrowUp / Alt+ArrowDown.
  move(step) {
    const chats = this.store.orderedChats();
    if (!chats.length) return;
    const index = chats.findIndex((c) => c.conversationId === this.store.activeId);
    const next = chats[(index + step + chats.length) % chats.length];
    this.store.select(next.conversationId);
  }
}
