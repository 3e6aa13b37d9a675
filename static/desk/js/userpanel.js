// The customer panel: everything the integration told us about the user, and the channel.

import { clear, el, initials } from "./dom.js";

const FIELDS = [
  ["email", "Email"],
  ["phone", "Phone"],
  ["company", "Company"],
  ["caseId", "Case ID"],
  ["language", "Language"],
  ["userId", "User ID"],
  ["customerId", "Customer ID"],
  ["ipaddress", "IP address"],
  ["timezoneOffset", "Timezone offset"],
];

function row(label, value, testid, mono = false) {
  return [el("dt", { text: label }), el("dd", { text: String(value), "data-testid": testid, class: mono ? "mono" : null })];
}

export function renderUserPanel(panel, chat) {
  clear(panel);
  if (!chat) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const user = chat.user || {};
  const name = chat.displayName;
  panel.append(
    el(
      "div",
      { class: "user-head" },
      el("span", { class: "avatar avatar-lg", "aria-hidden": "true", text: initials(name) }),
      el("div", {}, el("h2", { class: "user-name", text: name, "data-testid": "user-name" }), el("div", { class: "muted", text: chat.channel.type })),
    ),
  );
  const facts = el("dl", { class: "user-facts" });
  for (const [key, label] of FIELDS) {
    if (user[key] !== undefined && user[key] !== null && user[key] !== "") facts.append(...row(label, user[key], `user-${key}`));
  }
  facts.append(...row("Channel", `${chat.channel.name} (${chat.channel.type})`, "user-channel"));
  if (chat.queue) facts.append(...row("Queue", `${chat.queue.name} (${chat.queue.id})`, "user-queue"));
  facts.append(...row("Conversation", chat.conversationId, "user-conversation", true));
  panel.append(el("section", { class: "user-section" }, el("h3", { text: "Details" }), facts));

  const extra = user.additionalProperties || [];
  const props = el("dl", { class: "user-facts", "data-testid": "user-properties" });
  for (const item of extra) props.append(el("dt", { text: item.key }), el("dd", { text: String(item.value) }));
  panel.append(
    el(
      "section",
      { class: "user-section" },
      el("h3", { text: "Additional properties" }),
      extra.length ? props : el("p", { class: "muted", text: "None" }),
    ),
  );
}
