// The agent's page preferences: theme, offer sound, browser notifications. Kept in localStorage.

import { icon } from "./icons.js";

const THEMES = ["auto", "light", "dark"];
const THEME_LABELS = { auto: "Theme: follows the system", light: "Theme: light", dark: "Theme: dark" };

function read(key, fallback) {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage disabled: the preference lasts for this page only.
  }
}

export function setupTheme(button) {
  let theme = read("sandbox-theme", "auto");
  const apply = () => {
    document.documentElement.dataset.theme = theme;
    button.title = THEME_LABELS[theme];
    button.setAttribute("aria-label", THEME_LABELS[theme]);
    button.dataset.theme = theme;
    button.querySelector("svg")?.remove();
    button.prepend(icon(theme));
  };
  button.addEventListener("click", () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    write("sandbox-theme", theme);
    apply();
  });
  apply();
}

export function setupToggle(button, key, { onLabel, offLabel, onIcon, offIcon, initial = true, onChange }) {
  let on = read(key, initial ? "1" : "0") === "1";
  const apply = () => {
    button.setAttribute("aria-pressed", String(on));
    button.title = on ? onLabel : offLabel;
    button.setAttribute("aria-label", on ? onLabel : offLabel);
    button.querySelector("svg")?.remove();
    button.prepend(icon(on ? onIcon : offIcon));
  };
  button.addEventListener("click", async () => {
    const wanted = !on;
    if (onChange && !(await onChange(wanted))) return;
    on = wanted;
    write(key, on ? "1" : "0");
    apply();
  });
  apply();
  return { get on() { return on; } };
}
