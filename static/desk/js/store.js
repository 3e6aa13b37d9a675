// The desk's state, rebuilt from the server's snapshot and kept current by its pushes.
//
// The server is the source of truth: a snapshot replaces everything it covers. Only what
// the server does not know stays local: which chat is open, what has been seen, and
// messages still on their way.

const TYPING_SHOWN_MS = 6000;

export class DeskStore {
  constructor(config) {
    this.config = config;
    this.me = config.agentId;
    this.agent = { id: config.agentId, name: config.agentName, status: "offline", languages: [], queues: [] };
    this.queues = [];
    this.directory = {};
    this.offers = new Map();
    this.chats = new Map();
    this.activeId = null;
    // The chat of an offer accepted on this page, until it arrives.
    this.awaited = null;
    this.clockOffset = 0;
    this.offerTimeoutMs = 20000;
    this.listeners = new Set();
    this.synced = false;
  }

  on(listener) {
    this.listeners.add(listener);
  }

  emit(change) {
    for (const listener of this.listeners) listener(change);
  }

  now() {
    return Date.now() + this.clockOffset;
  }

  // --- frames from the server -------------------------------------------------------------

  applySnapshot(snapshot) {
    this.clockOffset = snapshot.serverTime - Date.now();
    this.offerTimeoutMs = snapshot.offerTimeoutSeconds * 1000;
    this.agent = snapshot.agent;
    this.queues = snapshot.queues;
    this.directory = snapshot.directory;
    const hadOffers = new Set(this.offers.keys());
    this.offers = new Map(snapshot.offers.map((offer) => [offer.offerId, offer]));
    const previous = this.chats;
    this.chats = new Map();
    for (const chat of snapshot.chats) this.chats.set(chat.conversationId, this.adopt(chat, previous.get(chat.conversationId)));
    if (this.activeId === null) this.activeId = sessionStorage.getItem(this.activeKey());
    if (!this.chats.has(this.activeId)) this.activeId = this.firstOpenId();
    const active = this.chats.get(this.activeId);
    if (active && document.visibilityState === "visible") this.markSeen(active);
    this.synced = true;
    const fresh = [...this.offers.values()].filter((offer) => !hadOffers.has(offer.offerId));
    this.emit({ scope: "all", newOffers: fresh });
  }

  applyChat(chat) {
    const known = this.chats.get(chat.conversationId);
    this.chats.set(chat.conversationId, this.adopt(chat, known));
    // A chat the agent accepted on this page opens at once; one accepted elsewhere waits
    // in the list, unless nothing else is open.
    if (this.activeId === null || this.awaited === chat.conversationId) {
      this.activeId = chat.conversationId;
      sessionStorage.setItem(this.activeKey(), chat.conversationId);
    }
    if (this.awaited === chat.conversationId) this.awaited = null;
    const adopted = this.chats.get(chat.conversationId);
    if (this.activeId === chat.conversationId && document.visibilityState === "visible") this.markSeen(adopted);
    this.emit({ scope: "chat", id: chat.conversationId, full: true, isNew: !known });
  }

  // A chat from the server, keeping what only this page knows about it.
  adopt(chat, known) {
    const seenKey = this.seenKey(chat.conversationId);
    let lastSeen = Number(sessionStorage.getItem(seenKey));
    if (!sessionStorage.getItem(seenKey)) {
      // A chat new to this page: what was said before this agent joined is history, not news.
      lastSeen = this.joinedSequence(chat);
      sessionStorage.setItem(seenKey, String(lastSeen));
    }
    return {
      ...chat,
      lastSeen,
      pending: known ? known.pending.filter((item) => item.state === "queued") : [],
      typing: known ? known.typing : { user: 0, bot: 0 },
      thinkingUntil: known ? known.thinkingUntil : 0,
    };
  }

  joinedSequence(chat) {
    for (let i = chat.timeline.length - 1; i >= 0; i--) {
      const { eventType, data, sequence } = chat.timeline[i];
      if (eventType === "MEMBERS_CHANGED" && data.memberType === "agent" && data.change === "joined" && data.id === this.me) {
        return sequence;
      }
    }
    return chat.lastSequence;
  }

  applyCards(conversationId, cards) {
    const chat = this.chats.get(conversationId);
    if (!chat) return;
    chat.cards = cards;
    this.emit({ scope: "cards", id: conversationId });
  }

  applyPush(kind, payload) {
    if (kind === "event") return this.applyEvent(payload);
    if (kind === "offer.new") {
      if (payload.agentId !== this.me) return;
      this.offers.set(payload.offerId, payload);
      return this.emit({ scope: "offers", newOffers: [payload] });
    }
    if (kind.startsWith("offer.")) {
      if (this.offers.delete(payload.offerId)) this.emit({ scope: "offers", newOffers: [] });
      return;
    }
    if (kind === "agent.status") {
      if (payload.agentId !== this.me) return;
      this.agent.status = payload.status;
      return this.emit({ scope: "agent" });
    }
    if (kind === "chat.closed") {
      this.chats.delete(payload.conversationId);
      sessionStorage.removeItem(this.seenKey(payload.conversationId));
      if (this.activeId === payload.conversationId) this.activeId = this.firstOpenId();
      return this.emit({ scope: "all", newOffers: [] });
    }
    const chat = this.chats.get(payload.conversationId);
    if (!chat) return;
    if (kind === "activity.typing") {
      chat.typing[payload.authorType === "bot" ? "bot" : "user"] = this.now() + TYPING_SHOWN_MS;
    } else if (kind === "activity.thinking") {
      chat.thinkingUntil = this.now() + 1000 * (payload.maxThinkingTimeSeconds || 60);
    } else if (kind === "activity.read") {
      chat.readAt = Math.max(chat.readAt || 0, Date.parse(payload.readAt));
      return this.emit({ scope: "receipts", id: chat.conversationId });
    } else {
      return;
    }
    this.emit({ scope: "activity", id: chat.conversationId });
  }

  applyEvent(event) {
    const chat = this.chats.get(event.conversationId);
    if (!chat || event.sequence <= chat.lastSequence) return;
    chat.lastSequence = event.sequence;
    const data = event.data || {};
    if (event.eventType === "ACTIVITY" && data.name === "typing") return;
    // A wrap-up keeps the chat as it was when this agent left it.
    if (chat.status === "wrapup" && chat.leftAt && event.timestamp > chat.leftAt) return;
    chat.timeline.push(event);
    if (event.eventType === "CONVERSATION_UPDATE") {
      chat.state = data.state;
      if (data.user) chat.user = data.user;
      if (event.displayName) chat.displayName = event.displayName;
    } else if (event.eventType === "QUEUED") {
      chat.queue = { id: data.queueId, name: data.queueName };
    } else if (event.eventType === "MESSAGE") {
      const sender = data.sender || {};
      if (sender.type === "user") chat.typing.user = 0;
      if (sender.type === "bot") {
        chat.typing.bot = 0;
        chat.thinkingUntil = 0;
      }
      if (sender.type === "agent" && sender.id === this.me) this.settlePending(chat, data.text || "");
    } else if (
      event.eventType === "MEMBERS_CHANGED" &&
      data.memberType === "agent" &&
      data.change === "left" &&
      data.id === this.me
    ) {
      chat.status = "wrapup";
      chat.leftAt = event.timestamp;
      chat.pending = [];
    }
    if (this.activeId === chat.conversationId && document.visibilityState === "visible") this.markSeen(chat);
    this.emit({ scope: "chat", id: chat.conversationId, events: [event] });
  }

  // --- messages on their way ---------------------------------------------------------------

  addPending(conversationId, item) {
    const chat = this.chats.get(conversationId);
    if (!chat) return;
    chat.pending.push(item);
    this.emit({ scope: "pending", id: conversationId });
  }

  updatePending(conversationId, ref, changes) {
    const chat = this.chats.get(conversationId);
    const item = chat && chat.pending.find((p) => p.ref === ref);
    if (!item) return;
    Object.assign(item, changes);
    this.emit({ scope: "pending", id: conversationId });
  }

  removePending(conversationId, ref) {
    const chat = this.chats.get(conversationId);
    if (!chat) return;
    chat.pending = chat.pending.filter((p) => p.ref !== ref);
    this.emit({ scope: "pending", id: conversationId });
  }

  settlePending(chat, text) {
    const index = chat.pending.findIndex((p) => p.text.trim() === text.trim() && p.state !== "queued");
    if (index >= 0) chat.pending.splice(index, 1);
  }

  // --- what this page decides --------------------------------------------------------------

  select(conversationId) {
    if (!this.chats.has(conversationId)) return;
    this.activeId = conversationId;
    sessionStorage.setItem(this.activeKey(), conversationId);
    this.markSeen(this.chats.get(conversationId));
    this.emit({ scope: "select", id: conversationId });
  }

  markSeen(chat) {
    chat.lastSeen = chat.lastSequence;
    sessionStorage.setItem(this.seenKey(chat.conversationId), String(chat.lastSeen));
  }

  unread(chat) {
    return chat.timeline.filter(
      (event) =>
        event.sequence > chat.lastSeen &&
        event.eventType === "MESSAGE" &&
        (event.data.sender || {}).type !== "agent",
    ).length;
  }

  activeKey() {
    return `desk:${this.config.tenantId}:${this.me}:active`;
  }

  seenKey(conversationId) {
    return `desk:${this.config.tenantId}:${this.me}:seen:${conversationId}`;
  }

  firstOpenId() {
    for (const chat of this.chats.values()) if (chat.status === "open") return chat.conversationId;
    const first = this.chats.keys().next();
    return first.done ? null : first.value;
  }

  orderedChats() {
    const chats = [...this.chats.values()];
    const open = chats.filter((c) => c.status === "open");
    const done = chats.filter((c) => c.status !== "open");
    return [...open, ...done];
  }

  offerList() {
    return [...this.offers.values()].sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
  }

  agentName(id) {
    if (id === this.me) return "You";
    return this.directory[id] || id;
  }

  // The desk's own link to a file of a chat: images come back inline with their real type,
  // where the API's links (and an event's preSignedUrl) answer application/octet-stream.
  fileUrl(conversationId, attachmentId) {
    return this.config.filePath
      .replace("CONVERSATION", encodeURIComponent(conversationId))
      .replace("ATTACHMENT", encodeURIComponent(attachmentId));
  }

  isTyping(chat, who) {
    return chat.typing[who] > this.now();
  }

  isThinking(chat) {
    return chat.thinkingUntil > this.now();
  }
}
