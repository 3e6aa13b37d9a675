// One chat's timeline: creation history, messages, files, cards and system lines.
//
// Entries are built from the Chat Gateway event payloads (the same ones webhooks carry).
// Every piece of text from users, bots or integrations is set as text, never as HTML.

import { renderCard } from "./cards.js";
import { clock, el } from "./dom.js";
import { icon } from "./icons.js";

const AUTHOR_TYPES = new Set(["user", "bot", "agent", "system"]);

function authorLabel(sender, chat, store) {
  if (sender.type === "user") return chat.displayName;
  if (sender.type === "bot") return "Bot";
  if (sender.type === "agent") return store.agentName(sender.id);
  // A v2 history item may name its author with any `type` (an extensible enum); the agent
  // sees it as the integration sent it.
  if (sender.type) return sender.type;
  return "System";
}

// The style of a message follows its author; a type the desk does not know gets its own.
function authorClass(sender) {
  if (!sender.type) return "system";
  return AUTHOR_TYPES.has(sender.type) ? sender.type : "other";
}

function attachmentView(attachment, url) {
  const name = attachment.fileName || "file";
  if (attachment.type === "image") {
    return el(
      "a",
      { class: "file file-image", href: url, target: "_blank", rel: "noopener noreferrer" },
      el("img", { src: url, alt: name, loading: "lazy" }),
      el("span", { class: "file-name", text: name }),
    );
  }
  return el(
    "a",
    {
      class: "file",
      href: url,
      download: name,
      target: "_blank",
      rel: "noopener noreferrer",
      title: `Download ${name}`,
    },
    icon("file"),
    el("span", { class: "file-name", text: name }),
    icon("download"),
  );
}

export function messageView(data, timestamp, chat, store, { history = false } = {}) {
  const sender = data.sender || {};
  const mine = sender.type === "agent" && sender.id === store.me;
  const node = el("article", {
    class: `msg msg-${authorClass(sender)}${mine ? " msg-mine" : ""}${history ? " msg-history" : ""}`,
    dataset: { timestamp: String(timestamp || 0), sender: sender.type || "" },
  });
  node.append(
    el(
      "header",
      { class: "msg-meta" },
      el("span", { class: "msg-author", text: authorLabel(sender, chat, store) }),
      el("time", { text: clock(timestamp) }),
    ),
  );
  if (data.text) node.append(el("div", { class: "msg-text", text: data.text }));
  if (data.attachments && data.attachments.length) {
    const url = (attachment) => store.fileUrl(chat.conversationId, attachment.id);
    node.append(el("div", { class: "msg-files" }, data.attachments.map((a) => attachmentView(a, url(a)))));
  }
  for (const card of data.cards || []) {
    node.append(renderCard(card, chat.cards[card.id], chat));
  }
  if (mine) {
    const read = chat.readAt && timestamp <= chat.readAt;
    node.append(el("div", { class: `receipt${read ? " receipt-read" : ""}`, text: read ? "Read" : "Sent" }));
  }
  return node;
}

function systemLine(text, kind = "") {
  return el("div", { class: `system ${kind}`.trim(), role: "note" }, el("span", { text }));
}

function choiceText(data) {
  const value = data.value || {};
  const inputs = value.data || {};
  if (data.name === "quickReply/action") return `chose “${inputs.title || inputs.payload || ""}”`;
  const shown = Object.entries(inputs)
    .map(([key, val]) => `${key}: ${typeof val === "string" ? val : JSON.stringify(val)}`)
    .join(", ");
  return shown ? `submitted the card (${shown})` : "submitted the card";
}

// The node for one event, or null for events that show nothing in a timeline.
export function eventView(event, chat, store) {
  const data = event.data || {};
  switch (event.eventType) {
    case "MESSAGE":
      return messageView(data, event.timestamp, chat, store);
    case "MEMBERS_CHANGED": {
      if (data.memberType === "user") {
        return systemLine(`${chat.displayName} ${data.change === "left" ? "left the chat" : "joined"}`);
      }
      const who = data.id === store.me ? "You" : store.agentName(data.id);
      return systemLine(`${who} ${data.change === "left" ? "left" : "joined"} the chat`, "system-member");
    }
    case "TRANSFER":
      return systemLine("Transferred", "system-transfer");
    case "QUEUED":
      return systemLine(`Waiting in queue ${data.queueName || data.queueId}`);
    case "CONVERSATION_UPDATE":
      if (data.state === "created") return systemLine(`Conversation started · ${data.channel || "Chat"}`);
      if (data.state === "idle") return systemLine("Conversation ended", "system-end");
      return null;
    case "ACTIVITY":
      if (data.name === "quickReply/action" || data.name === "adaptiveCard/action") {
        return systemLine(`${chat.displayName} ${choiceText(data)}`, "system-choice");
      }
      return null;
    default:
      return null;
  }
}

export function historyViews(chat, store) {
  if (!chat.history.length) return [];
  return [
    systemLine("Before the chat reached an agent", "system-history"),
    ...chat.history.map((item) => messageView(item, item.timestamp, chat, store, { history: true })),
    systemLine("End of history", "system-history"),
  ];
}

export function pendingView(item) {
  const label = { queued: "Waiting for the connection…", sending: "Sending…", sent: "Sending…" }[item.state];
  return el(
    "article",
    { class: "msg msg-agent msg-mine msg-pending", dataset: { ref: String(item.ref) } },
    el("header", { class: "msg-meta" }, el("span", { class: "msg-author", text: "You" })),
    item.text ? el("div", { class: "msg-text", text: item.text }) : null,
    item.files.length ? el("div", { class: "msg-files" }, item.files.map((f) => el("span", { class: "file", text: f }))) : null,
    el("div", { class: "receipt", text: label }),
  );
}

// The last thing said in a chat, for the chat list.
export function preview(chat) {
  for (let i = chat.timeline.length - 1; i >= 0; i--) {
    const event = chat.timeline[i];
    if (event.eventType !== "MESSAGE") continue;
    const data = event.data;
    if (data.text) return data.text;
    if (data.attachments && data.attachments.length) return `File: ${data.attachments[0].fileName}`;
    if (data.cards && data.cards.length) return "Card";
  }
  const last = chat.history[chat.history.length - 1];
  return last ? last.text : "";
}
