// The desk's WebSocket: reconnects by itself with a growing delay and matches answers to requests.
//
// Every (re)connection is answered by the server with a full snapshot, so the page never
// has to guess what it missed while it was away.

const CLOSE_UNKNOWN_AGENT = 4404;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

export class DeskSocket {
  constructor(path, { onFrame, onState }) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = `${scheme}//${location.host}${path}`;
    this.onFrame = onFrame;
    this.onState = onState;
    this.ws = null;
    this.nextRef = 1;
    this.waiting = new Map();
    this.delay = FIRST_DELAY_MS;
    this.timer = null;
    this.stopped = false;
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    this.onState("connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.delay = FIRST_DELAY_MS;
      this.onState("live");
    });
    ws.addEventListener("message", (message) => this.receive(message.data));
    ws.addEventListener("close", (event) => this.closed(ws, event));
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if ((frame.type === "ack" || frame.type === "error") && this.waiting.has(frame.ref)) {
      const { resolve, reject } = this.waiting.get(frame.ref);
      this.waiting.delete(frame.ref);
      if (frame.type === "ack") resolve(frame);
      else reject(Object.assign(new Error(frame.message), { code: frame.code }));
      return;
    }
    this.onFrame(frame);
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    for (const { reject } of this.waiting.values()) {
      reject(Object.assign(new Error("The connection was lost before the server answered."), { code: "disconnected" }));
    }
    this.waiting.clear();
    if (event.code === CLOSE_UNKNOWN_AGENT || this.stopped) {
      this.onState("gone");
      return;
    }
    this.onState("reconnecting");
    const jitter = Math.random() * this.delay * 0.3;
    this.timer = setTimeout(() => this.connect(), this.delay + jitter);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
  }

  reconnectNow() {
    if (this.timer !== null && !this.stopped) this.connect();
  }

  // An action the server acknowledges: resolves on `ack`, rejects with the domain message.
  request(frame) {
    if (!this.isOpen) {
      return Promise.reject(
        Object.assign(new Error("Not connected to the sandbox; reconnecting…"), { code: "disconnected" }),
      );
    }
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.waiting.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  // A hint nobody waits for (typing); dropped while disconnected.
  notify(frame) {
    if (this.isOpen) this.ws.send(JSON.stringify(frame));
  }
}
