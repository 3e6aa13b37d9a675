// Writing to the user: text (Enter sends, Shift+Enter breaks the line), files, and typing.
//
// Nothing typed is lost silently: drafts survive switching chats and reloads, and a message
// sent while the connection is down waits, visibly, until the desk is back.
//
// Nothing is posted twice either: a message whose answer was lost with the connection may
// or may not have been posted, so it is sent again with the same client id, and the
// server posts each client id once (answering a repeat with `repeated: true`).

import { clear, el, fileSize } from "./dom.js";

// The agent counts as typing until this long after the last keystroke.
const TYPING_IDLE_MS = 2500;
// An acknowledged message whose event has not arrived by then is fetched with a resync.
const SETTLE_MS = 4000;

// Random in every context (crypto.randomUUID needs HTTPS or localhost).
function clientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Composer {
  constructor(refs, store, actions, config) {
    this.refs = refs;
    this.store = store;
    this.actions = actions;
    this.config = config;
    this.chatId = null;
    this.uploads = [];
    this.typingIn = null;
    this.typingTimer = null;
    this.nextRef = 1;

    refs.text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    refs.text.addEventListener("input", () => {
      this.grow();
      this.saveDraft();
      if (refs.text.value.trim()) this.typing();
      else this.stopTyping();
    });
    refs.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    refs.file.addEventListener("change", () => {
      for (const file of refs.file.files) this.upload(file);
      refs.file.value = "";
    });
    refs.composer.addEventListener("dragover", (event) => event.preventDefault());
    refs.composer.addEventListener("drop", (event) => {
      event.preventDefault();
      for (const file of event.dataTransfer.files) this.upload(file);
    });
  }

  draftKey(chatId) {
    return `desk:${this.config.tenantId}:${this.config.agentId}:draft:${chatId}`;
  }

  // Called when another chat is shown.
  show(chat) {
    const id = chat && chat.status === "open" ? chat.conversationId : null;
    if (id === this.chatId) return;
    this.stopTyping();
    this.chatId = id;
    this.uploads = [];
    this.renderUploads();
    this.refs.text.value = id ? sessionStorage.getItem(this.draftKey(id)) || "" : "";
    this.grow();
  }

  focus() {
    if (this.chatId) this.refs.text.focus();
  }

  saveDraft() {
    if (!this.chatId) return;
    const text = this.refs.text.value;
    if (text) sessionStorage.setItem(this.draftKey(this.chatId), text);
    else sessionStorage.removeItem(this.draftKey(this.chatId));
  }

  grow() {
    const area = this.refs.text;
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 180)}px`;
  }

  // --- typing -------------------------------------------------------------------------------

  typing() {
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    if (this.typingIn === this.chatId) return;
    this.stopTyping();
    this.typingIn = this.chatId;
    this.actions.notify({ type: "typing", conversationId: this.chatId, typing: true });
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingIn === null) return;
    this.actions.notify({ type: "typing", conversationId: this.typingIn, typing: false });
    this.typingIn = null;
  }

  // --- files --------------------------------------------------------------------------------

  async upload(file) {
    if (!this.chatId) return;
    const chatId = this.chatId;
    if (file.size > this.config.maxUploadBytes) {
      this.actions.toast(`${file.name} is larger than ${fileSize(this.config.maxUploadBytes)}.`);
      return;
    }
    const item = { name: file.name, size: file.size, id: null, state: "uploading" };
    this.uploads.push(item);
    this.renderUploads();
    const body = new FormData();
    body.append("file", file);
    try {
      const response = await fetch(this.config.uploadPath.replace("CONVERSATION", encodeURIComponent(chatId)), {
        method: "POST",
        body,
        headers: { "X-CSRFToken": this.config.csrfToken },
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({ message: `Upload failed (${response.status}).` }));
      if (!response.ok) throw new Error(answer.message);
      Object.assign(item, { id: answer.id, name: answer.fileName, state: "ready" });
    } catch (error) {
      this.uploads = this.uploads.filter((u) => u !== item);
      this.actions.toast(`${file.name}: ${error.message}`);
    }
    if (this.chatId === chatId) this.renderUploads();
  }

  renderUploads() {
    const list = clear(this.refs.uploads);
    for (const item of this.uploads) {
      const remove = el("button", { type: "button", class: "upload-remove", "aria-label": `Remove ${item.name}`, text: "×" });
      remove.addEventListener("click", () => {
        this.uploads = this.uploads.filter((u) => u !== item);
        this.renderUploads();
      });
      list.append(
        el(
          "li",
          { class: `upload upload-${item.state}`, "data-testid": "upload" },
          el("span", { class: "upload-name", text: item.name }),
          el("span", { class: "upload-size", text: item.state === "uploading" ? "uploading…" : fileSize(item.size) }),
          remove,
        ),
      );
    }
    list.hidden = this.uploads.length === 0;
  }

  // --- sending ------------------------------------------------------------------------------

  submit() {
    if (!this.chatId) return;
    if (this.uploads.some((u) => u.state === "uploading")) {
      this.actions.toast("Wait until the files are uploaded.");
      return;
    }
    const text = this.refs.text.value;
    const ready = this.uploads.filter((u) => u.state === "ready");
    if (!text.trim() && !ready.length) return;
    this.stopTyping();
    const item = {
      ref: `m${this.nextRef++}`,
      clientId: clientId(),
      text,
      attachmentIds: ready.map((u) => u.id),
      files: ready.map((u) => u.name),
      state: "queued",
    };
    this.refs.text.value = "";
    this.saveDraft();
    this.grow();
    this.uploads = [];
    this.renderUploads();
    this.store.addPending(this.chatId, item);
    this.deliver(this.chatId, item);
  }

  // Sends every message that waited for the connection (after a reconnect's snapshot).
  flush() {
    for (const chat of this.store.chats.values()) {
      for (const item of chat.pending) if (item.state === "queued") this.deliver(chat.conversationId, item);
    }
  }

  async deliver(chatId, item) {
    if (!this.actions.isOpen()) return;
    this.store.updatePending(chatId, item.ref, { state: "sending" });
    try {
      const answer = await this.actions.request({
        type: "send",
        conversationId: chatId,
        clientId: item.clientId,
        text: item.text,
        attachmentIds: item.attachmentIds,
      });
      if (answer.repeated) {
        // Posted before the connection dropped: the chat already has it, or its event is coming.
        this.store.removePending(chatId, item.ref);
        return;
      }
      this.store.updatePending(chatId, item.ref, { state: "sent" });
      setTimeout(() => this.settle(chatId, item), SETTLE_MS);
    } catch (error) {
      if (error.code === "disconnected") {
        this.store.updatePending(chatId, item.ref, { state: "queued" });
        return;
      }
      this.store.removePending(chatId, item.ref);
      this.restore(chatId, item);
      this.actions.toast(`Not sent: ${error.message}`);
    }
  }

  settle(chatId, item) {
    const chat = this.store.chats.get(chatId);
    if (chat && chat.pending.includes(item)) {
      this.store.removePending(chatId, item.ref);
      this.actions.resync();
    }
  }

  // A message the server refused goes back into the composer rather than vanishing.
  restore(chatId, item) {
    if (chatId !== this.chatId || !item.text) return;
    const area = this.refs.text;
    area.value = area.value ? `${item.text}\n${area.value}` : item.text;
    this.saveDraft();
    this.grow();
  }
}
