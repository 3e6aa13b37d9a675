// Telling the agent about a new offer: a short sound and a browser notification.

let audio = null;

// Browsers only let a page play sound after the user interacted with it.
document.addEventListener("pointerdown", () => unlockAudio(), { once: true });
document.addEventListener("keydown", () => unlockAudio(), { once: true });

function unlockAudio() {
  if (audio === null && window.AudioContext) audio = new AudioContext();
  if (audio && audio.state === "suspended") audio.resume();
}

export function chime() {
  if (audio === null || audio.state !== "running") return;
  const start = audio.currentTime;
  for (const [offset, frequency] of [[0, 880], [0.16, 1175]]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "sine";
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.18, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.25);
  }
}

export async function askNotificationPermission() {
  if (!("Notification" in window)) return false;
  if (Notification.permission === "granted") return true;
  if (Notification.permission === "denied") return false;
  return (await Notification.requestPermission()) === "granted";
}

export function notifyOffer(offer) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const notification = new Notification("New chat offer", {
    body: `${offer.displayName} · ${offer.queueName || "queue"} · ${offer.language}`,
    tag: offer.offerId,
  });
  notification.addEventListener("click", () => {
    window.focus();
    notification.close();
  });
}
