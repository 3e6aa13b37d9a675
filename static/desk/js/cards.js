// Cards in messages, drawn by Microsoft's Adaptive Cards renderer (static/vendor/adaptivecards).
//
// 8x8 quick replies are turned into an Adaptive Card with one Action.Submit per option.
// The agent sees the card as the user did, read-only, with the user's choice marked.

import { el } from "./dom.js";

const QUICK_REPLIES = "application/8x8.quick.replies";
const ADAPTIVE = "application/vnd.microsoft.card.adaptive";

const AC = window.AdaptiveCards;
if (AC) {
  // No markdown processor: every TextBlock is rendered as plain text.
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.didProcess = false;
  };
}

let hostConfig = null;

function host() {
  if (hostConfig) return hostConfig;
  const colors = (text) => ({
    default: { default: text, subtle: "var(--muted)" },
    dark: { default: text, subtle: "var(--muted)" },
    light: { default: "var(--muted)", subtle: "var(--muted)" },
    accent: { default: "var(--accent-2)", subtle: "var(--accent-2)" },
    good: { default: "var(--ok)", subtle: "var(--ok)" },
    warning: { default: "var(--warn)", subtle: "var(--warn)" },
    attention: { default: "var(--accent)", subtle: "var(--accent)" },
  });
  hostConfig = new AC.HostConfig({
    fontFamily: "inherit",
    spacing: { small: 4, default: 8, medium: 12, large: 16, extraLarge: 20, padding: 12 },
    fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 22 },
    containerStyles: {
      default: { backgroundColor: "transparent", foregroundColors: colors("var(--text)") },
      emphasis: { backgroundColor: "var(--surface-2)", foregroundColors: colors("var(--text)") },
    },
    actions: { maxActions: 12, buttonSpacing: 6, actionsOrientation: "horizontal", actionAlignment: "left", showCard: { actionMode: "inline" } },
  });
  return hostConfig;
}

export function quickRepliesAsAdaptive(content) {
  const options = Array.isArray(content.options) ? content.options : [];
  return {
    type: "AdaptiveCard",
    version: "1.5",
    body: content.text ? [{ type: "TextBlock", text: String(content.text), wrap: true }] : [],
    actions: options.map((option) => ({
      type: "Action.Submit",
      title: String(option.title ?? ""),
      data: { postback: (option.data || {}).postback ?? "" },
    })),
  };
}

function chosenTitle(card, state) {
  const value = state && state.submittedValue;
  if (!value) return null;
  return card.contentType === QUICK_REPLIES ? value.title || value.payload || "" : null;
}

function fallback(card, reason) {
  return el(
    "div",
    { class: "card-raw" },
    el("div", { class: "card-raw-title", text: reason }),
    el("pre", { text: JSON.stringify(card.content, null, 2) }),
  );
}

function renderAdaptive(json) {
  const adaptive = new AC.AdaptiveCard();
  adaptive.hostConfig = host();
  // The card belongs to the user; on the desk its actions do nothing.
  adaptive.onExecuteAction = () => {};
  adaptive.parse(json);
  return adaptive.render();
}

export function renderCard(card, state, chat) {
  const wrapper = el("div", {
    class: `card-view${card.contentType === QUICK_REPLIES ? " card-quick" : ""}`,
    dataset: { cardId: card.id || "" },
  });
  const body = el("fieldset", { class: "card-body", disabled: true });
  wrapper.append(body);
  const content = card.content || {};
  let rendered = null;
  try {
    if (!AC) rendered = fallback(card, "Card renderer unavailable");
    else if (card.contentType === QUICK_REPLIES) rendered = renderAdaptive(quickRepliesAsAdaptive(content));
    else if (card.contentType === ADAPTIVE || content.type === "AdaptiveCard") rendered = renderAdaptive(content);
    else rendered = fallback(card, `${card.contentType} card`);
  } catch (error) {
    rendered = fallback(card, "This card could not be rendered");
  }
  body.append(rendered || fallback(card, "Empty card"));
  markChoice(wrapper, card, state, chat);
  return wrapper;
}

// Marks what the user chose (or submitted) on a rendered card; safe to call again.
export function markChoice(wrapper, card, state, chat) {
  for (const old of wrapper.querySelectorAll(".card-choice")) old.remove();
  const title = chosenTitle(card, state);
  for (const button of wrapper.querySelectorAll("button")) {
    const picked = title !== null && button.textContent.trim() === title.trim();
    button.classList.toggle("chosen", picked);
    if (picked) button.setAttribute("aria-label", `${button.textContent} (chosen)`);
  }
  // A chosen quick reply shows on its button; a submitted card lists what was sent.
  if (!state || !state.actionSubmitted || title !== null) return;
  const who = chat.displayName;
  const inputs = Object.entries(state.submittedValue || {})
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
  wrapper.append(el("div", { class: "card-choice", text: inputs ? `${who} submitted: ${inputs}` : `${who} submitted the card` }));
}
