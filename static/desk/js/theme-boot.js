// Applies the saved theme before the page paints (loaded as a classic script in <head>).
(function () {
  try {
    var theme = localStorage.getItem("sandbox-theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (e) {
    // Storage can be disabled; the OS preference applies then.
  }
})();
