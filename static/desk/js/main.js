// The agent desktop: wires the socket, the state and the views together.

import { askNotificationPermission, chime, notifyOffer } from "./alerts.js";
import { ChatListView } from "./chatlist.js";
import { Composer } from "./composer.js";
import { ConversationView } from "./conversation.js";
import { el, refs as findRefs } from "./dom.js";
import { placeIcons } from "./icons.js";
import { OffersView } from "./offers.js";
import { setupTheme, setupToggle } from "./prefs.js";
import { DeskSocket } from "./socket.js";
import { DeskStore } from "./store.js";

const TOAST_MS = 6000;
const CONNECTION_LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  gone: "This agent no longer exists",
};

const config = JSON.parse(document.getElementById("desk-config").textContent);
const root = document.querySelector("[data-testid=desk]");
const refs = findRefs(root);
const store = new DeskStore(config);
placeIcons(root);

function toast(message) {
  const node = el("div", { class: "toast", role: "alert", text: message });
  refs.toasts.append(node);
  setTimeout(() => node.remove(), TOAST_MS);
}

const socket = new DeskSocket(config.socketPath, {
  onFrame: receive,
  onState: (state) => {
    root.dataset.connection = state;
    refs.connection.textContent = CONNECTION_LABELS[state];
    refs.connection.className = `conn conn-${state}`;
  },
});

const actions = {
  request: (frame) => socket.request(frame),
  notify: (frame) => socket.notify(frame),
  isOpen: () => socket.isOpen,
  resync: () => socket.notify({ type: "resync" }),
  toast,
};

const offersView = new OffersView(refs, store, actions);
const chatList = new ChatListView(refs, store);
const conversation = new ConversationView(refs, store, actions);
const composer = new Composer(refs, store, actions, config);

const sound = setupToggle(refs.mute, "desk-sound", {
  onLabel: "Offer sound on (click to mute)",
  offLabel: "Offer sound muted (click to unmute)",
  onIcon: "sound",
  offIcon: "muted",
});
const notifications = setupToggle(refs.notify, "desk-notifications", {
  onLabel: "Browser notifications on",
  offLabel: "Browser notifications off",
  onIcon: "bell",
  offIcon: "bell-off",
  initial: false,
  onChange: async (wanted) => {
    if (!wanted) return true;
    if (await askNotificationPermission()) return true;
    toast("The browser does not allow notifications for this page.");
    return false;
  },
});
setupTheme(refs.theme);

function receive(frame) {
  if (frame.type === "snapshot") store.applySnapshot(frame);
  else if (frame.type === "chat") store.applyChat(frame.chat);
  else if (frame.type === "push") store.applyPush(frame.kind, frame.payload);
  else if (frame.type === "cards") store.applyCards(frame.conversationId, frame.cards);
  else if (frame.type === "error") toast(frame.message);
}

function renderAgent() {
  const agent = store.agent;
  refs.status.value = agent.status;
  refs["status-dot"].className = `dot dot-${agent.status}`;
  refs.languages.textContent = agent.languages.length ? `· ${agent.languages.join(", ")}` : "";
  refs.queues.replaceChildren(...agent.queues.map((q) => el("li", { class: "chip", text: q.name, title: `Queue ${q.id}` })));
  refs["empty-hint"].textContent =
    agent.status === "available"
      ? "You are available: new chats are offered on the left. Accepted chats open here."
      : "Set yourself Available to receive offers. Accepted chats open here.";
}

function alertOffers(offers) {
  for (const offer of offers) {
    if (sound.on) chime();
    if (notifications.on) notifyOffer(offer);
  }
}

function showActive() {
  conversation.render();
  composer.show(conversation.chat);
}

store.on((change) => {
  switch (change.scope) {
    case "all":
      renderAgent();
      offersView.render();
      chatList.render();
      showActive();
      composer.flush();
      // Offers seen in a later snapshot (after a reconnect) are news too.
      if (store.synced) alertOffers(change.newOffers);
      break;
    case "offers":
      offersView.render();
      alertOffers(change.newOffers);
      break;
    case "agent":
      renderAgent();
      break;
    case "select":
      chatList.render();
      showActive();
      composer.focus();
      break;
    case "chat": {
      chatList.render();
      const chat = store.chats.get(change.id);
      if (change.full) {
        if (change.id === store.activeId) {
          showActive();
          if (change.isNew) composer.focus();
        }
      } else if (chat) {
        conversation.append(chat, change.events);
        if (chat.conversationId === store.activeId) composer.show(chat);
      }
      break;
    }
    case "pending":
      if (store.chats.has(change.id)) conversation.renderPending(store.chats.get(change.id));
      break;
    case "cards":
      conversation.updateCards(store.chats.get(change.id));
      break;
    case "receipts":
      conversation.updateReceipts(store.chats.get(change.id));
      break;
    case "activity":
      chatList.render();
      conversation.renderActivity();
      break;
  }
});

refs.status.addEventListener("change", async () => {
  const wanted = refs.status.value;
  try {
    await socket.request({ type: "set_status", status: wanted });
  } catch (error) {
    toast(error.message);
    renderAgent();
  }
});

document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    chatList.move(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "a" || event.key === "A") {
    event.preventDefault();
    offersView.acceptOldest();
  }
});

document.addEventListener("visibilitychange", () => {
  const chat = store.chats.get(store.activeId);
  if (document.visibilityState === "visible" && chat) {
    store.markSeen(chat);
    chatList.render();
  }
});

// Typing indicators expire by themselves; the chat list shows them too.
setInterval(() => {
  let expired = false;
  for (const chat of store.chats.values()) {
    for (const who of ["user", "bot"]) {
      if (chat.typing[who] && chat.typing[who] <= store.now()) {
        chat.typing[who] = 0;
        expired = true;
      }
    }
  }
  if (expired) chatList.render();
}, 1000);

renderAgent();
socket.connect();
